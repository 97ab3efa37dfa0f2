/*
 * Little-endian field access and the decoding cursor shared by the codec
 * sources.  Internal to src/proto.  Freestanding.
 *
 * Bytes are combined with multiplications rather than shifts so that the
 * provers see plain linear arithmetic (spec/acsl/proto.h, pm_le32).
 */
#ifndef PROCMGR_PROTO_WIRE_H
#define PROCMGR_PROTO_WIRE_H

#include <stdint.h>

#include "procmgr/proto.h"
#include "acsl/proto.h"

/* A read cursor over msg[0, len): nh handles arrived, used marks the ones a
 * field has named (bit i for handle i), nused counts them. */
typedef struct pm_rd {
    const uint8_t *msg;
    uint32_t len;
    uint32_t off;
    uint32_t nh;
    uint32_t nused;
    uint64_t used;
} pm_rd;

/*@ requires o <= PM_PROTO_MAX_MSG && \valid_read(m + (o .. o + 1));
    assigns \nothing;
    ensures \result == pm_le16(m, o);
*/
uint16_t pm_wire_get16(const uint8_t *m, size_t o);

/*@ requires o <= PM_PROTO_MAX_MSG + 16 && \valid_read(m + (o .. o + 3));
    assigns \nothing;
    ensures \result == pm_le32(m, o);
*/
uint32_t pm_wire_get32(const uint8_t *m, size_t o);

/*@ requires o <= PM_PROTO_MAX_MSG + 8 && \valid_read(m + (o .. o + 7));
    assigns \nothing;
*/
uint64_t pm_wire_get64(const uint8_t *m, size_t o);

/*@ requires o <= PM_PROTO_MAX_MSG && \valid(m + (o .. o + 1));
    assigns m[o .. o + 1];
*/
void pm_wire_put16(uint8_t *m, size_t o, uint16_t v);

/*@ requires o <= PM_PROTO_MAX_MSG + 16 && \valid(m + (o .. o + 3));
    assigns m[o .. o + 3];
*/
void pm_wire_put32(uint8_t *m, size_t o, uint32_t v);

/*@ requires o <= PM_PROTO_MAX_MSG + 8 && \valid(m + (o .. o + 7));
    assigns m[o .. o + 7];
*/
void pm_wire_put64(uint8_t *m, size_t o, uint64_t v);

/* The request opcodes of version 1. */
/*@ assigns \nothing;
    ensures \result != 0 <==> pm_opcode_known(op);
*/
int pm_wire_opcode_known(uint32_t op);

/* A write cursor over out[0, cap), cap <= PM_PROTO_MAX_MSG. */
typedef struct pm_wr {
    uint8_t *out;
    uint32_t cap;
    uint32_t off;
} pm_wr;

/*@ predicate wr_ok{L}(pm_wr *w) =
      \valid(w) && w->off <= w->cap <= PM_PROTO_MAX_MSG &&
      \valid(w->out + (0 .. w->cap - 1)) &&
      \separated(w, w->out + (0 .. w->cap - 1));
*/

/*@ requires wr_ok(w);
    assigns w->off, w->out[0 .. w->cap - 1];
    ensures wr_ok(w);
    ensures \result == PM_OK ==> w->off == \old(w->off) + 4;
    ensures \result != PM_OK ==> w->off == \old(w->off);
    ensures \result == PM_OK || \result == PM_E_PROTO_BUFFER_TOO_SMALL;
*/
pm_status pm_wire_wr32(pm_wr *w, uint32_t v);

/*@ requires wr_ok(w);
    assigns w->off, w->out[0 .. w->cap - 1];
    ensures wr_ok(w);
    ensures \result == PM_OK ==> w->off == \old(w->off) + 8;
    ensures \result != PM_OK ==> w->off == \old(w->off);
    ensures \result == PM_OK || \result == PM_E_PROTO_BUFFER_TOO_SMALL;
*/
pm_status pm_wire_wr64(pm_wr *w, uint64_t v);

/* n bytes from src. */
/*@ requires wr_ok(w) && n <= PM_PROTO_MAX_MSG;
    requires \valid_read(src + (0 .. n - 1));
    requires \separated(w, src + (0 .. n - 1));
    requires \separated(w->out + (0 .. w->cap - 1), src + (0 .. n - 1));
    assigns w->off, w->out[0 .. w->cap - 1];
    ensures wr_ok(w) && w->off >= \old(w->off);
    ensures \result == PM_OK || \result == PM_E_PROTO_BUFFER_TOO_SMALL;
*/
pm_status pm_wire_wrbytes(pm_wr *w, const uint8_t *src, uint32_t n);

#endif /* PROCMGR_PROTO_WIRE_H */
