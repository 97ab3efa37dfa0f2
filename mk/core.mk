# Core: initial stack image, process registry, launch builder (src/core).
# Pure, freestanding, proven with Frama-C WP and Eva (proof-core).
CORE_PURE_SRCS := src/core/stack.c src/core/registry.c src/core/builder.c \
                  src/core/script.c
CORE_SRCS  += $(CORE_PURE_SRCS)
UNIT_TESTS += $(O)/tests/test_stack $(O)/tests/test_registry $(O)/tests/test_builder \
              $(O)/tests/test_script

PROOFS += proof-core
.PHONY: proof-core proof-core-wp proof-core-eva

CORE_FC_ARGS    := -cpp-extra-args="-Iinclude -Ispec"
CORE_PROOF_LOGS := $(O)/proofs/core
# Functions of this component (kernel.h's inline helpers are proven with
# the kernel interface, not here).
CORE_WP_FCT_LIST := \
  has_nul copy_bytes put_byte zero_from put_u64 check_strvec check_auxv \
  write_strvec put_aux write_auxv off_of round16 write_fixed pm_stack_build \
  rights_subset clear_record pm_reg_init pm_handle_make state_live \
  pm_reg_alloc pm_reg_lookup pm_reg_duplicate pm_reg_free pm_reg_find_pid \
  matches pm_reg_list pm_reg_add_cap \
  contains_nul put_bytes pm_builder_reset pm_builder_add_arg \
  pm_builder_add_env pm_builder_add_name pm_builder_add_handle \
  default_execfn pm_builder_set_info pm_builder_set_execfn pm_builder_ready pm_builder_argv pm_builder_envp \
  pm_builder_mark_take pm_builder_rollback \
  is_blank line_end line_has_nul skip_blanks word_end trim_end span_len script_clear \
  pm_script_parse
core_empty :=
core_space := $(core_empty) $(core_empty)
core_comma := ,
CORE_WP_FCTS := $(subst $(core_space),$(core_comma),$(strip $(CORE_WP_FCT_LIST)))

proof-core: proof-core-wp proof-core-eva

proof-core-wp:
	@proofs/frama-wp.sh core $(CORE_PROOF_LOGS) -- $(CORE_FC_ARGS) \
	  -wp-fct $(CORE_WP_FCTS) $(CORE_PURE_SRCS)

proof-core-eva:
	@proofs/frama-eva.sh core $(CORE_PROOF_LOGS) -- $(CORE_FC_ARGS) \
	  -main pm_core_eva_main proofs/core/eva_main.c $(CORE_PURE_SRCS)
