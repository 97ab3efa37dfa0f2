# ELF validator and load plan (freestanding, proven): src/elf.
ELF_SRCS   := $(sort $(wildcard src/elf/*.c))
CORE_SRCS  += $(ELF_SRCS)
UNIT_TESTS += $(O)/tests/test_elf_bias

# Proofs of the ELF validator: WP over every function of src/elf (all goals,
# RTE and overflow guards included) and Eva over an unknown-bytes harness.
# Status and measured times: the "Proof status" section of spec/elf-policy.md.
# PM_ELF_CONTRACTS: the public entry points' contracts are the ones of
# include/procmgr/elf.h, written once and read by the callers' proofs too.
# Two WP runs, each with only its own hypotheses in its goals' contexts:
#  - "elf": the validator's files (everything but elf_bias.c);
#  - "elf-bias": elf_bias.c, every goal (the placed plan included) and the
#    lemmas of spec/acsl/elf_bias.h (a lemma is a hypothesis of every goal
#    of the run that parses it: in the validator's run they made seg_make's
#    ensures fail).
# pm_elf_add, which elf_bias.c calls, is proven in the first run; the
# others use its contract.  elf_plan.h's lemmas are proven in the first two.
ELF_FRAMA_CPP := -cpp-extra-args="-Iinclude -Ispec -DPM_ELF_CONTRACTS"
ELF_BIAS_SRC  := src/elf/elf_bias.c
.PHONY: proof-elf proof-elf-wp proof-elf-eva
PROOFS += proof-elf
proof-elf: proof-elf-wp proof-elf-eva
proof-elf-wp:
	WP_TIMEOUT=$${WP_TIMEOUT:-20} proofs/frama-wp.sh elf $(O)/proofs -- $(ELF_FRAMA_CPP) $(filter-out $(ELF_BIAS_SRC),$(ELF_SRCS))
	WP_TIMEOUT=$${WP_TIMEOUT:-20} proofs/frama-wp.sh elf-bias $(O)/proofs -- $(ELF_FRAMA_CPP) $(ELF_BIAS_SRC)
# Eva: the validator and the bias on fully unknown inputs
# (proofs/elf/eva_main.c).  As for proof-proto-eva, the ACSL contracts are
# WP's: Eva cannot decide their quantified predicates, and with annotations
# it would reduce its states by the contracts it assumes; run on the bare C
# (-no-annot), its zero alarms rest on the code alone.
proof-elf-eva:
	proofs/frama-eva.sh elf $(O)/proofs -- $(ELF_FRAMA_CPP) -no-annot \
	  -eva-precision 5 proofs/elf/eva_main.c $(ELF_SRCS) -main main
