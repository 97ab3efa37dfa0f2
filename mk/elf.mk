# ELF validator and load plan (freestanding, proven): src/elf.
ELF_SRCS   := $(sort $(wildcard src/elf/*.c))
CORE_SRCS  += $(ELF_SRCS)
UNIT_TESTS += $(O)/tests/test_elf_bias

# Proofs of the ELF validator: WP over every function of src/elf (all goals,
# RTE and overflow guards included) and Eva over an unknown-bytes harness.
# Status and measured times: the "Proof status" section of spec/elf-policy.md.
ELF_FRAMA_CPP := -cpp-extra-args="-Iinclude -Ispec"
.PHONY: proof-elf proof-elf-wp proof-elf-eva
PROOFS += proof-elf
proof-elf: proof-elf-wp proof-elf-eva
proof-elf-wp:
	WP_TIMEOUT=$${WP_TIMEOUT:-20} proofs/frama-wp.sh elf $(O)/proofs -- $(ELF_FRAMA_CPP) $(ELF_SRCS)
# Eva: the validator and the bias on fully unknown inputs
# (proofs/elf/eva_main.c).  As for proof-proto-eva, the ACSL contracts are
# WP's: Eva cannot decide their quantified predicates, and with annotations
# it would reduce its states by the contracts it assumes; run on the bare C
# (-no-annot), its zero alarms rest on the code alone.
proof-elf-eva:
	proofs/frama-eva.sh elf $(O)/proofs -- $(ELF_FRAMA_CPP) -no-annot \
	  -eva-precision 5 proofs/elf/eva_main.c $(ELF_SRCS) -main main
