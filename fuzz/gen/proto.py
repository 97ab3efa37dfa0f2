#!/usr/bin/env python3
"""Seeds for the modes of fuzz/fuzz_proto.c (first byte 0xC0..0xC4, see the
harness comment): encoder refusals and short buffers, over-long messages,
list entries out of range, and the wire writers at capacity.
Usage: proto_modes.py OUTDIR"""
import os, struct, sys

MAGIC, MAX_MSG = 0x52474D50, 65536
OPS_REPLY = ['CREATE', 'EXIT', 'QUERY', 'LIST', 'LAUNCH', 'CWS', 'RESOLVE',
             'WAIT', 'WATCH', 'DUP', 'EVENT', 'NONE', 'BOGUS', 'KILL', 'OPEN']
# index of OPEN_PROCESS in the harness's request-encoding opcode table
REQ_OPEN = 20

def request(op_index, handle_count=0, flags=0, value=0, cap=4096):
    b = bytes([0xC1, op_index]) + struct.pack('<Q', 7) + bytes([handle_count])
    b += bytes([0, 0, 0])                       # handle[0..2]: NO_HANDLE
    b += struct.pack('<IIQQ', flags, 0, value, 0) + struct.pack('<HH', 0, 0)
    return b + struct.pack('<H', 0) + struct.pack('<I', cap)

def reply(op, status_ok=True, status=0, state=0, name=b'', nlist=0, bad=0xffff,
          event=1, cap=4096, has_interp=0):
    b = bytes([0xC0, OPS_REPLY.index(op)])
    b += bytes([0]) if status_ok else bytes([255]) + struct.pack('<H', status)
    b += struct.pack('<Q', 7) + struct.pack('<QQQQQQ', 1, 2, 3, 4, 5, 6)
    b += bytes([has_interp, state]) + struct.pack('<I', 0)
    b += bytes([len(name)]) + name + struct.pack('<HH', nlist, bad)
    b += struct.pack('<Q', 9) + bytes([event]) + struct.pack('<I', 3)
    return b + struct.pack('<I', cap)

def header(op=0x0001, nh=0, plen=0):
    return struct.pack('<IHHIIQII', MAGIC, 1, op, 0, nh, 1, plen, 0)

seeds = {
    # replies the encoder must refuse, and short buffers at each write
    'enc-query-bad-state': reply('QUERY', state=5),
    'enc-query-long-name': reply('QUERY', name=b'n' * 65),
    'enc-wait-bad-state': reply('WAIT', state=5),
    'enc-list-bad-entry': reply('LIST', nlist=3, bad=1),
    'enc-list-too-long': reply('LIST', nlist=257),
    'enc-event-bad': reply('EVENT', event=3),
    'enc-event-status': reply('EVENT', status_ok=False, status=301),
    'enc-bad-status': reply('EXIT', status_ok=False, status=5000),
    'enc-bad-opcode': reply('BOGUS'),
    'enc-cap-small': reply('EXIT', cap=16),
    'enc-event-cap36': reply('EVENT', cap=36),
    'enc-event-cap40': reply('EVENT', cap=40),
    'enc-event-cap44': reply('EVENT', cap=44),
    'enc-event-cap48': reply('EVENT', cap=48),
    'enc-cws-cap60': reply('CWS', cap=60),
    'enc-list-cap100': reply('LIST', nlist=4, cap=100),
    'enc-query-cap90': reply('QUERY', name=b'abc', cap=90),
    # OPEN_PROCESS (u64 koid, u32 rights, u32 reserved): reply and request
    'enc-resolve-cap36': reply('RESOLVE', cap=36),
    'enc-resolve-cap40': reply('RESOLVE', cap=40),
    'enc-resolve-interp-cap40': reply('RESOLVE', cap=40, has_interp=1),
    'enc-open-reply': reply('OPEN'),
    'enc-open-reply-cap36': reply('OPEN', cap=36),
    'enc-open-request': request(REQ_OPEN, flags=0x7f, value=5),
    'enc-open-request-cap40': request(REQ_OPEN, flags=1, value=5, cap=40),
    'enc-open-request-cap44': request(REQ_OPEN, flags=1, value=5, cap=44),
    'enc-open-request-cap48': request(REQ_OPEN, flags=1, value=5, cap=48),
    'dec-open': bytes([0]) + header(0x0005, 0, 16) + struct.pack('<QII', 5, 0x7f, 0),
    'dec-open-rights0': bytes([0]) + header(0x0005, 0, 16) + struct.pack('<QII', 5, 0, 0),
    'dec-open-rights-high': bytes([0]) + header(0x0005, 0, 16) + struct.pack('<QII', 5, 0x80, 0),
    'dec-open-reserved': bytes([0]) + header(0x0005, 0, 16) + struct.pack('<QII', 5, 1, 9),
    'dec-open-short': bytes([0]) + header(0x0005, 0, 10) + struct.pack('<QH', 5, 1),
    'dec-open-shorter': bytes([0]) + header(0x0005, 0, 4) + struct.pack('<I', 5),
    'dec-open-reply': bytes([1]) + header(0x8005, 1, 8) + struct.pack('<II', 0, 0),
    # over-long messages (zero-padded by the harness)
    'long-request': bytes([0xC2, 0]) + struct.pack('<I', MAX_MSG + 8) + header(),
    'long-reply': bytes([0xC2, 0]) + struct.pack('<I', MAX_MSG + 8) + header(0x8001),
    'list-entry-long': bytes([0xC3]) + struct.pack('<HIIHI', 1, 0, 32, 0, MAX_MSG + 8),
    'list-entry-ok': bytes([0xC3]) + struct.pack('<HIIHI', 2, 32, 64, 1, 0) + bytes(96),
    'list-entry-beyond': bytes([0xC3]) + struct.pack('<HIIHI', 1, 0x100, 32, 0, 64),
    'list-entry-index': bytes([0xC3]) + struct.pack('<HIIHI', 2, 32, 64, 2, 0) + bytes(96),
    # the wire writers at and past the capacity
    'wire-wr32-cap2': bytes([0xC4, 0]) + struct.pack('<II', 2, 0) + bytes([0]),
    'wire-wr32-full': bytes([0xC4, 0]) + struct.pack('<II', 8, 6) + bytes([0]),
    'wire-wr64-cap4': bytes([0xC4, 1]) + struct.pack('<II', 4, 0) + bytes([0]),
    'wire-wr64-full': bytes([0xC4, 1]) + struct.pack('<II', 16, 12) + bytes([0]),
    'wire-bytes-over': bytes([0xC4, 2]) + struct.pack('<II', 8, 4) + bytes([9]),
    'wire-bytes-cap': bytes([0xC4, 2]) + struct.pack('<II', 4, 0) + bytes([16]),
}
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, 'gen-' + name), 'wb') as f:
        f.write(data)
