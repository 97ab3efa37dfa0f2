# Dispatcher of the service core (spec/dispatch.md): request -> action ->
# reply over the kernel interface.  Freestanding (src/core), but kept out of
# CORE_SRCS because it calls pm_k_*: a program links it with one backend
# (the sim here, Linux later).  Its own library, checked by
# check-freestanding like the rest of the core.
DISPATCH_SRCS := src/core/dispatch.c src/core/launch.c src/core/launch_caps.c src/core/job.c
DISPATCH_LIB  := $(O)/lib/libpmdispatch.a
CORE_OBJS     += $(call obj-of,$(DISPATCH_SRCS))
LIBS          += $(DISPATCH_LIB)

$(DISPATCH_LIB): $(call obj-of,$(DISPATCH_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

DISPATCH_TESTS := $(O)/tests/test_dispatch $(O)/tests/test_dispatch_random
UNIT_TESTS     += $(DISPATCH_TESTS)
# Link order: the dispatcher, then the core and the sim it calls (the core
# library is repeated after cmocka through LDLIBS).
$(DISPATCH_TESTS): $(DISPATCH_LIB) $$(SIM_LIB) $(O)/obj/tests/support/elfimg.o
$(DISPATCH_TESTS): LDLIBS += $(CORE_LIB) $(SIM_LIB)
$(O)/obj/tests/unit/test_dispatch.o: CPPFLAGS += -DPROTO_VECTORS='"spec/protocol-vectors.txt"'

# The fuzz harness links the dispatcher and the sim from source.
FUZZ_EXTRA_dispatch = $(DISPATCH_SRCS) $(SIM_SRCS)
FUZZ_EXTRA_dispatch += tests/support/elfimg.c

# The loader (src/core/launch.c) proven with WP: runtime errors, its own
# contracts and kernel.h's construction preconditions at every kernel call
# (spec/kernel-interface.md 7a).  PM_ELF_CONTRACTS shows it the
# validator's and the bias's contracts (include/procmgr/elf.h).  Only
# launch.c's functions: what it calls (pm_stack_build, pm_builder_*,
# pm_elf_*) is proven in its own target, pm_dispatch_make_image_
# (launch_caps.c) in proof-launch-caps.  -wp-fct leaves lemmas out,
# so a second run proves every lemma the loader's proof uses
# (spec/acsl/launch.h, and elf_plan.h's again).
PROOFS += proof-launch
.PHONY: proof-launch proof-launch-caps proof-launch-open
LAUNCH_WP_FCTS := le64,pm_dispatch_place_,write_zero,map_seg,map_plan,$\
  pm_dispatch_stack_top_,pm_dispatch_fill_auxv_,map_stack,build_stack,pm_dispatch_load_
proof-launch:
	@proofs/frama-wp.sh launch $(O)/proofs/launch -- \
	  -cpp-extra-args="-Iinclude -Ispec -DPM_ELF_CONTRACTS" \
	  -wp-fct $(LAUNCH_WP_FCTS) src/core/launch.c
	@proofs/frama-wp.sh launch-lemmas $(O)/proofs/launch -- \
	  -cpp-extra-args="-Iinclude -Ispec -DPM_ELF_CONTRACTS" \
	  -wp-prop @lemma src/core/launch.c

# The helpers of the launch around the loader (src/core/launch_caps.c) and
# the job table they call (src/core/job.c): runtime errors, their contracts
# (launch_internal.h, include/procmgr/dispatch.h) and kernel.h's
# preconditions at their calls; the `#!` step script_prepare; and the
# stack image pm_dispatch_make_image_ (whose contract proof-launch uses)
# with its wrapper stack_image, in two runs of -wp-split (pm_stack_build's
# separation precondition is 45 pairs of ranges per call, one goal each:
# the in_sep assertions, then every other goal).  Not in it:
# validate_all, construct and pm_dispatch_launch_ (proof-launch-open).
# Lemmas: proof-launch's run.
PROOFS += proof-launch-caps
LAUNCH_CAPS_WP_FCTS := read_header,validate_hdr,pm_dispatch_read_validate_,$\
  pm_dispatch_find_entry,pm_dispatch_lookup_interp_,keep,give,give_name,$\
  build_cspace,set_cwd,id_used,script_fd,script_arg,fd_path,script_argv,$\
  pm_dispatch_teardown_,pm_dispatch_job_find_,pm_dispatch_job_get_,$\
  has_live_member,pm_dispatch_job_maybe_end_,pm_dispatch_job_fini_,$\
  script_prepare
LAUNCH_IMAGE_WP_FCTS := pm_dispatch_make_image_,stack_image
proof-launch-caps:
	@proofs/frama-wp.sh launch-caps $(O)/proofs/launch -- \
	  -cpp-extra-args="-Iinclude -Ispec -DPM_ELF_CONTRACTS" \
	  -wp-fct $(LAUNCH_CAPS_WP_FCTS) src/core/launch_caps.c src/core/job.c
	@proofs/frama-wp.sh launch-image-sep $(O)/proofs/launch -- \
	  -cpp-extra-args="-Iinclude -Ispec -DPM_ELF_CONTRACTS" -wp-split \
	  -wp-fct $(LAUNCH_IMAGE_WP_FCTS) -wp-prop in_sep src/core/launch_caps.c
	@proofs/frama-wp.sh launch-image $(O)/proofs/launch -- \
	  -cpp-extra-args="-Iinclude -Ispec -DPM_ELF_CONTRACTS" -wp-split \
	  -wp-fct $(LAUNCH_IMAGE_WP_FCTS) -wp-prop=-in_sep src/core/launch_caps.c

# NOT in PROOFS: what of launch_caps.c is not proven yet (issue 14,
# spec/proof-perimeter.md): validate_all, construct and
# pm_dispatch_launch_ against their contracts (launch_caps.c: the
# validated plans placed, the loader's and pm_k_thread_start's
# preconditions, the launch's assumptions about dispatch.c).
LAUNCH_OPEN_WP_FCTS := validate_all,construct,pm_dispatch_launch_
proof-launch-open:
	@proofs/frama-wp.sh launch-open $(O)/proofs/launch -- \
	  -cpp-extra-args="-Iinclude -Ispec -DPM_ELF_CONTRACTS" \
	  -wp-fct $(LAUNCH_OPEN_WP_FCTS) src/core/launch_caps.c
