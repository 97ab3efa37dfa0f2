#!/usr/bin/env python3
"""Seeds for fuzz/fuzz_dispatch.c (step format in the harness comment): the
request sequences and shell operations that reach what random bytes rarely
do: overlapping namespace paths, duplicate startup ids, a launch job from
SET_INFO, LIST by job and by parent with paging, HANDLE_DUPLICATE and
HANDLE_CLOSE on every handle kind, watches on a process, full waiter,
watch and event tables, START misuse, short reply buffers, connection
churn and expiring waiters.  Usage: dispatch_seeds.py OUTDIR"""
import os, struct, sys

NO = 0xFFFFFFFF
FOREVER = 0xFFFFFFFFFFFFFFFF
EXE, DYN, INTERP, JUNK, EP, ODD = 0 << 2, 1 << 2, 2 << 2, 3 << 2, 4 << 2, 5 << 2
KCAP_EXE = EXE                  # spec byte: fresh cap derived from an image
POOL = lambda k: 1 | (k << 2)   # spec byte: k-th handle an earlier reply issued
JOB = lambda j: 2 | (j << 2)    # spec byte: job j
BOGUS = lambda k: 3 | (k << 2)  # spec byte: a handle of kind k % 7

def hdr(op, nh, payload):
    return struct.pack('<IHHIIQII', 0x52474D50, 1, op, 0, nh, 1, len(payload), 0) + payload

def msg(op, specs, payload, conn=0, small_cap=False):
    m = hdr(op, len(specs), payload)
    sel = 0x08 | (conn << 4) | (0xE0 if small_cap else 0)
    return bytes([sel]) + struct.pack('<H', len(m)) + bytes([len(specs)]) + bytes(specs) + m

def s(x): return struct.pack('<I', len(x)) + x
def u32(*v): return struct.pack('<' + 'I' * len(v), *v)

def set_info(img=EXE, job=None, conn=0):
    specs = [img] + ([job] if job is not None else [])
    return msg(0x0105, specs, u32(0, 1 if job is not None else NO, NO, 0) + s(b'svc'), conn)

launch = lambda conn=0: msg(0x0106, [], b'', conn)
cws = lambda conn=0: msg(0x0107, [], b'', conn)
def lst(flags, value, limit=256, cursor=0, conn=0):
    return msg(0x0004, [], struct.pack('<IIQQ', flags, limit, value, cursor), conn)
def names(*paths):
    body = u32(len(paths))
    for i, p in enumerate(paths):
        body += u32(i) + s(p)
    return msg(0x0103, [EP | (1 << 5)] * len(paths), body)
def handles(*ids):
    body = u32(len(ids))
    for i, x in enumerate(ids):
        body += u32(i, x)
    return msg(0x0104, [EP | (1 << 5)] * len(ids), body)
def wait(spec, timeout=FOREVER): return msg(0x0301, [spec], struct.pack('<IIQ', 0, 0, timeout))
def watch(spec, events=15): return msg(0x0302, [spec], u32(0, events))
def kill(spec): return msg(0x0303, [spec], u32(0))
def dup(spec, rights): return msg(0x0304, [spec], u32(0, rights))
def close(spec): return msg(0x0305, [spec], u32(0))
def query(spec): return msg(0x0003, [spec], u32(0))
def start(p, t): return msg(0x0108, [p, t], u32(0, 1))

# shell operations (selector 6 with a sub-operation in bits 3-5)
drain = bytes([6])
def connect(conn_id, koid_hint=0):
    # byte b: id = 1 + b % 8, client_koid = b, job = b >> 4
    return bytes([6 | (4 << 3), (conn_id - 1) + 8 * koid_hint])
fill_conns = bytes([6 | (4 << 3), 0])
def disconnect(conn_id): return bytes([6 | (5 << 3), conn_id - 1])
def principal(conn_id, who): return bytes([6 | (5 << 3), 0x80 | (conn_id - 1), who])
def open_process(koid, rights=0x7f, conn=0): return msg(0x0005, [], struct.pack('<QII', koid, rights, 0), conn)
def expire(wid, cap=None):
    b0 = wid & 0xFF
    if cap is None:
        b0 |= 1
        return bytes([6 | (6 << 3), b0, (wid >> 8) & 0xFF, (wid >> 16) & 0xFF, (wid >> 24) & 0xFF])
    b0 &= ~1
    return bytes([6 | (6 << 3), b0, (wid >> 8) & 0xFF, (wid >> 16) & 0xFF, (wid >> 24) & 0xFF, cap])
def take_small(cap, release=0): return bytes([6 | (7 << 3), cap, release])
def release_spec(spec): return bytes([6 | (7 << 3), 0, 1 | (spec << 1)])
def end_thread(slot, exit_=True, defer=False):
    return bytes([5, (slot % 64) | (64 if exit_ else 0) | (128 if defer else 0)])
def exit_process(spec, code=7): return msg(0x0002, [spec], u32(0, code))
def set_info_interp(img=DYN, interp=2 << 2):
    return msg(0x0105, [img, interp], u32(0, NO, 1, 0) + s(b'dyn'))
def args(n, conn=0):
    return msg(0x0101, [], u32(n) + b''.join(s(b'a') for _ in range(n)), conn)
def abrupt(seq):
    # the harness stops abruptly (fini alone) when the length is 3 mod 4
    while len(seq) % 4 != 3:
        seq += bytes([6])        # drain steps change nothing here
    return seq

seeds = {
    'names-overlap': names(b'/svc', b'/svc/x'),
    'names-overlap-rev': names(b'/a/b', b'/a'),
    'names-prefix-not-component': names(b'/ab', b'/a') + names(b'/a', b'/ab'),
    'names-root': names(b'/', b'/x'),
    'names-same': names(b'/data', b'/data'),
    'names-then-more': names(b'/a') + names(b'/a/b') + names(b'/c'),
    'handles-dup-id': handles(3, 3),
    'handles-id-taken': handles(3) + handles(4, 3),
    'info-job-launch-list': set_info(job=JOB(1)) + launch() + set_info(job=JOB(1)) + launch() +
        lst(1, 1) + lst(1, 2) + lst(0, 0, limit=1) + lst(0, 0, limit=1, cursor=1) +
        lst(1, 1, limit=1) + lst(1, 1, limit=1, cursor=2) + lst(0, 0, cursor=999),
    'info-job-wrong-kind': set_info(job=KCAP_EXE) + set_info(job=BOGUS(5)) + launch(),
    'list-by-parent': disconnect(2) + connect(2, 1) + set_info(conn=1) + launch(conn=1) +
        set_info(conn=1) + cws(conn=1) + lst(2, 9) + lst(2, 9, limit=1) + lst(2, 10) +
        lst(2, 9, limit=1, cursor=1),
    'dup-close-kinds': set_info() + launch() + dup(POOL(0), 0x7F) + dup(POOL(0), 0x01) +
        dup(POOL(1), 0x7F) + dup(POOL(0), 0x80) + dup(JOB(1), 1) + dup(KCAP_EXE, 1) +
        close(POOL(1)) + close(POOL(0)) + close(POOL(2)) + close(JOB(1)) + close(KCAP_EXE) +
        close(BOGUS(6)) + query(POOL(0)),
    'dup-rights-subset': set_info() + launch() + dup(POOL(0), 0x01) + dup(POOL(2), 0x09) +
        dup(POOL(2), 0x08 | 0x01) + query(POOL(2)),
    'watch-process': set_info() + launch() + watch(POOL(0)) + watch(POOL(1)) + kill(POOL(0)) +
        end_thread(0) + drain + close(POOL(2)) + drain,
    'watch-process-exit': set_info() + launch() + watch(POOL(0), 2) + end_thread(0, True) +
        drain + watch(POOL(0)),
    'watch-full': set_info() + launch() + b''.join(watch(JOB(1)) for _ in range(34)) +
        kill(POOL(0)) + drain,
    'waiters-full': set_info() + launch() + b''.join(wait(POOL(0)) for _ in range(34)) +
        expire(0x10000) + expire(0x10000, 8) + expire(0x10001) + expire(0xFFFF) +
        end_thread(0) + take_small(8) + take_small(255) + drain,
    'wait-then-disconnect': set_info() + launch() + wait(POOL(0)) + disconnect(1) + drain,
    'start-misuse': set_info() + cws() + set_info() + cws() + start(POOL(0), POOL(3)) +
        start(POOL(0), POOL(1)) + start(POOL(0), POOL(1)) + kill(POOL(2)) +
        start(POOL(2), POOL(3)) + start(JOB(1), POOL(1)),
    'start-after-exit': set_info() + cws() + end_thread(0) + kill(POOL(0)) + drain +
        start(POOL(0), POOL(1)),
    'small-cap': msg(0x0003, [POOL(0)], u32(0), small_cap=True) + set_info() +
        msg(0x0106, [], b'', small_cap=True),
    'not-connected': disconnect(1) + set_info() + launch() + connect(1) + connect(1) +
        set_info() + launch(),
    'conn-fill': fill_conns + connect(3, 2) + connect(3) + disconnect(3) + disconnect(7),
    'expire-bogus': expire(0) + expire(0x12345678) + expire(0x10000, 4) + take_small(0, 1),
    'events-overflow': b''.join(watch(JOB(1)) for _ in range(12)) +
        b''.join(set_info() + launch() + kill(JOB(1)) for _ in range(14)) + drain,
    'unknown-interp': set_info(ODD) + launch() + set_info(ODD) + cws() +
        msg(0x0201, [], s(b'bin/true')) + msg(0x0201, [], s(b'bin/dyn')) +
        msg(0x0201, [], s(b'bin/none')),
    'given-junk-interp': set_info_interp(DYN, JUNK) + launch() + set_info_interp(DYN, EXE) + launch(),
    'watch-stale': set_info() + launch() + watch(POOL(0)) + close(POOL(2)) + watch(POOL(0)) +
        close(POOL(2)) + close(POOL(3)) + close(POOL(3)),
    'close-twice': set_info() + launch() + kill(POOL(0)) + close(POOL(0)) + close(POOL(1)) +
        close(POOL(0)) + close(POOL(1)) + query(POOL(0)) + dup(POOL(0), 1),
    'parent-list': set_info() + launch() + disconnect(2) + bytes([6 | (4 << 3), 1]) +
        set_info(conn=1) + launch(conn=1) + set_info(conn=1) + launch(conn=1) +
        lst(2, 1) + lst(2, 1, limit=1) + lst(2, 1, limit=1, cursor=2) + lst(2, 77),
    'list-order-reused-slot': set_info() + launch() + set_info() + launch() + kill(POOL(0)) +
        close(POOL(0)) + close(POOL(1)) + drain + set_info() + launch() + lst(0, 0) +
        lst(0, 0, limit=1) + lst(0, 0, limit=2, cursor=1),
    'ended-exit-kill': set_info() + launch() + kill(POOL(0)) + kill(POOL(0)) +
        exit_process(POOL(0)) + set_info() + launch() + exit_process(POOL(2)) +
        exit_process(POOL(2)),
    'stale-event': set_info() + launch() + end_thread(0, True, True) + kill(POOL(0)) +
        close(POOL(0)) + close(POOL(1)) + set_info() + launch() + end_thread(0, False, True) +
        drain + end_thread(1) + drain,
    'stale-event-reused': set_info() + launch() + end_thread(0, False, True) + kill(POOL(0)) +
        close(POOL(0)) + close(POOL(1)) + set_info() + launch() + end_thread(5) + drain,
    'waiter-gen': set_info() + launch() + wait(POOL(0)) + expire(0x20000) + expire(0x10000) +
        wait(POOL(0)) + expire(0x20000) + drain,
    'waiter-other-conn': set_info() + launch() + msg(0x0301, [POOL(0)],
        struct.pack('<IIQ', 0, 0, FOREVER), conn=1) + wait(POOL(0)) + disconnect(1) + drain,
    'outside-kill': set_info() + launch() + watch(POOL(0)) + bytes([5, 5]) + drain +
        set_info() + launch() + bytes([5, 5 | 128]) + kill(POOL(3)) + drain,
    'outside-kill-slot5': b''.join(set_info() + launch() for _ in range(6)) +
        bytes([5, 5]) + bytes([5, 5 + 128]) + drain,
    'record-full': b''.join(handles(*range(8 * m, 8 * m + 8)) for m in range(8)) +
        b''.join(names(*[b'/n%d' % (8 * m + i) for i in range(8)]) for m in range(4)) +
        set_info() + launch() + set_info(DYN) + launch(),
    'record-full-names': b''.join(handles(*range(8 * m, 8 * m + 8)) for m in range(7)) +
        handles(56, 57, 58, 59, 60, 61) +
        b''.join(names(*[b'/n%d' % (8 * m + i) for i in range(8)]) for m in range(4)) +
        set_info() + launch(),
    'watch-unsubscribed': watch(JOB(1), 2) + set_info() + launch() + kill(POOL(1)) + drain,
    'two-waiters': set_info() + launch() + set_info() + launch() + wait(POOL(0)) + wait(POOL(2)) +
        end_thread(0) + drain + end_thread(1) + drain,
    'handles-over': b''.join(handles(*range(8 * m, 8 * m + 8)) for m in range(8)) + handles(70, 71),
    'record-full-dyn': b''.join(handles(*range(8 * m, 8 * m + 8)) for m in range(8)) +
        b''.join(names(*[b'/n%d' % (8 * m + i) for i in range(8)]) for m in range(4)) +
        set_info_interp(DYN, INTERP) + launch(),
    'record-full-dyn2': b''.join(handles(*range(8 * m, 8 * m + 8)) for m in range(8)) +
        b''.join(names(*[b'/n%d' % (8 * m + i) for i in range(8)]) for m in range(4)) +
        set_info(DYN) + launch(),
    'truncated-handles': bytes([0x08]) + struct.pack('<H', 36) + bytes([255]) +
        hdr(0x0003, 65, u32(0)) + set_info() + launch(),
    'junk-image': set_info(JUNK) + launch() + set_info(JUNK) + cws(),
    'revoke-builder-caps': handles(3, 4) + names(b'/svc') + bytes([6 | (3 << 3), 4]) +
        set_info() + launch() + drain,
    'revoke-exe': set_info() + bytes([6 | (3 << 3), 0]) + launch() + set_info() + launch() +
        bytes([6 | (3 << 3), 0]) + kill(POOL(0)) + drain,
    'open-process': set_info() + launch() + open_process(1) + open_process(1, conn=1) +
        open_process(1, 0x01) + query(POOL(2)) + open_process(99) + principal(1, 1) +
        open_process(1) + principal(1, 255) + open_process(1) + principal(1, 0) +
        open_process(1) + principal(5, 0) + kill(POOL(0)) + open_process(1) + close(POOL(0)) +
        close(POOL(1)) + open_process(1, conn=1),
    'open-then-start': set_info() + cws() + open_process(1, 0x20) +
        msg(0x0108, [POOL(2)], u32(0, NO)) + open_process(1, 0x02) + wait(POOL(3), 0),
    'release-kcap': release_spec(EXE) + release_spec(JOB(1)) + release_spec(BOGUS(4)),
    'given-interp': set_info_interp() + launch() + set_info_interp(DYN, 1 << 2) + launch() +
        set_info_interp(EXE) + launch(),
    'args-over-limit': b''.join(args(256) for _ in range(17)) + set_info() + launch(),
    'abrupt-live': abrupt(set_info() + launch() + set_info() + cws() + wait(POOL(0)) +
        connect(3) + set_info() + end_thread(0, True, True)),
    'release-handles': set_info() + launch() + take_small(200, 0) + take_small(200, 1) +
        query(POOL(0)),
}
# A kernel failure at each call of a launch with startup handles and names,
# a dynamic one, and a SET_INFO-given interpreter.
def inject(n): return bytes([7, n & 63])
for k in range(1, 64):
    seeds['inject-launch-%02d' % k] = (handles(3, 4) + names(b'/svc') + set_info() + inject(k) +
                                       launch() + drain)
    seeds['inject-dyn-%02d' % k] = set_info(DYN) + inject(k) + cws() + start(POOL(0), POOL(1))
    seeds['inject-given-%02d' % k] = set_info_interp() + inject(k) + launch()
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, 'gen-' + name), 'wb') as f:
        f.write(data)
