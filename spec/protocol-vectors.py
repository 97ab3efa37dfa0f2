#!/usr/bin/env python3
"""Generates spec/protocol-vectors.txt from the layouts of spec/protocol.md.

Written independently of src/proto (struct.pack, not the C encoder), so the
vectors check the C codec against the spec rather than against itself.
Run from the repository root:  python3 spec/protocol-vectors.py > spec/protocol-vectors.txt
"""
import struct, sys

MAGIC = 0x52474D50
NOH = 0xFFFFFFFF
OPS = dict(CREATE_PROCESS=0x0001, EXIT_PROCESS=0x0002, QUERY_PROCESS=0x0003,
           LIST_PROCESSES=0x0004, OPEN_PROCESS=0x0005, QUERY_DETAILS=0x0006,
           LOOKUP_PROCESS=0x0007, ADD_ARGS=0x0101, ADD_ENVIRONS=0x0102,
           ADD_NAMES=0x0103, ADD_HANDLES=0x0104, SET_INFO=0x0105, LAUNCH=0x0106,
           CREATE_WITHOUT_STARTING=0x0107, START=0x0108, SET_CWD=0x0109, SET_EXECFN=0x010A, RESOLVE=0x0201,
           WAIT=0x0301, WATCH=0x0302, KILL=0x0303, HANDLE_DUPLICATE=0x0304,
           HANDLE_CLOSE=0x0305, WAIT_ANY=0x0401, SIGNAL=0x0402, SET_PRIORITY=0x0403, SET_RLIMIT=0x0404,
           SUSPEND=0x0405, RESUME=0x0406, JOB_CREATE=0x0410, JOB_OPEN=0x0411,
           JOB_SET_LIMIT=0x0412, JOB_QUERY=0x0413,
           EVENT=0xFF01)
REPLY = 0x8000

def u32(v): return struct.pack('<I', v)
def u64(v): return struct.pack('<Q', v)
def s(b):
    if isinstance(b, str): b = b.encode()
    return u32(len(b)) + b
def hdr(op, payload, handles=0, rid=1, version=1, flags=0, reserved=0,
        magic=MAGIC, plen=None):
    if plen is None: plen = len(payload)
    return struct.pack('<IHHIIQII', magic, version, op, flags, handles, rid,
                       plen, reserved)
def msg(op, payload=b'', handles=0, **kw):
    return hdr(op, payload, handles, **kw) + payload
def strings(items): return u32(len(items)) + b''.join(s(x) for x in items)
def info(koid, parent, job, state, code):
    return u64(koid) + u64(parent) + u64(job) + u32(state) + u32(code)
INF = 2**64 - 1
def details(end, code, fault, eflags, wstatus, prio, flags, reserved=0,
            utime=0, stime=0, rss=0, soft=(INF,) * 4, hard=(INF,) * 4):
    b = u32(end) + u32(code) + u32(fault) + u32(eflags) + u32(wstatus) + \
        u32(prio) + u32(flags) + u32(reserved) + u64(utime) + u64(stime) + u64(rss)
    for i in range(4): b += u64(soft[i]) + u64(hard[i])
    assert len(b) == 120
    return b

out = []
def vec(name, direction, handles, expect, data, note=''):
    if note: out.append('# ' + note)
    out.append('vector %s %s %d %s %s' % (name, direction, handles, expect, data.hex()))

R = 'req'; P = 'rep'
O = OPS
# ---- valid requests, one per opcode -------------------------------------
out.append('# ---- requests (client -> procmgr), decoded by pm_proto_decode_request')
vec('create_process', R, 3, 'OK', msg(O['CREATE_PROCESS'],
    u32(0) + u32(2) + u32(1) + u32(0x10) + u32(2) + u32(0x11), 3),
    'executable = handle 0; caps: handle 1 -> slot 0x10, handle 2 -> slot 0x11')
vec('create_process_nocaps', R, 1, 'OK', msg(O['CREATE_PROCESS'], u32(0) + u32(0), 1))
vec('exit_process', R, 1, 'OK', msg(O['EXIT_PROCESS'], u32(0) + u32(3), 1, rid=7))
vec('query_process', R, 1, 'OK', msg(O['QUERY_PROCESS'], u32(0), 1, rid=8))
vec('list_all', R, 0, 'OK', msg(O['LIST_PROCESSES'], u32(0) + u32(256) + u64(0) + u64(0)))
vec('list_by_job', R, 0, 'OK', msg(O['LIST_PROCESSES'], u32(1) + u32(16) + u64(42) + u64(100)))
vec('list_by_parent', R, 0, 'OK', msg(O['LIST_PROCESSES'], u32(2) + u32(1) + u64(9) + u64(0)))
vec('list_ended', R, 0, 'OK', msg(O['LIST_PROCESSES'], u32(3) + u32(256) + u64(0) + u64(12)),
    'issue 20: the ring of recent ends, koid 0, after koid 12')
vec('lookup_process', R, 0, 'OK', msg(O['LOOKUP_PROCESS'], u64(1001) + u32(0), rid=11),
    'issue 20: the record, host pid and end of koid 1001')
vec('open_process', R, 0, 'OK', msg(O['OPEN_PROCESS'], u64(1001) + u32(0x27) + u32(0), rid=9),
    'koid 1001, rights QUERY|WAIT|KILL|START; no handle travels')
vec('open_process_all_rights', R, 0, 'OK', msg(O['OPEN_PROCESS'], u64(2**64 - 1) + u32(0x7F) + u32(0)),
    'any koid decodes; an unknown one is the core\'s NO_SUCH_PROCESS')
vec('add_args', R, 0, 'OK', msg(O['ADD_ARGS'], strings(['/bin/sh', '-c', 'echo hi', ''])),
    'an empty argument is legal')
vec('add_args_none', R, 0, 'OK', msg(O['ADD_ARGS'], strings([])))
vec('add_environs', R, 0, 'OK', msg(O['ADD_ENVIRONS'], strings(['PATH=/bin', 'EMPTY=', 'A=b=c'])))
vec('add_names', R, 2, 'OK', msg(O['ADD_NAMES'],
    u32(2) + u32(1) + s('/svc') + u32(0) + s('/'), 2), 'the root "/" is a normalized path')
vec('add_handles', R, 2, 'OK', msg(O['ADD_HANDLES'],
    u32(2) + u32(0) + u32(0x30001) + u32(1) + u32(0x32), 2))
vec('set_info', R, 2, 'OK', msg(O['SET_INFO'],
    u32(0) + u32(1) + u32(NOH) + u32(0) + s('svc-net'), 2), 'executable 0, job 1, no interpreter')
vec('set_info_interp', R, 2, 'OK', msg(O['SET_INFO'],
    u32(1) + u32(NOH) + u32(0) + u32(0) + s(''), 2), 'empty name, executable 1, no job, interpreter 0')
vec('launch', R, 0, 'OK', msg(O['LAUNCH']))
vec('create_without_starting', R, 0, 'OK', msg(O['CREATE_WITHOUT_STARTING']))
vec('start', R, 2, 'OK', msg(O['START'], u32(1) + u32(0), 2))
vec('start_no_thread', R, 1, 'OK', msg(O['START'], u32(0) + u32(NOH), 1),
    'thread absent: the initial thread of the process')
vec('resolve', R, 0, 'OK', msg(O['RESOLVE'], s('bin/netsvc')))
vec('resolve_dots_in_name', R, 0, 'OK', msg(O['RESOLVE'], s('a/...b/.c/...')),
    'only "." and ".." components are refused')
vec('query_details', R, 1, 'OK', msg(O['QUERY_DETAILS'], u32(0), 1, rid=10))
vec('wait_any_root', R, 0, 'OK', msg(O['WAIT_ANY'], u32(NOH) + u32(0) + u64(0)),
    'WAIT_ANY: no parent handle = procmgr\'s root; poll')
vec('wait_any_parent', R, 1, 'OK', msg(O['WAIT_ANY'], u32(0) + u32(0) + u64(10**9), 1),
    'WAIT_ANY on a parent process, timeout 1 s')
vec('wait_poll', R, 1, 'OK', msg(O['WAIT'], u32(0) + u32(0) + u64(0), 1))
vec('wait_forever', R, 1, 'OK', msg(O['WAIT'], u32(0) + u32(0) + u64(2**64 - 1), 1))
vec('watch', R, 1, 'OK', msg(O['WATCH'], u32(0) + u32(0xF), 1))
vec('kill', R, 1, 'OK', msg(O['KILL'], u32(0), 1))
vec('handle_duplicate', R, 1, 'OK', msg(O['HANDLE_DUPLICATE'], u32(0) + u32(0x3), 1))
vec('handle_close', R, 1, 'OK', msg(O['HANDLE_CLOSE'], u32(0), 1))
vec('signal_term', R, 1, 'OK', msg(O['SIGNAL'], u32(0) + u32(15) + u64(0), 1, rid=20),
    'SIGTERM, no grace (grace_ns is 0 in this version)')
vec('signal_1', R, 1, 'OK', msg(O['SIGNAL'], u32(0) + u32(1) + u64(0), 1))
vec('signal_64', R, 1, 'OK', msg(O['SIGNAL'], u32(0) + u32(64) + u64(0), 1))
vec('set_priority_background', R, 1, 'OK', msg(O['SET_PRIORITY'], u32(0) + u32(0), 1))
vec('set_priority_realtime', R, 1, 'OK', msg(O['SET_PRIORITY'], u32(0) + u32(5), 1))
vec('suspend', R, 1, 'OK', msg(O['SUSPEND'], u32(0), 1))
vec('resume', R, 1, 'OK', msg(O['RESUME'], u32(0), 1))
vec('open_process_control_rights', R, 0, 'OK', msg(O['OPEN_PROCESS'], u64(7) + u32(0x3FF) + u32(0)),
    'SIGNAL|SUSPEND|PRIORITY (bits 7-9) included')
vec('open_process_every_right', R, 0, 'OK', msg(O['OPEN_PROCESS'], u64(7) + u32(0x7FF) + u32(0)),
    'every right, LIMIT (bit 10) included')
vec('duplicate_limit_right', R, 1, 'OK', msg(O['HANDLE_DUPLICATE'], u32(0) + u32(0x400), 1),
    'bit 10: LIMIT (SET_RLIMIT)')
vec('set_cwd', R, 1, 'OK', msg(O['SET_CWD'], u32(0), 1, rid=21), 'directory handle 0')
vec('set_execfn', R, 0, 'OK', msg(O['SET_EXECFN'], s('/usr/local/libexec/some/long/path/prog'), rid=22),
    'the exec filename (AT_EXECFN), longer than a process name')
vec('set_execfn_relative', R, 0, 'OK', msg(O['SET_EXECFN'], s('./prog')), 'as execve was given it: may be relative')
vec('set_execfn_max', R, 0, 'OK', msg(O['SET_EXECFN'], s('/' + 'a' * 4094)), '4095 bytes: PATH_MAX without the NUL')
vec('set_rlimit_cpu', R, 1, 'OK', msg(O['SET_RLIMIT'], u32(0) + u32(1) + u32(0) + u64(1) + u64(2), 1),
    'CPU: soft 1 s, hard 2 s')
vec('set_rlimit_nofile_equal', R, 1, 'OK', msg(O['SET_RLIMIT'], u32(0) + u32(2) + u32(0) + u64(64) + u64(64), 1),
    'NOFILE: soft == hard')
vec('set_rlimit_as_infinity', R, 1, 'OK', msg(O['SET_RLIMIT'], u32(0) + u32(0) + u32(0) + u64(2**64 - 1) + u64(2**64 - 1), 1),
    'AS: no limit (2^64 - 1 = infinity)')
vec('set_rlimit_nproc', R, 1, 'OK', msg(O['SET_RLIMIT'], u32(0) + u32(3) + u32(0) + u64(0) + u64(10), 1))
vec('set_info_sharing_flags', R, 1, 'OK', msg(O['SET_INFO'],
    u32(0) + u32(NOH) + u32(NOH) + u32(7) + s('x'), 1), 'INHERIT_JOB | INHERIT_STDIO | INHERIT_ENVIRON')
vec('set_info_inherit_stdio', R, 1, 'OK', msg(O['SET_INFO'],
    u32(0) + u32(NOH) + u32(NOH) + u32(2) + s('x'), 1))
vec('job_create', R, 0, 'OK', msg(O['JOB_CREATE'], u32(0)), 'a new job; the reserved u32 is 0')
vec('job_open', R, 0, 'OK', msg(O['JOB_OPEN'], u64(1001) + u32(0), rid=5), 'job koid 1001')
vec('job_set_limit_pids', R, 1, 'OK', msg(O['JOB_SET_LIMIT'], u32(0) + u32(1) + u32(0) + u64(8), 1),
    'job = handle 0, resource 1 (PIDS), reserved 0, limit 8')
vec('job_set_limit_memory', R, 1, 'OK', msg(O['JOB_SET_LIMIT'], u32(0) + u32(2) + u32(0) + u64(4096), 1),
    'resource 2 (MEMORY), the smallest limit: one page')
vec('job_set_limit_none', R, 1, 'OK', msg(O['JOB_SET_LIMIT'], u32(0) + u32(2) + u32(0) + u64(2**64 - 1), 1),
    'limit 2^64-1: no limit ("max")')
vec('job_query', R, 1, 'OK', msg(O['JOB_QUERY'], u32(0), 1, rid=6), 'job = handle 0')

# ---- malformed requests -------------------------------------------------
out.append('# ---- malformed requests: expected refusal (section 9)')
good = msg(O['KILL'], u32(0), 1)
vec('empty', R, 0, 'PROTO_TRUNCATED', b'', 'connection closed, no reply')
vec('short_header', R, 0, 'PROTO_TRUNCATED', good[:31])
vec('bad_magic', R, 1, 'PROTO_BAD_MAGIC', msg(O['KILL'], u32(0), 1, magic=0x52474D51))
vec('bad_version', R, 1, 'PROTO_BAD_VERSION', msg(O['KILL'], u32(0), 1, version=2))
vec('version_zero', R, 1, 'PROTO_BAD_VERSION', msg(O['KILL'], u32(0), 1, version=0))
vec('length_short', R, 1, 'PROTO_LENGTH_MISMATCH', msg(O['KILL'], u32(0), 1, plen=3))
vec('length_long', R, 1, 'PROTO_LENGTH_MISMATCH', msg(O['KILL'], u32(0), 1, plen=5))
vec('header_reserved', R, 1, 'PROTO_RESERVED_NONZERO', msg(O['KILL'], u32(0), 1, reserved=1))
vec('header_flags', R, 1, 'PROTO_BAD_FLAGS', msg(O['KILL'], u32(0), 1, flags=0x80000000))
vec('too_many_handles', R, 65, 'PROTO_TOO_MANY_HANDLES', msg(O['LAUNCH'], b'', 65))
vec('handle_count_mismatch', R, 0, 'PROTO_HANDLE_COUNT_MISMATCH', msg(O['KILL'], u32(0), 1))
vec('handles_ctrunc', R, 65, 'PROTO_HANDLE_COUNT_MISMATCH', msg(O['KILL'], u32(0), 1),
    'control data truncated: the receiver passes 65')
vec('opcode_zero', R, 0, 'PROTO_UNKNOWN_OPCODE', msg(0))
vec('opcode_unassigned', R, 0, 'PROTO_UNKNOWN_OPCODE', msg(0x010B))
vec('opcode_unassigned_core', R, 0, 'PROTO_UNKNOWN_OPCODE', msg(0x0008))
vec('wait_any_reserved', R, 0, 'PROTO_RESERVED_NONZERO', msg(O['WAIT_ANY'], u32(NOH) + u32(1) + u64(0)))
vec('wait_any_truncated', R, 0, 'PROTO_PAYLOAD_TRUNCATED', msg(O['WAIT_ANY'], u32(NOH) + u32(0)))
vec('wait_any_index', R, 0, 'PROTO_HANDLE_INDEX', msg(O['WAIT_ANY'], u32(0) + u32(0) + u64(0)))
vec('query_details_no_handle', R, 0, 'PROTO_HANDLE_REQUIRED', msg(O['QUERY_DETAILS'], u32(NOH)))
vec('opcode_namespace', R, 0, 'PROTO_UNKNOWN_OPCODE', msg(0x0407), 'namespace operations: still reserved')
vec('opcode_reply_bit', R, 1, 'PROTO_UNKNOWN_OPCODE', msg(O['KILL'] | REPLY, u32(0), 1))
vec('opcode_event', R, 0, 'PROTO_UNKNOWN_OPCODE', msg(O['EVENT']))
vec('payload_truncated', R, 1, 'PROTO_PAYLOAD_TRUNCATED', msg(O['KILL'], u32(0)[:3], 1))
vec('trailing_bytes', R, 1, 'PROTO_TRAILING_BYTES', msg(O['KILL'], u32(0) + b'\0', 1))
vec('launch_trailing', R, 0, 'PROTO_TRAILING_BYTES', msg(O['LAUNCH'], u32(0)))
vec('list_bad_filter', R, 0, 'PROTO_FIELD_RANGE', msg(O['LIST_PROCESSES'], u32(4) + u32(1) + u64(0) + u64(0)))
vec('list_ended_with_koid', R, 0, 'PROTO_FIELD_RANGE', msg(O['LIST_PROCESSES'], u32(3) + u32(1) + u64(5) + u64(0)))
vec('lookup_zero', R, 0, 'PROTO_FIELD_RANGE', msg(O['LOOKUP_PROCESS'], u64(0) + u32(0)))
vec('lookup_reserved', R, 0, 'PROTO_RESERVED_NONZERO', msg(O['LOOKUP_PROCESS'], u64(7) + u32(1)))
vec('lookup_short', R, 0, 'PROTO_PAYLOAD_TRUNCATED', msg(O['LOOKUP_PROCESS'], u64(7)))
vec('lookup_with_handle', R, 1, 'PROTO_HANDLE_UNREFERENCED', msg(O['LOOKUP_PROCESS'], u64(7) + u32(0), 1))
vec('list_zero_max', R, 0, 'PROTO_FIELD_RANGE', msg(O['LIST_PROCESSES'], u32(0) + u32(0) + u64(0) + u64(0)))
vec('list_max_257', R, 0, 'PROTO_FIELD_RANGE', msg(O['LIST_PROCESSES'], u32(0) + u32(257) + u64(0) + u64(0)))
vec('list_all_with_koid', R, 0, 'PROTO_FIELD_RANGE', msg(O['LIST_PROCESSES'], u32(0) + u32(1) + u64(5) + u64(0)))
vec('list_job_without_koid', R, 0, 'PROTO_FIELD_RANGE', msg(O['LIST_PROCESSES'], u32(1) + u32(1) + u64(0) + u64(0)))
vec('args_too_many', R, 0, 'PROTO_TOO_MANY_ITEMS', msg(O['ADD_ARGS'], u32(257)))
vec('args_count_past_end', R, 0, 'PROTO_PAYLOAD_TRUNCATED', msg(O['ADD_ARGS'], u32(2) + s('a')))
vec('arg_embedded_nul', R, 0, 'PROTO_EMBEDDED_NUL', msg(O['ADD_ARGS'], strings([b'a\0b'])))
vec('arg_length_past_end', R, 0, 'PROTO_PAYLOAD_TRUNCATED', msg(O['ADD_ARGS'], u32(1) + u32(5) + b'abc'))
vec('arg_too_long', R, 0, 'PROTO_STRING_TOO_LONG', msg(O['ADD_ARGS'], u32(1) + u32(32769)))
vec('env_no_equals', R, 0, 'PROTO_ENV_NO_EQUALS', msg(O['ADD_ENVIRONS'], strings(['PATH'])))
vec('env_empty_name', R, 0, 'PROTO_ENV_NO_EQUALS', msg(O['ADD_ENVIRONS'], strings(['=x'])))
vec('env_empty', R, 0, 'PROTO_ENV_NO_EQUALS', msg(O['ADD_ENVIRONS'], strings([''])))
vec('names_relative', R, 1, 'PROTO_PATH_NOT_ABSOLUTE', msg(O['ADD_NAMES'], u32(1) + u32(0) + s('svc'), 1))
vec('names_empty', R, 1, 'PROTO_STRING_EMPTY', msg(O['ADD_NAMES'], u32(1) + u32(0) + s(''), 1))
vec('names_dotdot', R, 1, 'PROTO_PATH_NOT_NORMAL', msg(O['ADD_NAMES'], u32(1) + u32(0) + s('/svc/../etc'), 1))
vec('names_dot', R, 1, 'PROTO_PATH_NOT_NORMAL', msg(O['ADD_NAMES'], u32(1) + u32(0) + s('/./svc'), 1))
vec('names_double_slash', R, 1, 'PROTO_PATH_NOT_NORMAL', msg(O['ADD_NAMES'], u32(1) + u32(0) + s('//svc'), 1))
vec('names_trailing_slash', R, 1, 'PROTO_PATH_NOT_NORMAL', msg(O['ADD_NAMES'], u32(1) + u32(0) + s('/svc/'), 1))
vec('names_too_long', R, 1, 'PROTO_STRING_TOO_LONG', msg(O['ADD_NAMES'], u32(1) + u32(0) + u32(4096), 1))
vec('names_too_many', R, 0, 'PROTO_TOO_MANY_ITEMS', msg(O['ADD_NAMES'], u32(65)))
vec('handles_no_handle', R, 0, 'PROTO_HANDLE_REQUIRED', msg(O['ADD_HANDLES'], u32(1) + u32(NOH) + u32(1)))
vec('handles_index', R, 1, 'PROTO_HANDLE_INDEX', msg(O['ADD_HANDLES'], u32(1) + u32(1) + u32(1), 1))
vec('handles_reused', R, 2, 'PROTO_HANDLE_REUSED', msg(O['ADD_HANDLES'],
    u32(2) + u32(0) + u32(1) + u32(0) + u32(2), 2))
vec('handles_unreferenced', R, 2, 'PROTO_HANDLE_UNREFERENCED', msg(O['ADD_HANDLES'],
    u32(1) + u32(1) + u32(1), 2))
vec('create_no_executable', R, 0, 'PROTO_HANDLE_REQUIRED', msg(O['CREATE_PROCESS'], u32(NOH) + u32(0)))
vec('set_info_flags', R, 1, 'PROTO_BAD_FLAGS', msg(O['SET_INFO'],
    u32(0) + u32(NOH) + u32(NOH) + u32(8) + s('x'), 1), 'bit 3: no sharing flag')
vec('set_info_flags_high', R, 1, 'PROTO_BAD_FLAGS', msg(O['SET_INFO'],
    u32(0) + u32(NOH) + u32(NOH) + u32(0x80000007) + s('x'), 1))
vec('set_execfn_too_long', R, 0, 'PROTO_STRING_TOO_LONG', msg(O['SET_EXECFN'], s('/' + 'a' * 4095)),
    '4096 bytes: over PATH_MAX - 1')
vec('set_execfn_empty', R, 0, 'PROTO_STRING_EMPTY', msg(O['SET_EXECFN'], s('')))
vec('set_execfn_nul', R, 0, 'PROTO_EMBEDDED_NUL', msg(O['SET_EXECFN'], s(b'/bin/a\0b')))
vec('set_execfn_truncated', R, 0, 'PROTO_PAYLOAD_TRUNCATED', msg(O['SET_EXECFN'], u32(9) + b'/bin'))
vec('set_execfn_trailing', R, 0, 'PROTO_TRAILING_BYTES', msg(O['SET_EXECFN'], s('/bin/x') + b'\0'))
vec('set_execfn_handle', R, 1, 'PROTO_HANDLE_UNREFERENCED', msg(O['SET_EXECFN'], s('/bin/x'), 1),
    'SET_EXECFN names no handle')
vec('set_cwd_no_handle', R, 0, 'PROTO_HANDLE_REQUIRED', msg(O['SET_CWD'], u32(NOH)))
vec('set_cwd_index', R, 1, 'PROTO_HANDLE_INDEX', msg(O['SET_CWD'], u32(1), 1))
vec('set_cwd_trailing', R, 1, 'PROTO_TRAILING_BYTES', msg(O['SET_CWD'], u32(0) + u32(0), 1))
vec('set_cwd_unreferenced', R, 2, 'PROTO_HANDLE_UNREFERENCED', msg(O['SET_CWD'], u32(0), 2))
vec('set_rlimit_resource_4', R, 1, 'PROTO_FIELD_RANGE', msg(O['SET_RLIMIT'], u32(0) + u32(4) + u32(0) + u64(1) + u64(1), 1))
vec('set_rlimit_soft_above_hard', R, 1, 'PROTO_FIELD_RANGE', msg(O['SET_RLIMIT'], u32(0) + u32(1) + u32(0) + u64(3) + u64(2), 1),
    'soft > hard')
vec('set_rlimit_reserved', R, 1, 'PROTO_RESERVED_NONZERO', msg(O['SET_RLIMIT'], u32(0) + u32(1) + u32(1) + u64(1) + u64(2), 1))
vec('set_rlimit_short', R, 1, 'PROTO_PAYLOAD_TRUNCATED', msg(O['SET_RLIMIT'], u32(0) + u32(1) + u32(0) + u64(1), 1))
vec('set_rlimit_no_handle', R, 0, 'PROTO_HANDLE_REQUIRED', msg(O['SET_RLIMIT'], u32(NOH) + u32(1) + u32(0) + u64(1) + u64(2)))
vec('set_info_name_65', R, 1, 'PROTO_STRING_TOO_LONG', msg(O['SET_INFO'],
    u32(0) + u32(NOH) + u32(NOH) + u32(0) + s('n' * 65), 1))
vec('set_info_name_nul', R, 1, 'PROTO_EMBEDDED_NUL', msg(O['SET_INFO'],
    u32(0) + u32(NOH) + u32(NOH) + u32(0) + s(b'a\0'), 1))
vec('resolve_absolute', R, 0, 'PROTO_NAME_ABSOLUTE', msg(O['RESOLVE'], s('/bin/sh')))
vec('resolve_escape', R, 0, 'PROTO_PATH_NOT_NORMAL', msg(O['RESOLVE'], s('../bin/sh')))
vec('resolve_inner_escape', R, 0, 'PROTO_PATH_NOT_NORMAL', msg(O['RESOLVE'], s('bin/../../sh')))
vec('resolve_empty', R, 0, 'PROTO_STRING_EMPTY', msg(O['RESOLVE'], s('')))
vec('resolve_2049', R, 0, 'PROTO_STRING_TOO_LONG', msg(O['RESOLVE'], s('a' * 2049)))
vec('resolve_2048', R, 0, 'OK', msg(O['RESOLVE'], s('a' * 2048)))
vec('wait_reserved', R, 1, 'PROTO_RESERVED_NONZERO', msg(O['WAIT'], u32(0) + u32(1) + u64(0), 1))
vec('watch_unknown_event', R, 1, 'PROTO_BAD_FLAGS', msg(O['WATCH'], u32(0) + u32(0x10), 1))
vec('watch_no_event', R, 1, 'PROTO_FIELD_RANGE', msg(O['WATCH'], u32(0) + u32(0), 1))
vec('duplicate_reserved_right', R, 1, 'PROTO_BAD_FLAGS', msg(O['HANDLE_DUPLICATE'], u32(0) + u32(0x800), 1),
    'bit 11: no right')
vec('duplicate_signal_right', R, 1, 'OK', msg(O['HANDLE_DUPLICATE'], u32(0) + u32(0x80), 1))
vec('open_no_rights', R, 0, 'PROTO_FIELD_RANGE', msg(O['OPEN_PROCESS'], u64(1) + u32(0) + u32(0)))
vec('open_reserved_right', R, 0, 'PROTO_BAD_FLAGS', msg(O['OPEN_PROCESS'], u64(1) + u32(0x801) + u32(0)),
    'bit 11 is no right')
vec('open_reserved', R, 0, 'PROTO_RESERVED_NONZERO', msg(O['OPEN_PROCESS'], u64(1) + u32(1) + u32(1)))
vec('open_short', R, 0, 'PROTO_PAYLOAD_TRUNCATED', msg(O['OPEN_PROCESS'], u64(1) + u32(1)))
vec('open_with_handle', R, 1, 'PROTO_HANDLE_UNREFERENCED', msg(O['OPEN_PROCESS'], u64(1) + u32(1) + u32(0), 1),
    'OPEN_PROCESS names no handle: one that arrives is refused')
vec('opcode_after_details', R, 0, 'PROTO_UNKNOWN_OPCODE', msg(0x0008))
vec('start_no_process', R, 1, 'PROTO_HANDLE_REQUIRED', msg(O['START'], u32(NOH) + u32(0), 1))
vec('kill_no_handle', R, 0, 'PROTO_HANDLE_REQUIRED', msg(O['KILL'], u32(NOH)))
vec('signal_zero', R, 1, 'PROTO_FIELD_RANGE', msg(O['SIGNAL'], u32(0) + u32(0) + u64(0), 1),
    'signal 0 (existence probe) is not offered')
vec('signal_65', R, 1, 'PROTO_FIELD_RANGE', msg(O['SIGNAL'], u32(0) + u32(65) + u64(0), 1))
vec('signal_grace', R, 1, 'PROTO_FIELD_RANGE', msg(O['SIGNAL'], u32(0) + u32(15) + u64(1), 1),
    'grace_ns != 0: the graceful stop is the client library\'s (spec/client.md)')
vec('signal_short', R, 1, 'PROTO_PAYLOAD_TRUNCATED', msg(O['SIGNAL'], u32(0) + u32(15) + u32(0), 1))
vec('signal_no_handle', R, 0, 'PROTO_HANDLE_REQUIRED', msg(O['SIGNAL'], u32(NOH) + u32(15) + u64(0)))
vec('signal_range_before_truncation', R, 1, 'PROTO_FIELD_RANGE', msg(O['SIGNAL'], u32(0) + u32(99), 1),
    'fields are checked in order: the signal before the missing grace_ns')
vec('set_priority_6', R, 1, 'PROTO_FIELD_RANGE', msg(O['SET_PRIORITY'], u32(0) + u32(6), 1))
vec('set_priority_trailing', R, 1, 'PROTO_TRAILING_BYTES', msg(O['SET_PRIORITY'], u32(0) + u32(1) + u32(0), 1))
vec('suspend_no_handle', R, 0, 'PROTO_HANDLE_REQUIRED', msg(O['SUSPEND'], u32(NOH)))
vec('resume_truncated', R, 1, 'PROTO_PAYLOAD_TRUNCATED', msg(O['RESUME'], b'', 1))
vec('job_create_reserved', R, 0, 'PROTO_RESERVED_NONZERO', msg(O['JOB_CREATE'], u32(1)))
vec('job_create_empty', R, 0, 'PROTO_PAYLOAD_TRUNCATED', msg(O['JOB_CREATE']))
vec('job_create_handle', R, 1, 'PROTO_HANDLE_UNREFERENCED', msg(O['JOB_CREATE'], u32(0), 1),
    'JOB_CREATE names no handle: one that arrives is refused')
vec('job_open_zero', R, 0, 'PROTO_FIELD_RANGE', msg(O['JOB_OPEN'], u64(0) + u32(0)),
    'koid 0 is the root, not a job one can open')
vec('job_open_reserved', R, 0, 'PROTO_RESERVED_NONZERO', msg(O['JOB_OPEN'], u64(7) + u32(2)))
vec('job_open_short', R, 0, 'PROTO_PAYLOAD_TRUNCATED', msg(O['JOB_OPEN'], u64(7)))
vec('job_limit_resource_0', R, 1, 'PROTO_FIELD_RANGE', msg(O['JOB_SET_LIMIT'], u32(0) + u32(0) + u32(0) + u64(8), 1))
vec('job_limit_resource_3', R, 1, 'PROTO_FIELD_RANGE', msg(O['JOB_SET_LIMIT'], u32(0) + u32(3) + u32(0) + u64(8), 1))
vec('job_limit_reserved', R, 1, 'PROTO_RESERVED_NONZERO', msg(O['JOB_SET_LIMIT'], u32(0) + u32(1) + u32(1) + u64(8), 1))
vec('job_limit_pids_0', R, 1, 'PROTO_FIELD_RANGE', msg(O['JOB_SET_LIMIT'], u32(0) + u32(1) + u32(0) + u64(0), 1),
    'PIDS 0 would forbid the job any process: refused')
vec('job_limit_memory_small', R, 1, 'PROTO_FIELD_RANGE', msg(O['JOB_SET_LIMIT'], u32(0) + u32(2) + u32(0) + u64(4095), 1),
    'MEMORY below one page')
vec('job_limit_no_handle', R, 0, 'PROTO_HANDLE_REQUIRED', msg(O['JOB_SET_LIMIT'], u32(NOH) + u32(1) + u32(0) + u64(8)))
vec('job_limit_short', R, 1, 'PROTO_PAYLOAD_TRUNCATED', msg(O['JOB_SET_LIMIT'], u32(0) + u32(1) + u32(0) + u32(8), 1))
vec('job_query_trailing', R, 1, 'PROTO_TRAILING_BYTES', msg(O['JOB_QUERY'], u32(0) + u32(0), 1))
vec('job_query_index', R, 1, 'PROTO_HANDLE_INDEX', msg(O['JOB_QUERY'], u32(1), 1))

# ---- replies and events --------------------------------------------------
out.append('# ---- replies and events (procmgr -> client), decoded by pm_proto_decode_reply')
def rep(op, body=b'', handles=0, status=0, rid=1, **kw):
    return msg(op | REPLY if op != O['EVENT'] else op, u32(status) + body, handles, rid=rid, **kw)
vec('r_create_process', P, 2, 'OK', rep(O['CREATE_PROCESS'], u32(0) + u32(1) + u64(1001), 2))
vec('r_exit_process', P, 0, 'OK', rep(O['EXIT_PROCESS'], rid=7))
vec('r_query_process', P, 0, 'OK', rep(O['QUERY_PROCESS'], info(1001, 1, 2, 1, 0) + s('svc-net'), rid=8))
vec('r_lookup_running', P, 0, 'OK', rep(O['LOOKUP_PROCESS'], info(1001, 1, 2, 1, 0) + u64(4242) + u64(0) +
    u32(0) + u32(0) + s('svc-net'), rid=11), 'issue 20: a live record, host pid 4242, no end yet')
vec('r_lookup_collected', P, 0, 'OK', rep(O['LOOKUP_PROCESS'], info(1003, 0, 1003, 3, 10) + u64(4343) +
    u64(1796657260933444246) + u32(10) + u32(1) + s('sh'), rid=12),
    'a collected one from the ring: killed by signal 10, wait status 10, end time in ns')
vec('r_lookup_sim', P, 0, 'OK', rep(O['LOOKUP_PROCESS'], info(5, 0, 5, 2, 0) + u64(0) + u64(0) +
    u32(0) + u32(1) + s('')), 'no host pid, no clock (the sim): both 0')
vec('r_list', P, 0, 'OK', rep(O['LIST_PROCESSES'], u32(2) + u32(0) + u64(1003) +
    info(1001, 1, 2, 1, 0) + info(1003, 1, 2, 2, 7)))
vec('r_list_empty', P, 0, 'OK', rep(O['LIST_PROCESSES'], u32(0) + u32(0) + u64(0)))
for op in ('ADD_ARGS', 'ADD_ENVIRONS', 'ADD_NAMES', 'ADD_HANDLES', 'SET_INFO', 'START',
           'KILL', 'HANDLE_CLOSE', 'SIGNAL', 'SET_PRIORITY', 'SUSPEND', 'RESUME',
           'SET_CWD', 'SET_EXECFN', 'SET_RLIMIT'):
    vec('r_' + op.lower(), P, 0, 'OK', rep(O[op]))
vec('r_launch', P, 2, 'OK', rep(O['LAUNCH'], u32(0) + u32(1) + u64(1004), 2))
vec('r_create_without_starting', P, 2, 'OK', rep(O['CREATE_WITHOUT_STARTING'],
    u32(0) + u32(1) + u64(1005) + u64(0x401000) + u64(0x7ffc0000f000) +
    u64(0x400000) + u64(0x7f0000000000) + u64(0x7fff00000000), 2))
vec('r_resolve', P, 1, 'OK', rep(O['RESOLVE'], u32(0) + u32(NOH), 1))
vec('r_resolve_interp', P, 2, 'OK', rep(O['RESOLVE'], u32(0) + u32(1), 2))
vec('r_wait', P, 0, 'OK', rep(O['WAIT'], info(1001, 1, 2, 2, 0)))
vec('r_wait_any', P, 0, 'OK', rep(O['WAIT_ANY'], info(1002, 0, 2, 3, 11)),
    'KILLED by SIGSEGV, reparented to the root')
vec('r_query_details_running', P, 0, 'OK', rep(O['QUERY_DETAILS'], info(1001, 1, 2, 1, 0) +
    details(0, 0, 0, 0, 0, 2, 0xE, utime=1500000, stime=250000, rss=4 << 20,
            soft=(INF, INF, 1024, 63000), hard=(INF, INF, 4096, 63000))),
    'running, level normal, usage and rlimits known')
vec('r_query_details_exited', P, 0, 'OK', rep(O['QUERY_DETAILS'], info(1003, 0, 2, 2, 3) +
    details(1, 3, 0, 0, 3 << 8, 2, 0x6, utime=10, stime=20, rss=8192)), 'EXITED(3): wait status 0x300')
vec('r_query_details_core', P, 0, 'OK', rep(O['QUERY_DETAILS'], info(1004, 0, 2, 4, 6) +
    details(3, 11, 6, 1, 11 | 0x80, 2, 0)), 'FAULTED(OTHER, SIGSEGV), core dumped: wait status 0x8b')
vec('r_query_details_suspended', P, 0, 'OK', rep(O['QUERY_DETAILS'], info(1005, 0, 2, 1, 0) +
    details(0, 0, 0, 0, 0, 0, 0x5, rss=12288)), 'suspended, level background, resident bytes only (sim)')
vec('r_watch', P, 1, 'OK', rep(O['WATCH'], u32(0), 1))
vec('r_handle_duplicate', P, 1, 'OK', rep(O['HANDLE_DUPLICATE'], u32(0), 1))
vec('r_open_process', P, 1, 'OK', rep(O['OPEN_PROCESS'], u32(0), 1, rid=9))
vec('r_job_create', P, 1, 'OK', rep(O['JOB_CREATE'], u32(0) + u32(1) + u64(1006), 1),
    'handle 0 = the job, mode 1 (CGROUP), koid 1006')
vec('r_job_open', P, 1, 'OK', rep(O['JOB_OPEN'], u32(0) + u32(0) + u64(1001), 1, rid=5),
    'mode 0 (MEMBERS)')
vec('event_exited', P, 0, 'OK', rep(O['EVENT'], u32(2) + u32(0) + u64(1001), rid=12))
vec('r_error', P, 0, 'OK', rep(O['KILL'], status=209), 'error reply: status only (209 = PROTO_UNKNOWN_OPCODE)')
vec('r_error_unknown_op', P, 0, 'OK', rep(O['RESOLVE'], status=214))
out.append('# ---- malformed replies')
vec('r_error_with_body', P, 0, 'PROTO_TRAILING_BYTES', rep(O['KILL'], u32(0), status=209))
vec('r_status_out_of_range', P, 0, 'PROTO_BAD_STATUS', rep(O['KILL'], status=1000))
vec('r_event_error', P, 0, 'PROTO_BAD_STATUS', rep(O['EVENT'], status=209))
vec('r_no_reply_bit', P, 0, 'PROTO_UNKNOWN_OPCODE', msg(O['KILL'], u32(0)))
vec('r_unknown_op', P, 0, 'PROTO_UNKNOWN_OPCODE', rep(0x010B))
vec('r_missing_status', P, 0, 'PROTO_PAYLOAD_TRUNCATED', msg(O['KILL'] | REPLY))
vec('r_create_handles', P, 1, 'PROTO_HANDLE_COUNT_MISMATCH', rep(O['CREATE_PROCESS'], u32(0) + u32(1) + u64(1), 1))
vec('r_open_no_handle', P, 0, 'PROTO_HANDLE_COUNT_MISMATCH', rep(O['OPEN_PROCESS'], u32(0)))
vec('r_open_index', P, 1, 'PROTO_HANDLE_INDEX', rep(O['OPEN_PROCESS'], u32(1), 1))
vec('r_open_error', P, 0, 'OK', rep(O['OPEN_PROCESS'], status=314), 'NO_SUCH_PROCESS: status only, no handle')
vec('r_create_index', P, 2, 'PROTO_HANDLE_INDEX', rep(O['CREATE_PROCESS'], u32(1) + u32(0) + u64(1), 2))
vec('r_query_bad_state', P, 0, 'PROTO_FIELD_RANGE', rep(O['QUERY_PROCESS'], info(1, 0, 0, 5, 0) + s('')))
vec('r_query_name_65', P, 0, 'PROTO_STRING_TOO_LONG', rep(O['QUERY_PROCESS'], info(1, 0, 0, 1, 0) + s('n' * 65)))
vec('r_list_257', P, 0, 'PROTO_TOO_MANY_ITEMS', rep(O['LIST_PROCESSES'], u32(257) + u32(0) + u64(0)))
vec('r_lookup_collected_2', P, 0, 'PROTO_FIELD_RANGE', rep(O['LOOKUP_PROCESS'], info(1, 0, 1, 2, 0) + u64(1) +
    u64(1) + u32(0) + u32(2) + s('x')))
vec('r_lookup_bad_state', P, 0, 'PROTO_FIELD_RANGE', rep(O['LOOKUP_PROCESS'], info(1, 0, 1, 5, 0) + u64(1) +
    u64(1) + u32(0) + u32(0) + s('x')))
vec('r_lookup_name_65', P, 0, 'PROTO_STRING_TOO_LONG', rep(O['LOOKUP_PROCESS'], info(1, 0, 1, 1, 0) + u64(1) +
    u64(0) + u32(0) + u32(0) + s('n' * 65)))
vec('r_lookup_short', P, 0, 'PROTO_PAYLOAD_TRUNCATED', rep(O['LOOKUP_PROCESS'], info(1, 0, 1, 1, 0) + u64(1) +
    u64(0) + u32(0)))
vec('r_lookup_handle', P, 1, 'PROTO_HANDLE_COUNT_MISMATCH', rep(O['LOOKUP_PROCESS'], info(1, 0, 1, 1, 0) + u64(1) +
    u64(0) + u32(0) + u32(0) + s('x'), 1))
vec('r_list_short', P, 0, 'PROTO_PAYLOAD_TRUNCATED', rep(O['LIST_PROCESSES'], u32(2) + u32(0) + u64(0) + info(1, 0, 0, 1, 0)))
vec('r_event_kind', P, 0, 'PROTO_FIELD_RANGE', rep(O['EVENT'], u32(3) + u32(0) + u64(1)))
vec('r_bad_magic', P, 0, 'PROTO_BAD_MAGIC', rep(O['KILL'], magic=0))
vec('r_details_end', P, 0, 'PROTO_FIELD_RANGE', rep(O['QUERY_DETAILS'], info(1, 0, 0, 2, 0) + details(4, 0, 0, 0, 0, 2, 0)))
vec('r_details_fault', P, 0, 'PROTO_FIELD_RANGE', rep(O['QUERY_DETAILS'], info(1, 0, 0, 4, 7) + details(3, 11, 7, 0, 11, 2, 0)))
vec('r_details_priority', P, 0, 'PROTO_FIELD_RANGE', rep(O['QUERY_DETAILS'], info(1, 0, 0, 1, 0) + details(0, 0, 0, 0, 0, 6, 0)))
vec('r_details_end_flags', P, 0, 'PROTO_BAD_FLAGS', rep(O['QUERY_DETAILS'], info(1, 0, 0, 3, 9) + details(2, 9, 0, 2, 9, 2, 0)))
vec('r_details_flags', P, 0, 'PROTO_BAD_FLAGS', rep(O['QUERY_DETAILS'], info(1, 0, 0, 1, 0) + details(0, 0, 0, 0, 0, 2, 0x10)))
vec('r_details_reserved', P, 0, 'PROTO_RESERVED_NONZERO', rep(O['QUERY_DETAILS'], info(1, 0, 0, 1, 0) + details(0, 0, 0, 0, 0, 2, 0, reserved=1)))
vec('r_details_short', P, 0, 'PROTO_PAYLOAD_TRUNCATED', rep(O['QUERY_DETAILS'], info(1, 0, 0, 1, 0) + details(0, 0, 0, 0, 0, 2, 0)[:112]))
vec('r_details_bad_state', P, 0, 'PROTO_FIELD_RANGE', rep(O['QUERY_DETAILS'], info(1, 0, 0, 5, 0) + details(0, 0, 0, 0, 0, 2, 0)))
vec('r_signal_body', P, 0, 'PROTO_TRAILING_BYTES', rep(O['SIGNAL'], u32(0)), 'SIGNAL replies carry no body')
vec('r_job_mode_2', P, 1, 'PROTO_FIELD_RANGE', rep(O['JOB_CREATE'], u32(0) + u32(2) + u64(1), 1))
vec('r_job_no_handle', P, 0, 'PROTO_HANDLE_COUNT_MISMATCH', rep(O['JOB_OPEN'], u32(0) + u32(0) + u64(1)))
vec('r_job_short', P, 1, 'PROTO_PAYLOAD_TRUNCATED', rep(O['JOB_CREATE'], u32(0) + u32(0), 1))
vec('r_job_error', P, 0, 'OK', rep(O['JOB_OPEN'], status=356), 'NO_SUCH_JOB: status only, no handle')
def usage(known, pc, pm, mc, mm, oom, cpu):
    return u32(known) + u64(pc) + u64(pm) + u64(mc) + u64(mm) + u64(oom) + u64(cpu)
vec('r_job_set_limit', P, 0, 'OK', rep(O['JOB_SET_LIMIT'], b''), 'nothing after the status')
vec('r_job_set_limit_refused', P, 0, 'OK', rep(O['JOB_SET_LIMIT'], status=529),
    'LINUX_JOB_LIMIT: no controller for the resource')
vec('r_job_query', P, 0, 'OK', rep(O['JOB_QUERY'], u64(1006) + u32(1) +
    usage(7, 3, 8, 1 << 20, 1 << 24, 0, 12345), rid=6),
    'koid 1006, CGROUP, known PIDS|MEMORY|CPU: 3 of 8 pids, 1 MiB of 16 MiB, no OOM kill, 12345 us CPU')
vec('r_job_query_members', P, 0, 'OK', rep(O['JOB_QUERY'], u64(5) + u32(0) +
    usage(0, 0, 2**64 - 1, 0, 2**64 - 1, 0, 0)), 'MEMBERS mode: nothing known, no limits')
vec('r_job_query_known', P, 0, 'PROTO_BAD_FLAGS', rep(O['JOB_QUERY'], u64(5) + u32(1) +
    usage(8, 0, 0, 0, 0, 0, 0)), 'known bit 3 is not defined')
vec('r_job_query_mode', P, 0, 'PROTO_FIELD_RANGE', rep(O['JOB_QUERY'], u64(5) + u32(2) +
    usage(0, 0, 0, 0, 0, 0, 0)))
vec('r_job_query_short', P, 0, 'PROTO_PAYLOAD_TRUNCATED', rep(O['JOB_QUERY'], u64(5) + u32(1) + u32(0)))
vec('r_job_query_handle', P, 1, 'PROTO_HANDLE_COUNT_MISMATCH', rep(O['JOB_QUERY'], u64(5) + u32(1) +
    usage(0, 0, 0, 0, 0, 0, 0), 1), 'no handle travels with a JOB_QUERY reply')

print('# procmgr wire protocol test vectors (spec/protocol.md).  Generated by')
print('# spec/protocol-vectors.py; replayed by tests/unit/test_proto_vectors.c.')
print('# Format: vector NAME DIR HANDLES EXPECT HEX')
print('#   DIR req = decode with pm_proto_decode_request, rep = pm_proto_decode_reply;')
print('#   HANDLES = handles that arrived with the message; EXPECT = status name.')
print('#   Every OK vector must re-encode to the same bytes.')
print('\n'.join(out))
