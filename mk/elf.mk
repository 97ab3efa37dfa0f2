# ELF validator and load plan (freestanding, proven): src/elf.
ELF_SRCS   := $(sort $(wildcard src/elf/*.c))
CORE_SRCS  += $(ELF_SRCS)
UNIT_TESTS += $(O)/tests/test_elf_bias

# Proofs of the ELF validator: WP over every function of src/elf (all goals,
# RTE and overflow guards included) and Eva over an unknown-bytes harness.
# Not yet in PROOFS: see the "Proof status" section of spec/elf-policy.md.
ELF_FRAMA_CPP := -cpp-extra-args="-Iinclude -Ispec"
.PHONY: proof-elf proof-elf-wp proof-elf-eva
proof-elf: proof-elf-wp proof-elf-eva
proof-elf-wp:
	WP_TIMEOUT=$${WP_TIMEOUT:-20} proofs/frama-wp.sh elf $(O)/proofs -- $(ELF_FRAMA_CPP) $(ELF_SRCS)
proof-elf-eva:
	proofs/frama-eva.sh elf $(O)/proofs -- $(ELF_FRAMA_CPP) -eva-precision 5 \
	  proofs/elf/eva_main.c $(ELF_SRCS) -main main
