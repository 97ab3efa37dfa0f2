# sim: the capability-microkernel model behind include/procmgr/kernel.h
# (include/procmgr/sim.h, spec/kernel-interface.md).  Built freestanding
# (no libc beyond memcpy/memset) so the dispatcher fuzzer can reuse it;
# check-freestanding verifies that.
SIM_SRCS := src/kernel/sim/sim.c src/kernel/sim/sim_as.c \
            src/kernel/sim/sim_thread.c src/kernel/sim/sim_check.c \
            $(KCHECK_SRCS)
SIM_LIB  := $(O)/lib/libpmsim.a

$(O)/obj/src/kernel/sim/%.o: CFLAGS += $(FREESTANDING_CFLAGS)
CORE_OBJS += $(call obj-of,$(SIM_SRCS))
LIBS      += $(SIM_LIB)

$(SIM_LIB): $(call obj-of,$(SIM_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

SIM_TESTS  := $(patsubst tests/unit/%.c,$(O)/tests/%,$(wildcard tests/unit/test_sim*.c))
UNIT_TESTS += $(SIM_TESTS)
$(SIM_TESTS): $(SIM_LIB)

# The kernel interface's ACSL contracts are consistent and usable by a core
# proof: a caller of every operation, plus kernel.h's inline teardown.
PROOFS += proof-kernel-contract
.PHONY: proof-kernel-contract
proof-kernel-contract:
	@proofs/frama-wp.sh kernel-contract $(O)/proofs/kernel -- \
	  -cpp-extra-args="-Iinclude -Ispec -D__FRAMAC__" proofs/kernel/contract_use.c
