/*
 * `#!` line parser.  See include/procmgr/script.h and spec/scripts.md.
 *
 * The line is cut into ranges by four scans, each a small function with
 * its contract: find the end of line, check it for NUL, trim the trailing
 * blanks, skip the leading blanks, find the end of the interpreter word.
 * Every index stays below PM_SCRIPT_LINE_MAX and below len, so nothing
 * outside buf[0, min(len, 256)) is read.
 */
#include "procmgr/script.h"

#define LF   ((uint8_t)'\n')
#define SP   ((uint8_t)' ')
#define TAB  ((uint8_t)'\t')

/*@ assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 <==> pm_script_blank(c);
*/
static int is_blank(uint8_t c)
{
    return c == SP || c == TAB;
}

/* Index of the first '\n' in buf[2, lim), or lim. */
/*@ requires 2 <= lim <= PM_SCRIPT_LINE_MAX;
    requires \valid_read(buf + (2 .. lim - 1));
    assigns  \nothing;
    ensures  2 <= \result <= lim;
    ensures  \forall integer k; 2 <= k < \result ==> buf[k] != '\n';
    ensures  \result < lim ==> buf[\result] == '\n';
*/
static uint32_t line_end(const uint8_t *buf, uint32_t lim)
{
    uint32_t i = 2;
    /*@ loop invariant 2 <= i <= lim;
        loop invariant \forall integer k; 2 <= k < i ==> buf[k] != '\n';
        loop assigns i;
        loop variant lim - i;
    */
    while (i < lim && buf[i] != LF)
        i++;
    return i;
}

/* 1 when buf[from, to) holds a NUL byte. */
/*@ requires from <= PM_SCRIPT_LINE_MAX && to <= PM_SCRIPT_LINE_MAX;
    requires \valid_read(buf + (from .. to - 1));
    assigns  \nothing;
    ensures  \result == 0 || \result == 1;
    ensures  \result == 0 <==> (\forall integer k; from <= k < to ==> buf[k] != 0);
*/
static int line_has_nul(const uint8_t *buf, uint32_t from, uint32_t to)
{
    uint32_t i = from;
    /*@ loop invariant from <= i && (from <= to ==> i <= to) && (from > to ==> i == from);
        loop invariant \forall integer k; from <= k < i ==> buf[k] != 0;
        loop assigns i;
        loop variant to - i;
    */
    while (i < to && buf[i] != 0)
        i++;
    return i < to;
}

/* The first index in [from, to) of a byte that is not a blank, or to. */
/*@ requires from <= PM_SCRIPT_LINE_MAX && to <= PM_SCRIPT_LINE_MAX;
    requires \valid_read(buf + (from .. to - 1));
    assigns  \nothing;
    ensures  from <= \result;
    ensures  from <= to ==> \result <= to;
    ensures  from > to ==> \result == from;
    ensures  \forall integer k; from <= k < \result ==> pm_script_blank(buf[k]);
    ensures  \result < to ==> !pm_script_blank(buf[\result]);
*/
static uint32_t skip_blanks(const uint8_t *buf, uint32_t from, uint32_t to)
{
    uint32_t i = from;
    /*@ loop invariant from <= i && (from <= to ==> i <= to) && (from > to ==> i == from);
        loop invariant \forall integer k; from <= k < i ==> pm_script_blank(buf[k]);
        loop assigns i;
        loop variant to - i;
    */
    while (i < to && is_blank(buf[i]))
        i++;
    return i;
}

/* The first index in [from, to) of a blank, or to. */
/*@ requires from <= PM_SCRIPT_LINE_MAX && to <= PM_SCRIPT_LINE_MAX;
    requires \valid_read(buf + (from .. to - 1));
    assigns  \nothing;
    ensures  from <= \result;
    ensures  from <= to ==> \result <= to;
    ensures  from > to ==> \result == from;
    ensures  \forall integer k; from <= k < \result ==> !pm_script_blank(buf[k]);
    ensures  \result < to ==> pm_script_blank(buf[\result]);
*/
static uint32_t word_end(const uint8_t *buf, uint32_t from, uint32_t to)
{
    uint32_t i = from;
    /*@ loop invariant from <= i && (from <= to ==> i <= to) && (from > to ==> i == from);
        loop invariant \forall integer k; from <= k < i ==> !pm_script_blank(buf[k]);
        loop assigns i;
        loop variant to - i;
    */
    while (i < to && !is_blank(buf[i]))
        i++;
    return i;
}

/* buf[from, to) without its trailing blanks: the least e >= from such that
 * buf[e, to) is all blanks. */
/*@ requires from <= PM_SCRIPT_LINE_MAX && to <= PM_SCRIPT_LINE_MAX;
    requires \valid_read(buf + (from .. to - 1));
    assigns  \nothing;
    ensures  \result <= to;
    ensures  from <= to ==> from <= \result;
    ensures  from > to ==> \result == to;
    ensures  \forall integer k; \result <= k < to ==> pm_script_blank(buf[k]);
    ensures  \result > from ==> !pm_script_blank(buf[\result - 1]);
*/
static uint32_t trim_end(const uint8_t *buf, uint32_t from, uint32_t to)
{
    uint32_t e = to;
    /*@ loop invariant e <= to && (from <= to ==> from <= e) && (from > to ==> e == to);
        loop invariant \forall integer k; e <= k < to ==> pm_script_blank(buf[k]);
        loop assigns e;
        loop variant e;
    */
    while (e > from && is_blank(buf[e - 1u]))
        e--;
    return e;
}

/* hi - lo when lo <= hi, else 0.  Computed in int64_t, where no uint32_t
 * operands can wrap, so that the value analysis need not relate hi and lo
 * (WP sees lo <= hi at every call). */
/*@ assigns \nothing;
    ensures lo <= hi ==> \result == hi - lo;
    ensures lo > hi ==> \result == 0;
*/
static uint32_t span_len(uint32_t lo, uint32_t hi)
{
    int64_t d = (int64_t)hi - (int64_t)lo;
    return d > 0 ? (uint32_t)d : 0u;
}

/*@ requires \valid(out);
    assigns  *out;
    ensures  out->is_script == is_script && out->interp_off == 0 &&
             out->interp_len == 0 && out->arg_off == 0 && out->arg_len == 0;
*/
static void script_clear(pm_script *out, uint32_t is_script)
{
    out->is_script = is_script;
    out->interp_off = 0;
    out->interp_len = 0;
    out->arg_off = 0;
    out->arg_len = 0;
}

pm_status pm_script_parse(const uint8_t *buf, uint64_t len, pm_script *out)
{
    uint32_t lim = len < PM_SCRIPT_LINE_MAX ? (uint32_t)len : PM_SCRIPT_LINE_MAX;
    pm_status st = PM_OK;
    uint32_t end = 0, name = 0, word = 0, arg = 0;

    if (lim < 2u || buf[0] != (uint8_t)'#' || buf[1] != (uint8_t)'!') {
        script_clear(out, 0);
    } else {
        script_clear(out, 1);
        end = line_end(buf, lim);
        /* No '\n' in the first 256 bytes of a file that has them: the line
         * would be cut (Linux runs it truncated; we refuse). */
        if (end == lim && len >= PM_SCRIPT_LINE_MAX)
            st = PM_E_SCRIPT_LINE;
        else if (line_has_nul(buf, 2, end))
            st = PM_E_SCRIPT_LINE;
        if (st == PM_OK) {
            end = trim_end(buf, 2, end);
            name = skip_blanks(buf, 2, end);
            if (name == end || buf[name] != (uint8_t)'/')
                st = PM_E_SCRIPT_INTERP;
        }
        if (st == PM_OK) {
            word = word_end(buf, name, end);
            arg = skip_blanks(buf, word, end);
            out->interp_off = name;
            out->interp_len = span_len(name, word);
            if (arg < end) {
                out->arg_off = arg;
                out->arg_len = span_len(arg, end);
            }
        }
    }
    return st;
}
