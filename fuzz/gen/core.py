#!/usr/bin/env python3
"""Seeds for fuzz/fuzz_core.c (format in the harness comment): registry
operation streams that exhaust generations, pids and slots; builder streams
at every count and byte limit, with rollbacks to taken and edited marks;
dispatcher configurations at each edge of pm_dispatch_init's rule.
Usage: core_seeds.py OUTDIR"""
import os, struct, sys

REG, BLD, CFG = 0, 1, 2
# registry operations (op byte % 9)
def alloc(parent=1, job=1, name_len=3, rights=0x7f): return bytes([0, parent, job, name_len, rights])
def lookup(k=0, required=1): return bytes([1, k, required])
def dup(k=0, rights=1): return bytes([2, k, rights])
def free(k=0): return bytes([3, k])
def find(slot=0): return bytes([4, 0]) + struct.pack('<H', slot)
def find_raw(pid): return bytes([4, 200]) + struct.pack('<Q', pid)
def lst(filt=0, value=0, cursor=0, cap=8): return bytes([5, filt, value]) + struct.pack('<H', cursor) + bytes([cap])
def add_cap(slot=0, times=100): return bytes([6]) + struct.pack('<H', slot) + bytes([times])
def age(what, slot=0): return bytes([8, what]) + struct.pack('<H', slot)
NEXT_PID_MAX, GEN_MAX, FILL, SKEW_GEN0, SKEW_LIVE0, SKEW_LIVE_FULL = 0, 1, 2, 3, 4, 5

# builder operations (op byte % 9)
def arg(data): return bytes([0, len(data)]) + data
def env(data): return bytes([1, len(data)]) + data
def big(op, n, nul=None): # op 0 arg, 1 env, 2 name: FILL bytes, optional NUL
    kind = 224 if nul is not None else 160
    return bytes([op, kind]) + struct.pack('<II', n, nul or 0) + (bytes([7]) if op == 2 else b'')
def name(path, d=1): return bytes([2, len(path)]) + path + bytes([d])
def handle(c=1, i=5): return bytes([3, c]) + struct.pack('<I', i)
def info(exe=1, n=b'svc'): return bytes([4, 8 | exe, len(n)]) + n
def mark(k=0): return bytes([5, k])
def rollback(k=0, edit=0xff, delta=0): return bytes([6, k, edit, delta])
def many(what, times): return bytes([7, what]) + struct.pack('<H', times)
reset = bytes([8])

# configuration edits: (field, selector) pairs, selector & 3: 0 zero,
# 1 page * (s >> 2), 2 page * (s >> 2) + 1, 3 raw u64 follows
def cfg(*edits):
    b = bytes([CFG, len(edits)])
    for e in edits:
        b += bytes(e[:2]) + (struct.pack('<Q', e[2]) if len(e) > 2 else b'')
    return b

seeds = {
    'reg-basic': bytes([REG]) + alloc() + alloc(2, 2) + lookup(0, 1) + lookup(1, 0x80) + dup(0, 3) +
        dup(0, 0x80) + find(0) + find_raw(99) + lst(0) + lst(1, 1) + lst(2, 2) + lst(3) +
        lst(0, 0, 1025) + lst(0, 0, 0, 1) + free(0) + lookup(0) + free(0) + add_cap(1, 100),
    'reg-bad-rights': bytes([REG]) + alloc(rights=0x80) + lookup(200) + bytes([0] * 8),
    'reg-full': bytes([REG]) + age(FILL) + alloc() + lst(0, 0, 1020, 8) + find(1023),
    'reg-pid-exhausted': bytes([REG]) + age(NEXT_PID_MAX) + alloc() + alloc() + age(NEXT_PID_MAX + 6) + alloc(),
    'reg-gen-exhausted': bytes([REG]) + age(GEN_MAX) + alloc() + free(0) + alloc() + lookup(0),
    'reg-gen-almost': bytes([REG]) + age(GEN_MAX + 6) + alloc() + free(0) + alloc() + free(1),
    'reg-skew-gen0': bytes([REG]) + age(SKEW_GEN0, 0) + alloc(),
    'reg-skew-live0': bytes([REG]) + age(GEN_MAX) + alloc() + alloc() + age(SKEW_LIVE0) + free(0) + free(1),
    'reg-skew-live-full': bytes([REG]) + alloc() + age(SKEW_LIVE_FULL) + alloc() + free(0),
    'bld-basic': bytes([BLD]) + arg(b'/bin/true') + env(b'A=B') + name(b'/svc') + handle() +
        info() + mark(0) + arg(b'x') + rollback(0) + rollback(0, 1, 5) + reset,
    'bld-nul': bytes([BLD]) + arg(b'a\0b') + env(b'\0') + name(b'/a\0') + info(1, b'a\0') +
        big(0, 100, 50) + big(1, 100, 0) + big(2, 100, 99),
    'bld-path': bytes([BLD]) + name(b'') + name(b'rel') + name(b'/') + name(b'/ok'),
    'bld-bytes': bytes([BLD]) + big(0, 131072) + arg(b'x') + big(1, 131072) + env(b'') + env(b'y') +
        big(2, 4096) + name(b'/z') + big(0, 131073),
    'bld-counts': bytes([BLD]) + many(0, 4100) + many(1, 4100) + many(2, 70) + handle() +
        b''.join(name(b'/n') for _ in range(33)),
    'bld-info': bytes([BLD]) + info(0) + bytes([4, 9, 33]) + b'a' * 33 + info(1, b'a' * 32),
    'bld-marks': bytes([BLD]) + mark(0) + arg(b'a') + mark(1) + env(b'b') + mark(2) +
        rollback(1) + rollback(2) + rollback(0) + mark(3) + name(b'/p') + handle() +
        b''.join(rollback(3, e, 1) for e in range(8)) + rollback(3, 0, 7),
    'bld-stale-mark': bytes([BLD]) + arg(b'abcdef') + mark(0) + reset + arg(b'abcdefghijkl') + rollback(0),
    'cfg-default': cfg(),
    'cfg-tables': cfg((0, 17), (1, 17)),
    'cfg-null-tables': cfg((0, 64 | 1), (1, 64 | 2)),
    'cfg-stack0': cfg((2, 0)),
    'cfg-stack-odd': cfg((2, 2 | (4 << 2))),
    'cfg-stack-max': cfg((4, 1)),
    'cfg-stack-over': cfg((4, 0)),
    'cfg-top-odd': cfg((3, 2 | (63 << 2))),
    'cfg-top-low': cfg((7, 1)),
    'cfg-top-exact': cfg((7, 0)),
    'cfg-slots-low': cfg((5, 0)),
    'cfg-slots-ok': cfg((5, 1)),
    'cfg-slots-high': cfg((6, 2)),
    'cfg-slots-max': cfg((6, 1)),
    'cfg-raw': cfg((8, 3, 0xffffffff)),
    # accepted configurations then create a static and a dynamic process:
    # placement windows and stacks at their edges, biases from 32 bytes
    'cfg-launch-default': cfg() + bytes(range(32)),
    'cfg-launch-random': cfg() + bytes([0xff] * 32),
    'cfg-dyn-base-high': cfg((9, 3, (1 << 56) + 4096)) + bytes(32),
    'cfg-dyn-base-edge': cfg((9, 3, 1 << 56)) + bytes(32),
    'cfg-dyn-window-huge': cfg((10, 3, 1 << 57)) + bytes(32),
    'cfg-dyn-window-0': cfg((10, 0)) + bytes(32),
    'cfg-dyn-window-page': cfg((10, 1 | (1 << 2))) + bytes([7] * 32),
    'cfg-dyn-base-0': cfg((9, 0)) + bytes(32),
    'cfg-dyn-base-odd': cfg((9, 2 | (5 << 2))) + bytes(32),
    'cfg-interp-window-0': cfg((12, 0)) + bytes(32),
    'cfg-interp-base-high': cfg((11, 3, (1 << 56) + 4096)) + bytes(32),
    'cfg-interp-base-top': cfg((11, 3, 0x7ffffffff000 - 0x1000)) + bytes([0xff] * 32),
    'cfg-stack-512k': cfg((2, 3, 0x80000)) + bytes(32),
    'cfg-stack-1m': cfg((2, 3, 0x100000)) + bytes(32),
    'cfg-stack-small': cfg((2, 1 | (1 << 2))) + bytes(32),
    'cfg-stack-max': cfg((4, 1)) + bytes(32),
    'cfg-no-interp': cfg((0, 0)) + bytes(32),
}
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for n, data in seeds.items():
    with open(os.path.join(out, 'gen-' + n), 'wb') as f:
        f.write(data)
