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

# proof-sim (issue 14): the sim backend against kernel.h's construction
# contracts.  WP on the sim's construction calls (map_image, map_zero,
# unmap, protect, write, thread start) and what they call, with kernel.h
# compiled as a backend proof (-DPM_K_BACKEND_PROOF: PM_K_PRE is \true,
# the state assigned is pm_k_world plus *k): runtime errors, the result
# sets, the assigns, and the ghost ensures through the gluing relation
# between pm_k_vm and the frame table (spec/acsl/sim.h,
# spec/kernel-interface.md section 7c).  kcheck.c's checks are used
# through their contracts (proven by proof-kcheck).
# In PROOFS since it reached 100% (figures and what is left:
# spec/kernel-interface.md section 7c).
PROOFS += proof-sim
.PHONY: proof-sim
SIM_WP_FCT_LIST := sim_inject rng_next injected_status sim_handle sim_cap \
  sim_frame_find sim_copy sim_zero count_mapped frames_held free_frames \
  frame_take set_counts take_frames fill_page fill_pages map_pages pm_k_as_map_image \
  pm_k_as_map_zero mapped_range pm_k_as_unmap pm_k_as_protect pages_present \
  copy_as pm_k_as_write frame_clear frame_protect sim_original_cap \
  sim_usage_of sim_event_push thread_first_steps thread_run pm_k_thread_start
sim_empty :=
sim_space := $(sim_empty) $(sim_empty)
sim_comma := ,
SIM_WP_FCTS := $(subst $(sim_space),$(sim_comma),$(strip $(SIM_WP_FCT_LIST)))
SIM_WP_SRCS := src/kernel/sim/sim.c src/kernel/sim/sim_as.c src/kernel/sim/sim_thread.c
proof-sim:
	@proofs/frama-wp.sh sim $(O)/proofs/sim -- \
	  -cpp-extra-args="-Iinclude -Ispec -D__FRAMAC__ -DPM_K_BACKEND_PROOF" \
	  -wp-fct $(SIM_WP_FCTS) $(SIM_WP_SRCS)
	@proofs/frama-wp.sh sim-lemmas $(O)/proofs/sim -- \
	  -cpp-extra-args="-Iinclude -Ispec -D__FRAMAC__ -DPM_K_BACKEND_PROOF" \
	  -wp-prop @lemma $(SIM_WP_SRCS)
