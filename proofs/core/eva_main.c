/*
 * Eva harness for the pure core (proof-core-eva): feeds unknown inputs to
 * every entry point of src/core/{stack,registry,builder,script}.c, within the
 * bounds their contracts allow, so that any run-time error or contract
 * violation reachable from them is an alarm.  Only Frama-C reads this file.
 *
 * The stack builder is called with a few concrete buffer sizes (each with
 * every other input unknown): its checks compare offsets against the buffer
 * size, and Eva's non-relational domains are exact on them only when that
 * size is a single value.
 */
#include "__fc_builtin.h"
#include "procmgr/stack.h"
#include "procmgr/registry.h"
#include "procmgr/builder.h"
#include "procmgr/script.h"

#define POOL 40u
#define NSTR 3u
#define CAP  512u
#define NAUX 3u

static uint8_t apool[POOL], epool[POOL], rnd[16], xfn[12], plat[8];
static pm_span aitems[NSTR], eitems[NSTR];
static pm_auxv aux[NAUX];
static uint8_t sbuf[CAP];

static void unknown_vec(pm_strvec *v, uint8_t *pool, pm_span *items)
{
    Frama_C_make_unknown((char *)pool, POOL);
    for (unsigned i = 0; i < NSTR; i++) {
        items[i].off = Frama_C_unsigned_int_interval(0, 0xFFFFFFFFu);
        items[i].len = Frama_C_unsigned_int_interval(0, 0xFFFFFFFFu);
    }
    v->pool = pool;
    v->pool_len = Frama_C_unsigned_int_interval(0, POOL);
    v->items = items;
    v->count = Frama_C_unsigned_int_interval(0, NSTR);
}

static void eva_stack(uint64_t cap)
{
    pm_stack_in in;
    pm_stack_out out;

    unknown_vec(&in.argv, apool, aitems);
    unknown_vec(&in.envp, epool, eitems);
    for (unsigned i = 0; i < NAUX; i++) {
        aux[i].type = Frama_C_unsigned_long_interval(0, 64);
        aux[i].value = Frama_C_unsigned_long_interval(0, 0xFFFFFFFFFFFFFFFFul);
    }
    Frama_C_make_unknown((char *)rnd, 16);
    Frama_C_make_unknown((char *)xfn, sizeof xfn);
    Frama_C_make_unknown((char *)plat, sizeof plat);
    in.auxv = aux;
    in.nauxv = Frama_C_unsigned_int_interval(0, NAUX);
    in.random = rnd;
    in.execfn = xfn;
    in.execfn_len = Frama_C_unsigned_int_interval(0, sizeof xfn);
    in.platform = plat;
    in.platform_len = Frama_C_unsigned_int_interval(0, sizeof plat);
    in.stack_top = Frama_C_unsigned_long_interval(0, 0xFFFFFFFFFFFFFFFFul);
    (void)pm_stack_build(&in, sbuf, cap, &out);
}

static pm_registry reg;

static void eva_registry(void)
{
    uint8_t name[PM_REG_NAME_MAX];
    uint64_t out[8];
    uint64_t h = 0, d = 0;
    uint32_t idx = 0, n = 0, next = 0;

    pm_reg_init(&reg);
    Frama_C_make_unknown((char *)name, sizeof name);
    pm_status rc = pm_reg_alloc(&reg, Frama_C_unsigned_long_interval(0, 0xFFFFFFFFFFFFFFFFul),
                                Frama_C_unsigned_long_interval(0, 0xFFFFFFFFFFFFFFFFul),
                                name, Frama_C_unsigned_int_interval(0, PM_REG_NAME_MAX),
                                Frama_C_unsigned_int_interval(0, 0xFFFFFFFFu), &h, &idx);
    if (rc == PM_OK) {
        pm_kcap c = { Frama_C_unsigned_int_interval(0, 0xFFFFFFFFu),
                      Frama_C_unsigned_int_interval(0, 0xFFFFFFFFu) };
        (void)pm_reg_add_cap(&reg, idx, c);
    }
    /* Unknown handles and rights against a registry with a live record. */
    uint64_t uh = Frama_C_unsigned_long_interval(0, 0xFFFFFFFFFFFFFFFFul);
    uint32_t req = Frama_C_unsigned_int_interval(0, 0xFFFFFFFFu);
    uint32_t got = 0;
    (void)pm_reg_lookup(&reg, uh, req, &got);
    (void)pm_reg_duplicate(&reg, uh, req, &d);
    (void)pm_reg_find_pid(&reg, Frama_C_unsigned_long_interval(0, 0xFFFFFFFFFFFFFFFFul), &got);
    (void)pm_reg_list(&reg, Frama_C_unsigned_int_interval(0, 0xFFFFFFFFu),
                      Frama_C_unsigned_long_interval(0, 0xFFFFFFFFFFFFFFFFul),
                      Frama_C_unsigned_int_interval(0, 0xFFFFFFFFu), out,
                      Frama_C_unsigned_int_interval(0, 8), &n, &next);
    if (pm_reg_lookup(&reg, uh, 0, &got) == PM_OK)
        pm_reg_free(&reg, got);
    (void)pm_reg_lookup(&reg, uh, req, &got);
}

static pm_builder bld;

static void builder_round(void)
{
    uint8_t s[64];
    pm_builder_mark m;
    Frama_C_make_unknown((char *)s, sizeof s);
    pm_builder_mark_take(&bld, &m);
    (void)pm_builder_add_arg(&bld, s, Frama_C_unsigned_int_interval(0, sizeof s));
    (void)pm_builder_add_env(&bld, s, Frama_C_unsigned_int_interval(0, sizeof s));
    pm_kcap c = { Frama_C_unsigned_int_interval(0, 0xFFFFFFFFu),
                  Frama_C_unsigned_int_interval(0, 0xFFFFFFFFu) };
    (void)pm_builder_add_name(&bld, s, Frama_C_unsigned_int_interval(0, sizeof s), c);
    (void)pm_builder_add_handle(&bld, c, Frama_C_unsigned_int_interval(0, 0xFFFFFFFFu));
    (void)pm_builder_set_info(&bld, c, c, s, Frama_C_unsigned_int_interval(0, sizeof s),
                              Frama_C_unsigned_int_interval(0, 0xFFFFFFFFu));
    if (Frama_C_nondet(0, 1))
        (void)pm_builder_rollback(&bld, &m);
}

static void eva_builder(void)
{
    pm_builder_mark junk;
    pm_strvec v;

    pm_builder_reset(&bld);
    builder_round();
    builder_round();
    builder_round();
    /* A mark with unknown counts. */
    Frama_C_make_unknown((char *)&junk, sizeof junk);
    (void)pm_builder_rollback(&bld, &junk);
    (void)pm_builder_ready(&bld);
    pm_builder_argv(&bld, &v);
    pm_builder_envp(&bld, &v);
    pm_builder_reset(&bld);
}

/* The `#!` parser on unknown bytes: every length up to past the line
 * limit, and a buffer that starts with "#!" so the parse goes deep. */
static uint8_t script_buf[PM_SCRIPT_LINE_MAX + 64u];

static void eva_script(void)
{
    pm_script sc;
    Frama_C_make_unknown((char *)script_buf, sizeof script_buf);
    (void)pm_script_parse(script_buf,
                          Frama_C_unsigned_long_interval(0, sizeof script_buf), &sc);
    script_buf[0] = '#';
    script_buf[1] = '!';
    (void)pm_script_parse(script_buf,
                          Frama_C_unsigned_long_interval(0, sizeof script_buf), &sc);
}

void pm_core_eva_main(void);
void pm_core_eva_main(void)
{
    eva_stack(0);
    eva_stack(64);
    eva_stack(200);
    eva_stack(CAP);
    eva_registry();
    eva_builder();
    eva_script();
}
