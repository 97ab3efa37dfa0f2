/*
 * A small JSON writer for the hosted programs' --json output (procctl,
 * elfcheck).  The writer places the commas and the colons, so output is
 * valid JSON whatever order the caller emits members in.
 *
 * Strings: '"', '\\' and every control character (< 0x20, and 0x7f) are
 * escaped (\n \t \r \b \f, else \u00XX).  Bytes that are not well-formed
 * UTF-8 (a stray continuation byte, a truncated or overlong sequence, a
 * surrogate, anything above U+10FFFF) are replaced by U+FFFD, one per
 * byte, written as the escape \ufffd: JSON text must be UTF-8 (RFC 8259
 * section 8.1), and an operator's name or path is shown, not round-tripped.
 * Valid multi-byte UTF-8 is copied as is.
 *
 * Nesting is bounded (PMJ_MAX_DEPTH); deeper begins are ignored.
 */
#ifndef PM_SHELL_JSON_H
#define PM_SHELL_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PMJ_MAX_DEPTH 16

typedef struct pmj {
    FILE *f;
    int depth;
    unsigned char first[PMJ_MAX_DEPTH + 1];  /* no member yet at this level */
    int after_key;                           /* a key was written, its value is next */
} pmj;

void pmj_init(pmj *j, FILE *f);

void pmj_object(pmj *j);          /* { */
void pmj_object_end(pmj *j);      /* } */
void pmj_array(pmj *j);           /* [ */
void pmj_array_end(pmj *j);       /* ] */
void pmj_key(pmj *j, const char *key);

void pmj_str(pmj *j, const char *s);            /* NULL: null */
void pmj_strn(pmj *j, const char *s, size_t n);
void pmj_uint(pmj *j, uint64_t v);
void pmj_int(pmj *j, int64_t v);
void pmj_bool(pmj *j, int v);
void pmj_null(pmj *j);

/* key + value in one call */
void pmj_kstr(pmj *j, const char *key, const char *s);
void pmj_kuint(pmj *j, const char *key, uint64_t v);
void pmj_kint(pmj *j, const char *key, int64_t v);
void pmj_kbool(pmj *j, const char *key, int v);
void pmj_knull(pmj *j, const char *key);

/* End of a top-level value: a newline (JSON Lines), and a reset. */
void pmj_newline(pmj *j);

/* The escaped body of a string (no quotes) into f: what pmj_strn writes
 * between its quotes. */
void pmj_escape(FILE *f, const char *s, size_t n);

#endif
