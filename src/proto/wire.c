/*
 * Little-endian field access, write cursor and opcode table of the codec
 * (contracts in wire.h).  Freestanding.
 */
#include "procmgr/proto.h"
#include "acsl/proto.h"
#include "wire.h"

uint16_t pm_wire_get16(const uint8_t *m, size_t o)
{
    return (uint16_t)(m[o] + m[o + 1] * 256u);
}

uint32_t pm_wire_get32(const uint8_t *m, size_t o)
{
    return (uint32_t)m[o] + (uint32_t)m[o + 1] * 256u +
           (uint32_t)m[o + 2] * 65536u + (uint32_t)m[o + 3] * 16777216u;
}

uint64_t pm_wire_get64(const uint8_t *m, size_t o)
{
    return (uint64_t)pm_wire_get32(m, o) + (uint64_t)pm_wire_get32(m, o + 4) * 4294967296u;
}

void pm_wire_put16(uint8_t *m, size_t o, uint16_t v)
{
    m[o] = (uint8_t)(v % 256u);
    m[o + 1] = (uint8_t)(v / 256u);
}

void pm_wire_put32(uint8_t *m, size_t o, uint32_t v)
{
    m[o] = (uint8_t)(v % 256u);
    m[o + 1] = (uint8_t)(v / 256u % 256u);
    m[o + 2] = (uint8_t)(v / 65536u % 256u);
    m[o + 3] = (uint8_t)(v / 16777216u);
}

void pm_wire_put64(uint8_t *m, size_t o, uint64_t v)
{
    pm_wire_put32(m, o, (uint32_t)(v % 4294967296u));
    pm_wire_put32(m, o + 4, (uint32_t)(v / 4294967296u));
}

int pm_wire_opcode_known(uint32_t op)
{
    int known = 0;
    switch (op) {
    case PM_OP_CREATE_PROCESS: case PM_OP_EXIT_PROCESS:
    case PM_OP_QUERY_PROCESS: case PM_OP_LIST_PROCESSES:
    case PM_OP_OPEN_PROCESS: case PM_OP_QUERY_DETAILS: case PM_OP_LOOKUP_PROCESS:
    case PM_OP_ADD_ARGS: case PM_OP_ADD_ENVIRONS: case PM_OP_ADD_NAMES:
    case PM_OP_ADD_HANDLES: case PM_OP_SET_INFO: case PM_OP_LAUNCH:
    case PM_OP_CREATE_WITHOUT_STARTING: case PM_OP_START: case PM_OP_SET_CWD:
    case PM_OP_SET_EXECFN:
    case PM_OP_RESOLVE: case PM_OP_WAIT: case PM_OP_WATCH: case PM_OP_KILL:
    case PM_OP_HANDLE_DUPLICATE: case PM_OP_HANDLE_CLOSE:
    case PM_OP_SIGNAL: case PM_OP_SET_PRIORITY: case PM_OP_SET_RLIMIT:
    case PM_OP_SUSPEND: case PM_OP_RESUME: case PM_OP_WAIT_ANY:
    case PM_OP_JOB_CREATE: case PM_OP_JOB_OPEN:
    case PM_OP_JOB_SET_LIMIT: case PM_OP_JOB_QUERY:
        known = 1;
        break;
    default:
        break;
    }
    return known;
}

pm_status pm_wire_wr32(pm_wr *w, uint32_t v)
{
    pm_status st = PM_E_PROTO_BUFFER_TOO_SMALL;
    if (w->cap >= 4u && w->off <= w->cap - 4u) {
        pm_wire_put32(w->out, w->off, v);
        w->off += 4u;
        st = PM_OK;
    }
    return st;
}

pm_status pm_wire_wr64(pm_wr *w, uint64_t v)
{
    pm_status st = PM_E_PROTO_BUFFER_TOO_SMALL;
    if (w->cap >= 8u && w->off <= w->cap - 8u) {
        pm_wire_put64(w->out, w->off, v);
        w->off += 8u;
        st = PM_OK;
    }
    return st;
}

pm_status pm_wire_wrbytes(pm_wr *w, const uint8_t *src, uint32_t n)
{
    pm_status st = PM_E_PROTO_BUFFER_TOO_SMALL;
    if (n <= w->cap && w->off <= w->cap - n) {
        uint32_t i = 0;
        /*@ loop invariant 0 <= i <= n && wr_ok(w);
            loop invariant w->off + n <= w->cap;
            loop assigns i, w->out[0 .. w->cap - 1];
            loop variant n - i;
        */
        while (i < n) {
            w->out[w->off + i] = src[i];
            i++;
        }
        w->off += n;
        st = PM_OK;
    }
    return st;
}
