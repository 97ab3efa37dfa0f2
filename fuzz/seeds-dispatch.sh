#!/usr/bin/env bash
# Seeds for fuzz/fuzz_dispatch.c: request sequences in the harness's step
# format (see the comment at the top of the harness).
set -euo pipefail
out=$1
python3 - "$out" <<'PY'
import os, struct, sys
out = sys.argv[1]
NO = 0xFFFFFFFF
def hdr(op, nh, payload):
    return struct.pack('<IHHIIQII', 0x52474D50, 1, op, 0, nh, 1, len(payload), 0) + payload
def msg(op, specs, payload, conn=0):
    m = hdr(op, len(specs), payload)
    return bytes([0x08 | (conn << 4)]) + struct.pack('<H', len(m)) + bytes([len(specs)]) + bytes(specs) + m
def s(x): return struct.pack('<I', len(x)) + x
EXE, DYN, JUNK, EP = 0 << 2, 1 << 2, 3 << 2, 4 << 2
set_info = lambda img: msg(0x0105, [img], struct.pack('<IIII', 0, NO, NO, 0) + s(b'svc'))
launch = msg(0x0106, [], b'')
cws = msg(0x0107, [], b'')
kill0 = msg(0x0303, [1], struct.pack('<I', 0))
wait0 = msg(0x0301, [1], struct.pack('<IIQ', 0, 0, 0))
query0 = msg(0x0003, [1], struct.pack('<I', 0))
args = msg(0x0101, [], struct.pack('<I', 2) + s(b'/bin/true') + s(b'-x'))
envs = msg(0x0102, [], struct.pack('<I', 1) + s(b'A=B'))
names = msg(0x0103, [EP | (1 << 5)], struct.pack('<I', 1) + struct.pack('<I', 0) + s(b'/svc'))
handles = msg(0x0104, [EP | (1 << 5)], struct.pack('<I', 1) + struct.pack('<II', 0, 3))
create = msg(0x0001, [EXE, EP | (1 << 5)], struct.pack('<I', 0) + struct.pack('<I', 1) + struct.pack('<II', 1, 5))
start = msg(0x0108, [1, 1 | (1 << 2)], struct.pack('<II', 0, 1))
resolve = msg(0x0201, [], s(b'bin/dyn'))
watch = msg(0x0302, [1], struct.pack('<II', 0, 15))
lst = msg(0x0004, [], struct.pack('<IIQQ', 0, 10, 0, 0))
# issue 6: working directory (an endpoint, the sim's directory, and an
# image: K_NOT_DIRECTORY), resource limits, sharing flags
cwd_ep = msg(0x0109, [EP | (1 << 5)], struct.pack('<I', 0))
cwd_img = msg(0x0109, [EXE], struct.pack('<I', 0))
rlimit0 = msg(0x0404, [1], struct.pack('<IIIQQ', 0, 1, 0, 1, 2))
rlimit_up = msg(0x0404, [1], struct.pack('<IIIQQ', 0, 2, 0, 64, 2**64 - 1))
set_info_flags = msg(0x0105, [EXE], struct.pack('<IIII', 0, NO, NO, 7) + s(b'svc'))
job_create = msg(0x0410, [], struct.pack('<I', 0))
job_pids = msg(0x0412, [1], struct.pack('<IIIQ', 0, 1, 0, 8))          # the job just made
job_mem = msg(0x0412, [1], struct.pack('<IIIQ', 0, 2, 0, 1 << 20))
job_none = msg(0x0412, [2 | (1 << 2)], struct.pack('<IIIQ', 0, 1, 0, 2**64 - 1))  # a stand-in job
job_query = msg(0x0413, [1], struct.pack('<I', 0))
seeds = {
  'job-limits': job_create + job_pids + job_mem + set_info(EXE) + launch + job_query +
                job_none + kill0 + job_query,
  'launch': args + envs + names + handles + set_info(EXE) + launch + query0 + kill0 + wait0,
  'dynamic': set_info(DYN) + cws + start + watch + bytes([5, 64]) + bytes([6]) + lst,
  'create': create + query0 + bytes([7, 5]) + create + wait0,
  'resolve': resolve + set_info(JUNK) + launch,
  'inject': bytes([7, 0x90]) + set_info(DYN) + launch + set_info(EXE) + launch + lst,
  'cwd-rlimit': cwd_ep + names + set_info_flags + cws + rlimit0 + rlimit_up + start + query0 +
                cwd_img + set_info(EXE) + launch + kill0,
}
for k, v in seeds.items():
    open(os.path.join(out, 'seed-' + k), 'wb').write(v)
PY
