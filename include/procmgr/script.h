/*
 * procmgr `#!` line parser (spec/scripts.md).
 *
 * Decides whether an executable's header area is a `#!` script and, if so,
 * where its interpreter path and its optional single argument are, as
 * offsets into the caller's buffer (nothing is copied).  The semantics are
 * Linux's fs/binfmt_script.c (BINPRM_BUF_SIZE 256, spaces and tabs are the
 * separators, the interpreter is the first word, the rest of the line,
 * trimmed, is ONE argument), made stricter where that is safer:
 *   - the line must end ('\n', or the end of a file shorter than the limit)
 *     within the first PM_SCRIPT_LINE_MAX bytes: Linux runs a cut line when
 *     the interpreter name itself is whole, silently truncating the
 *     argument; procmgr refuses it (SCRIPT_LINE);
 *   - a NUL byte anywhere in the line is refused (SCRIPT_LINE), where Linux
 *     ends the line there;
 *   - the interpreter must be non-empty and absolute (SCRIPT_INTERP).
 * Pure and freestanding, proven with WP + Eva (proof-core).
 */
#ifndef PROCMGR_SCRIPT_H
#define PROCMGR_SCRIPT_H

#include <stdint.h>

#include "procmgr/status.h"

/* Linux's BINPRM_BUF_SIZE: the `#!` line must end within this many bytes. */
#define PM_SCRIPT_LINE_MAX 256u

typedef struct pm_script {
    uint32_t is_script;    /* 1: the buffer starts with "#!"               */
    uint32_t interp_off;   /* interpreter path: buf[interp_off, +interp_len) */
    uint32_t interp_len;
    uint32_t arg_off;      /* optional argument: buf[arg_off, +arg_len);   */
    uint32_t arg_len;      /*   arg_len 0 (and arg_off 0): none            */
} pm_script;

/*@ predicate pm_script_blank(integer c) = c == ' ' || c == '\t';
    predicate pm_script_path_byte(integer c) =
        c != 0 && c != ' ' && c != '\t' && c != '\n';
    predicate pm_script_line_byte(integer c) = c != 0 && c != '\n';

    // What a caller may rely on after PM_OK with is_script == 1.
    predicate pm_script_wf(pm_script *s, uint8_t *buf, integer len) =
        s->is_script == 1 &&
        2 <= s->interp_off && 1 <= s->interp_len &&
        s->interp_off + s->interp_len <= len &&
        s->interp_off + s->interp_len <= PM_SCRIPT_LINE_MAX &&
        buf[s->interp_off] == '/' &&
        (\forall integer k; s->interp_off <= k < s->interp_off + s->interp_len ==>
            pm_script_path_byte(buf[k])) &&
        (s->arg_len == 0 ==> s->arg_off == 0) &&
        (s->arg_len > 0 ==>
            s->interp_off + s->interp_len < s->arg_off &&
            s->arg_off + s->arg_len <= len &&
            s->arg_off + s->arg_len <= PM_SCRIPT_LINE_MAX &&
            !pm_script_blank(buf[s->arg_off]) &&
            !pm_script_blank(buf[s->arg_off + s->arg_len - 1]) &&
            (\forall integer k; s->arg_off <= k < s->arg_off + s->arg_len ==>
                pm_script_line_byte(buf[k])));
*/

/*
 * Parse buf[0, len): the header area of an executable, in a private copy
 * (len = min(file size, buffer size): a buffer shorter than
 * PM_SCRIPT_LINE_MAX bytes must be the whole file, whose end then ends the
 * line).  Only the first PM_SCRIPT_LINE_MAX bytes are read.
 *   - not "#!" at the start: PM_OK, is_script 0 (go on with ELF);
 *   - a script: PM_OK, is_script 1, pm_script_wf;
 *   - PM_E_SCRIPT_LINE: no end of line within the limit, or a NUL in it;
 *   - PM_E_SCRIPT_INTERP: no interpreter, or one not starting with '/'.
 * On a refusal is_script is 1 and every range is empty.
 */
/*@ requires \valid_read(buf + (0 .. len - 1));
    requires \valid(out);
    requires \separated(out, buf + (0 .. len - 1));
    assigns  *out;
    ensures  \result == PM_OK || \result == PM_E_SCRIPT_LINE ||
             \result == PM_E_SCRIPT_INTERP;
    ensures  out->is_script == 0 || out->is_script == 1;
    ensures  out->is_script == 0 <==>
             (len < 2 || buf[0] != '#' || buf[1] != '!');
    ensures  out->is_script == 0 ==> \result == PM_OK &&
             out->interp_off == 0 && out->interp_len == 0 &&
             out->arg_off == 0 && out->arg_len == 0;
    ensures  \result == PM_OK && out->is_script == 1 ==> pm_script_wf(out, buf, len);
    ensures  \result != PM_OK ==>
             out->interp_off == 0 && out->interp_len == 0 &&
             out->arg_off == 0 && out->arg_len == 0;
*/
pm_status pm_script_parse(const uint8_t *buf, uint64_t len, pm_script *out);

#endif /* PROCMGR_SCRIPT_H */
