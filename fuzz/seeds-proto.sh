#!/usr/bin/env bash
# Seeds for fuzz/fuzz_proto.c: every test vector of spec/protocol-vectors.txt,
# as one handle-count byte followed by the message.
set -euo pipefail
out=$1
python3 - "$out" <<'PY'
import sys, os
out = sys.argv[1]
for line in open('spec/protocol-vectors.txt'):
    f = line.split()
    if len(f) != 6 or f[0] != 'vector':
        continue
    name, _dir, handles, _expect, hexbytes = f[1:]
    data = bytes([int(handles)]) + bytes.fromhex(hexbytes)
    open(os.path.join(out, 'vec-' + name), 'wb').write(data)
PY
