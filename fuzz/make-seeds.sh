#!/usr/bin/env bash
# Makes the seed corpus of one harness: fuzz/make-seeds.sh NAME OUTDIR BUILDDIR
# Every harness gets its checked-in regression corpus; some get more.
set -euo pipefail
name=$1; out=$2; build=$3
mkdir -p "$out"
if [ -d "fuzz/corpus/$name" ]; then
  find "fuzz/corpus/$name" -maxdepth 1 -type f -exec cp {} "$out/" \;
fi
case "$name" in
  elf)
    # Real executables and the test programs: 8-byte file size + the first
    # 4 KiB (the header area that matters for every common binary).
    files=(/bin/true /bin/ls /bin/sh /usr/bin/env /usr/bin/python3
           /lib64/ld-linux-x86-64.so.2)
    while IFS= read -r -d '' f; do files+=("$f"); done < \
      <(find "$build/tests/elf" -maxdepth 3 -type f -perm -u+x -print0 2>/dev/null || true)
    python3 - "$out" "${files[@]}" <<'PY'
import os, struct, sys, hashlib
out = sys.argv[1]
for path in sys.argv[2:]:
    try:
        real = os.path.realpath(path)
        with open(real, 'rb') as f:
            head = f.read(4096)
        if head[:4] != b'\x7fELF':
            continue
        data = struct.pack('<Q', os.path.getsize(real)) + head
        name = 'seed-' + hashlib.sha1(data).hexdigest()[:16]
        open(os.path.join(out, name), 'wb').write(data)
    except OSError:
        pass
PY
    ;;
  *)
    # Harness-specific seed makers live beside the harness.
    if [ -x "fuzz/seeds-$name.sh" ]; then "fuzz/seeds-$name.sh" "$out" "$build"; fi
    ;;
esac
# Crafted inputs for what random bytes rarely reach (fuzz/gen/NAME.py, run
# from the repository root; their output is also checked in under corpus/).
if [ -f "fuzz/gen/$name.py" ]; then python3 "fuzz/gen/$name.py" "$out"; fi
# Both engines need at least one input.
[ -n "$(ls -A "$out")" ] || printf 'seed' > "$out/empty-seed"
echo "seeds $name: $(ls "$out" | wc -l) inputs"
