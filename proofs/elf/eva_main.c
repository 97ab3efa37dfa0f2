/* Eva harness for the ELF validator: fully unknown bytes of any length up
 * to EVA_BUF, any file size at least that long, both roles, default
 * policy; then any bias on whatever plan results.
 *
 * Every input comes from Frama_C_make_unknown (an Eva builtin), narrowed by
 * plain C (x % (EVA_BUF + 1) covers exactly [0, EVA_BUF]): the analysis runs
 * with -no-annot (mk/elf.mk), where the ACSL specifications of the
 * Frama_C_*_interval functions would be dropped and their results would be
 * unconstrained. */
#include "__fc_builtin.h"
#include "procmgr/elf.h"

#define EVA_BUF 8192u

static uint8_t buf[EVA_BUF];

int main(void)
{
    pm_elf_policy pol;
    pm_elf_plan plan;
    uint64_t raw_len = 0u;
    uint64_t file_size = 0u;
    uint64_t bias = 0u;
    uint32_t raw_role = 0u;
    uint64_t buf_len;
    pm_elf_role role;
    pm_status st;

    Frama_C_make_unknown((char *)buf, EVA_BUF);
    Frama_C_make_unknown((char *)&raw_len, sizeof raw_len);
    Frama_C_make_unknown((char *)&file_size, sizeof file_size);
    Frama_C_make_unknown((char *)&bias, sizeof bias);
    Frama_C_make_unknown((char *)&raw_role, sizeof raw_role);
    buf_len = raw_len % (EVA_BUF + 1u);
    role = (raw_role & 1u) == 0u ? PM_ELF_ROLE_PROGRAM : PM_ELF_ROLE_INTERP;
    if (file_size < buf_len) {
        file_size = buf_len;
    }
    pm_elf_policy_default(&pol);
    st = pm_elf_validate(buf, buf_len, file_size, &pol, role, &plan);
    if (st == PM_OK) {
        st = pm_elf_plan_apply_bias(&plan, &pol, bias);
    }
    return st == PM_OK ? 0 : 1;
}
