/* The hosted JSON writer (src/shell/json.c): escaping, invalid UTF-8,
 * numbers, null, and the commas of nested objects and arrays. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/shell/json.h"

typedef struct buf { char *p; size_t n; FILE *f; pmj j; } buf;

static void open_buf(buf *b)
{
    b->p = NULL;
    b->n = 0;
    b->f = open_memstream(&b->p, &b->n);
    assert_non_null(b->f);
    pmj_init(&b->j, b->f);
}

static void expect(buf *b, const char *want)
{
    fclose(b->f);
    assert_string_equal(b->p, want);
    free(b->p);
}

static void str_is(const char *in, size_t n, const char *want)
{
    buf b;
    open_buf(&b);
    pmj_strn(&b.j, in, n);
    expect(&b, want);
}

static void test_plain_and_escapes(void **state)
{
    (void)state;
    str_is("abc", 3, "\"abc\"");
    str_is("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
    str_is("t\tn\nr\rb\bf\f", 10, "\"t\\tn\\nr\\rb\\bf\\f\"");
    str_is("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
    str_is("a\0b", 3, "\"a\\u0000b\"");
    str_is("", 0, "\"\"");
    str_is("/", 1, "\"/\"");
}

static void test_utf8(void **state)
{
    (void)state;
    /* valid: e-acute, euro, U+1F600 copied as is */
    str_is("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    /* invalid: lone continuation, 0xff, truncated, overlong, surrogate, > U+10FFFF */
    str_is("a\x80z", 3, "\"a\\ufffdz\"");
    str_is("\xff", 1, "\"\\ufffd\"");
    str_is("\xe2\x82", 2, "\"\\ufffd\\ufffd\"");
    str_is("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");
    str_is("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
    str_is("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    /* a sequence cut by the end of the string */
    str_is("x\xf0\x9f\x98", 4, "\"x\\ufffd\\ufffd\\ufffd\"");
}

static void test_values(void **state)
{
    (void)state;
    buf b;
    open_buf(&b);
    pmj_array(&b.j);
    pmj_uint(&b.j, 0);
    pmj_uint(&b.j, UINT64_MAX);
    pmj_int(&b.j, -5);
    pmj_bool(&b.j, 1);
    pmj_bool(&b.j, 0);
    pmj_null(&b.j);
    pmj_str(&b.j, NULL);
    pmj_array_end(&b.j);
    expect(&b, "[0,18446744073709551615,-5,true,false,null,null]");
}

static void test_nesting(void **state)
{
    (void)state;
    buf b;
    open_buf(&b);
    pmj_object(&b.j);
    pmj_kuint(&b.j, "koid", 7);
    pmj_knull(&b.j, "exit_code");
    pmj_key(&b.j, "list");
    pmj_array(&b.j);
    pmj_object(&b.j);
    pmj_object_end(&b.j);
    pmj_object(&b.j);
    pmj_kstr(&b.j, "n\"", "v");
    pmj_object_end(&b.j);
    pmj_array(&b.j);
    pmj_array_end(&b.j);
    pmj_array_end(&b.j);
    pmj_kbool(&b.j, "ok", 1);
    pmj_object_end(&b.j);
    pmj_newline(&b.j);
    /* a second top-level value after the newline: no leading comma */
    pmj_object(&b.j);
    pmj_kint(&b.j, "x", -1);
    pmj_object_end(&b.j);
    expect(&b, "{\"koid\":7,\"exit_code\":null,\"list\":[{},{\"n\\\"\":\"v\"},[]],\"ok\":true}\n"
               "{\"x\":-1}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_escapes),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_nesting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
