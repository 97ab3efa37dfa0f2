/* Eva harness for the ELF validator: fully unknown bytes of any length up
 * to EVA_BUF, any file size at least that long, both roles, default
 * policy; then a bias on whatever plan results. */
#include "__fc_builtin.h"
#include "procmgr/elf.h"

#define EVA_BUF 8192u

static uint8_t buf[EVA_BUF];

int main(void)
{
    pm_elf_policy pol;
    pm_elf_plan plan;
    uint64_t buf_len = Frama_C_unsigned_long_interval(0u, EVA_BUF);
    uint64_t file_size = Frama_C_unsigned_long_interval(0u, 0xffffffffffffffffull);
    pm_elf_role role = Frama_C_interval(0, 1) == 0 ? PM_ELF_ROLE_PROGRAM
                                                  : PM_ELF_ROLE_INTERP;
    uint64_t bias = Frama_C_unsigned_long_interval(0u, 0xffffffffffffffffull);
    pm_status st;

    Frama_C_make_unknown((char *)buf, EVA_BUF);
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
