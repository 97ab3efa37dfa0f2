/* JSON writer: see json.h. */
#include "json.h"

#include <inttypes.h>
#include <string.h>

void pmj_init(pmj *j, FILE *f)
{
    memset(j, 0, sizeof *j);
    j->f = f;
    j->first[0] = 1;
}

/* Before any value: the comma between members or elements. */
static void before_value(pmj *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (!j->first[j->depth])
        fputc(',', j->f);
    j->first[j->depth] = 0;
}

static void open_level(pmj *j, char c)
{
    before_value(j);
    fputc(c, j->f);
    if (j->depth < PMJ_MAX_DEPTH)
        j->depth++;
    j->first[j->depth] = 1;
}

static void close_level(pmj *j, char c)
{
    fputc(c, j->f);
    if (j->depth > 0)
        j->depth--;
}

void pmj_object(pmj *j) { open_level(j, '{'); }
void pmj_object_end(pmj *j) { close_level(j, '}'); }
void pmj_array(pmj *j) { open_level(j, '['); }
void pmj_array_end(pmj *j) { close_level(j, ']'); }

/* Length of the well-formed UTF-8 sequence at s (n bytes left), 0 if
 * none (RFC 3629 table: no overlongs, no surrogates, <= U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

void pmj_escape(FILE *f, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
        } else if (c == '\n') {
            fputs("\\n", f);
        } else if (c == '\t') {
            fputs("\\t", f);
        } else if (c == '\r') {
            fputs("\\r", f);
        } else if (c == '\b') {
            fputs("\\b", f);
        } else if (c == '\f') {
            fputs("\\f", f);
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", (unsigned)c);
        } else if (c < 0x80) {
            fputc(c, f);
        } else {
            size_t len = utf8_len(s + i, n - i);
            if (len == 0) {
                fputs("\\ufffd", f);
            } else {
                fwrite(s + i, 1, len, f);
                i += len - 1;
            }
        }
        i++;
    }
}

void pmj_strn(pmj *j, const char *s, size_t n)
{
    before_value(j);
    fputc('"', j->f);
    pmj_escape(j->f, s, n);
    fputc('"', j->f);
}

void pmj_str(pmj *j, const char *s)
{
    if (s == NULL)
        pmj_null(j);
    else
        pmj_strn(j, s, strlen(s));
}

void pmj_key(pmj *j, const char *key)
{
    pmj_str(j, key);
    fputc(':', j->f);
    j->after_key = 1;
}

void pmj_uint(pmj *j, uint64_t v)
{
    before_value(j);
    fprintf(j->f, "%" PRIu64, v);
}

void pmj_int(pmj *j, int64_t v)
{
    before_value(j);
    fprintf(j->f, "%" PRId64, v);
}

void pmj_bool(pmj *j, int v)
{
    before_value(j);
    fputs(v ? "true" : "false", j->f);
}

void pmj_null(pmj *j)
{
    before_value(j);
    fputs("null", j->f);
}

void pmj_kstr(pmj *j, const char *key, const char *s) { pmj_key(j, key); pmj_str(j, s); }
void pmj_kuint(pmj *j, const char *key, uint64_t v) { pmj_key(j, key); pmj_uint(j, v); }
void pmj_kint(pmj *j, const char *key, int64_t v) { pmj_key(j, key); pmj_int(j, v); }
void pmj_kbool(pmj *j, const char *key, int v) { pmj_key(j, key); pmj_bool(j, v); }
void pmj_knull(pmj *j, const char *key) { pmj_key(j, key); pmj_null(j); }

void pmj_newline(pmj *j)
{
    fputc('\n', j->f);
    j->depth = 0;
    j->first[0] = 1;
    j->after_key = 0;
}
