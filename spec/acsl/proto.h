/*
 * ACSL predicates of the procmgr wire protocol (spec/protocol.md).
 * Comment-only: included by the src/proto sources after procmgr/proto.h.
 *
 * pm_request_wf is the postcondition of pm_proto_decode_request on PM_OK:
 * every slice lies inside the received message (and inside the payload
 * when non-empty), lists are within their bound, every handle field names a
 * handle that arrived (or is PM_PROTO_NO_HANDLE), and the header's counts
 * agree with what arrived.  pm_request_empty is its state after a refusal:
 * a refused message produces no request.
 */
#ifndef PROCMGR_SPEC_ACSL_PROTO_H
#define PROCMGR_SPEC_ACSL_PROTO_H

/*@
  // Little-endian fields of a message, as integers.
  logic integer pm_le16(uint8_t *m, integer o) = m[o] + 256 * m[o + 1];
  logic integer pm_le32(uint8_t *m, integer o) =
      pm_le16(m, o) + 65536 * pm_le16(m, o + 2);

  // A slice of a message of len bytes: inside [0, len), and inside the
  // payload [PM_PROTO_HEADER_SIZE, len) unless empty.
  predicate pm_span_in(integer off, integer n, integer len) =
      off + n <= len && (n == 0 || PM_PROTO_HEADER_SIZE <= off);
  predicate pm_slice_in{L}(pm_slice *s, integer len) =
      pm_span_in(s->off, s->len, len);

  // The string rules of spec/protocol.md section 3 over the bytes
  // m[s .. e - 1] of a message (check_string, src/proto/decode.c).
  // No NUL inside:
  predicate pm_str_no_nul{L}(uint8_t *m, integer s, integer e) =
      \forall integer i; s <= i < e ==> m[i] != 0;
  // NAME=VALUE: an '=' after at least one byte.
  predicate pm_str_env{L}(uint8_t *m, integer s, integer e) =
      \exists integer i; s < i < e && m[i] == '=';
  // A path component begins at i: the first byte of a relative path, or
  // a byte after a '/'.
  predicate pm_comp_start{L}(uint8_t *m, integer s, integer i) =
      (i == s && m[s] != '/') || (s < i && m[i - 1] == '/');
  // The component that begins at i is "." or "..", ended by '/' or e.
  predicate pm_dot_comp{L}(uint8_t *m, integer e, integer i) =
      (m[i] == '.' && (i + 1 == e || m[i + 1] == '/')) ||
      (m[i] == '.' && i + 1 < e && m[i + 1] == '.' && (i + 2 == e || m[i + 2] == '/'));
  // Normalized: no empty component ("//", a trailing '/' unless the path
  // is "/"), no "." or ".." component.
  predicate pm_path_normal{L}(uint8_t *m, integer s, integer e) =
      s < e &&
      (\forall integer i; s <= i < e - 1 ==> !(m[i] == '/' && m[i + 1] == '/')) &&
      (e - s > 1 ==> m[e - 1] != '/') &&
      (\forall integer i; s <= i < e ==> pm_comp_start(m, s, i) ==> !pm_dot_comp(m, e, i));

  // A handle field: absent, or the index of a handle that arrived.
  predicate pm_handle_ok(uint32_t h, integer nh) =
      h == PM_PROTO_NO_HANDLE || h < nh;

  predicate pm_item_ok{L}(pm_proto_item *it, integer len, integer nh) =
      pm_span_in(it->str.off, it->str.len, len) && pm_handle_ok(it->handle, nh);

  // Everything a payload decoder may fill.
  predicate pm_request_body_ok{L}(pm_proto_request *r, integer len, integer nh) =
      r->item_count <= PM_PROTO_MAX_ITEMS &&
      pm_span_in(r->str.off, r->str.len, len) &&
      (\forall integer k; 0 <= k < 3 ==> pm_handle_ok(r->handle[k], nh)) &&
      (\forall integer i; 0 <= i < r->item_count ==>
          pm_item_ok(&r->items[i], len, nh));

  predicate pm_opcode_known(integer op) =
      op == PM_OP_CREATE_PROCESS || op == PM_OP_EXIT_PROCESS ||
      op == PM_OP_QUERY_PROCESS || op == PM_OP_LIST_PROCESSES ||
      op == PM_OP_OPEN_PROCESS || op == PM_OP_QUERY_DETAILS ||
      op == PM_OP_LOOKUP_PROCESS ||
      op == PM_OP_ADD_ARGS || op == PM_OP_ADD_ENVIRONS ||
      op == PM_OP_ADD_NAMES || op == PM_OP_ADD_HANDLES ||
      op == PM_OP_SET_INFO || op == PM_OP_LAUNCH ||
      op == PM_OP_CREATE_WITHOUT_STARTING || op == PM_OP_START ||
      op == PM_OP_SET_CWD || op == PM_OP_SET_EXECFN ||
      op == PM_OP_SET_RLIMIT ||
      op == PM_OP_RESOLVE || op == PM_OP_WAIT || op == PM_OP_WATCH ||
      op == PM_OP_KILL || op == PM_OP_HANDLE_DUPLICATE ||
      op == PM_OP_HANDLE_CLOSE || op == PM_OP_SIGNAL ||
      op == PM_OP_SET_PRIORITY || op == PM_OP_SUSPEND ||
      op == PM_OP_RESUME || op == PM_OP_WAIT_ANY || op == PM_OP_JOB_CREATE ||
      op == PM_OP_JOB_OPEN || op == PM_OP_JOB_SET_LIMIT ||
      op == PM_OP_JOB_QUERY;

  // A decoded request of a message msg[0, len) that came with nh handles.
  predicate pm_request_wf{L}(pm_proto_request *r, uint8_t *msg,
                             integer len, integer nh) =
      r->valid == PM_PROTO_REQUEST_VALID &&
      pm_opcode_known(r->opcode) &&
      PM_PROTO_HEADER_SIZE <= len <= PM_PROTO_MAX_MSG &&
      len == PM_PROTO_HEADER_SIZE + pm_le32(msg, 24) &&
      nh <= PM_PROTO_MAX_HANDLES &&
      r->handle_count == nh && pm_le32(msg, 12) == nh &&
      r->opcode == pm_le16(msg, 6) &&
      pm_request_body_ok(r, len, nh);

  predicate pm_request_empty{L}(pm_proto_request *r) =
      r->valid == 0 && r->opcode == PM_OP_NONE &&
      r->item_count == 0 && r->handle_count == 0;
*/

#endif /* PROCMGR_SPEC_ACSL_PROTO_H */
