# Linux backend: the static stub loader and the parent-side spawner
# (spec/linux-loader.md), the pmspawn driver and its integration tests.
#
# The stub is freestanding, no libc, static, linked at PM_STUB_LINK_BASE
# (stub_proto.h) and compiled position independent so its code reaches its
# data RIP-relative from that high address.  It is never built with the
# sanitizer flags: it runs before any runtime could exist.

LINUX_STUB_DIR    := $(O)/stub
LINUX_STUB_CPPFLAGS := $(filter-out -D_FORTIFY_SOURCE=2,$(CPPFLAGS))
LINUX_STUB_CFLAGS := $(CSTD) -O2 -g $(WARN) -ffreestanding -fno-builtin \
                     -fno-stack-protector -fPIE -fno-asynchronous-unwind-tables
LINUX_STUB_LDFLAGS := -nostdlib -static -Wl,-Ttext-segment=0x600000000000 \
                      -Wl,--build-id=none -Wl,-z,noexecstack

$(LINUX_STUB_DIR)/%.o: src/kernel/linux/stub/%.c
	@mkdir -p $(dir $@)
	$(CC) $(LINUX_STUB_CPPFLAGS) $(LINUX_STUB_CFLAGS) -MMD -MP -c $< -o $@

$(LINUX_STUB_DIR)/start.o: src/kernel/linux/stub/start.S
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

$(LINUX_STUB_DIR)/pm-stub: $(LINUX_STUB_DIR)/start.o $(LINUX_STUB_DIR)/stub.o \
                           $(LINUX_STUB_DIR)/stub_ops.o
	$(CC) $(LINUX_STUB_LDFLAGS) -o $@ $^

$(LINUX_STUB_DIR)/pm-stub.stripped: $(LINUX_STUB_DIR)/pm-stub
	objcopy --strip-all $< $@

$(O)/obj/src/kernel/linux/stub_blob.o: src/kernel/linux/stub_blob.S $(LINUX_STUB_DIR)/pm-stub.stripped
	@mkdir -p $(dir $@)
	$(CC) -DPM_STUB_BIN='"$(LINUX_STUB_DIR)/pm-stub.stripped"' -c $< -o $@

LINUX_LIB  := $(O)/lib/libpmlinux.a
LINUX_OBJS := $(call obj-of,src/kernel/linux/spawn.c src/kernel/linux/lx_common.c) \
              $(O)/obj/src/kernel/linux/stub_blob.o
$(LINUX_LIB): $(LINUX_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
LIBS += $(LINUX_LIB)

# The Linux backend of include/procmgr/kernel.h and khost.h (ops mode of the
# stub): what procmgrd links to run real processes.  Self-contained: it
# also carries the loader objects above.  Link it before the dispatcher's
# dependencies: $(DISPATCH_LIB) $(KLINUX_LIB) $(CORE_LIB).
KLINUX_LIB  := $(O)/lib/libpmklinux.a
KLINUX_OBJS := $(call obj-of,src/kernel/linux/klinux.c src/kernel/linux/klinux_as.c \
                 src/kernel/linux/klinux_thread.c src/kernel/linux/klinux_job.c \
                 src/kernel/linux/khost.c $(KCHECK_SRCS)) $(LINUX_OBJS)
$(KLINUX_LIB): $(KLINUX_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
LIBS += $(KLINUX_LIB)

# pmspawn: load and run a program through the loader (test driver).
$(O)/bin/pmspawn: $(O)/obj/tests/linux/pmspawn_test.o $(LINUX_LIB) $(CORE_LIB)
BINS += $(O)/bin/pmspawn

# Test programs: one source, every supported link mode.
LINUX_PROG_DIR := $(O)/tests/linux
LINUX_PROG_CFLAGS := $(CSTD) -O2 -g $(WARN) -D_GNU_SOURCE
LINUX_PROGS := $(addprefix $(LINUX_PROG_DIR)/,auxcheck-pie auxcheck-nopie \
               auxcheck-static auxcheck-static-pie asm-hello badinterp)
$(LINUX_PROG_DIR)/auxcheck-pie: tests/linux/auxcheck.c
	@mkdir -p $(dir $@)
	$(CC) $(LINUX_PROG_CFLAGS) -fPIE -pie -o $@ $<
$(LINUX_PROG_DIR)/auxcheck-nopie: tests/linux/auxcheck.c
	@mkdir -p $(dir $@)
	$(CC) $(LINUX_PROG_CFLAGS) -fno-pie -no-pie -o $@ $<
$(LINUX_PROG_DIR)/auxcheck-static: tests/linux/auxcheck.c
	@mkdir -p $(dir $@)
	$(CC) $(LINUX_PROG_CFLAGS) -fno-pie -static -o $@ $<
$(LINUX_PROG_DIR)/auxcheck-static-pie: tests/linux/auxcheck.c
	@mkdir -p $(dir $@)
	$(CC) $(LINUX_PROG_CFLAGS) -fPIE -static-pie -o $@ $<
# A dynamic program whose PT_INTERP is $(LINUX_PROG_DIR)/ld-fake.so, an
# interpreter that is on no allowlist unless pmspawn --interp adds it
# (run.sh puts a real ld.so or a non-interpreter there).
$(LINUX_PROG_DIR)/badinterp: tests/linux/auxcheck.c
	@mkdir -p $(dir $@)
	$(CC) $(LINUX_PROG_CFLAGS) -fPIE -pie \
	  -Wl,--dynamic-linker=$(abspath $(LINUX_PROG_DIR))/ld-fake.so -o $@ $<
$(LINUX_PROG_DIR)/asm-hello: tests/linux/asm-hello.S
	@mkdir -p $(dir $@)
	$(CC) -nostdlib -static -Wl,--build-id=none -o $@ $<
ifneq ($(shell command -v musl-gcc 2>/dev/null),)
LINUX_PROGS += $(LINUX_PROG_DIR)/auxcheck-musl
$(LINUX_PROG_DIR)/auxcheck-musl: tests/linux/auxcheck.c
	@mkdir -p $(dir $@)
	musl-gcc $(LINUX_PROG_CFLAGS) -static -o $@ $<
endif

CHECKS += check-linux-loader
.PHONY: check-linux-loader
check-linux-loader: $(O)/bin/pmspawn $(LINUX_PROGS)
	@tests/linux/run.sh $(O)/bin/pmspawn $(LINUX_PROG_DIR)

# Unit tests of the parent side (refusals and the child lifecycle on real
# programs).  libpmlinux before the core library it uses.
UNIT_TESTS += $(O)/tests/test_linux_spawn
$(O)/tests/test_linux_spawn: $(O)/obj/tests/unit/test_linux_spawn.o $(LINUX_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LINUX_LIB) $(CORE_LIB) -lcmocka $(LDLIBS)

# The dispatcher over the Linux backend: real processes from protocol
# messages (tests/unit/test_klinux.c).
UNIT_TESTS += $(O)/tests/test_klinux
$(O)/obj/tests/unit/test_klinux.o: CPPFLAGS += -DKLINUX_PROG_DIR='"$(LINUX_PROG_DIR)"'
$(O)/tests/test_klinux: $(O)/obj/tests/unit/test_klinux.o $(O)/obj/tests/support/elfimg.o \
                        $$(DISPATCH_LIB) $(KLINUX_LIB) $(CORE_LIB) \
                        $(LINUX_PROGS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(DISPATCH_LIB) $(KLINUX_LIB) $(CORE_LIB) -lcmocka $(LDLIBS)

# The stub's objects live outside $(O)/obj: their header dependencies too.
-include $(wildcard $(LINUX_STUB_DIR)/*.d)

# The stub's own refusals (defence in depth), fed to the real stub
# directly, bypassing the backend's bookkeeping (issue 14).
UNIT_TESTS += $(O)/tests/test_stub_refuse
$(O)/tests/test_stub_refuse: $(O)/obj/tests/unit/test_stub_refuse.o $(LINUX_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LINUX_LIB) $(CORE_LIB) -lcmocka $(LDLIBS)

# proof-stub (issue 14): WP, through proofs/frama-wp.sh, on the stub's C:
# the build message's checks, the replay of its ops, the stack read after
# "go", the namespace and fd steps, plan mode's checks and maps, the
# messages, the kernel's strings and the vDSO scan through bounded peeks,
# the trampoline page, both modes' main functions and the entry; the
# system calls and the raw-memory primitives are seen through
# the ACSL contracts of sys.h and stub_internal.h (spec/linux-loader.md
# section 12 lists what is trusted and what is not proven yet).
PROOFS += proof-stub
.PHONY: proof-stub
STUB_WP_FCT_LIST := page_up op_ok meets unmapped_between touched_between map_free \
  in_live_map op_fits mount_ok build_ok inline_data op_poke op_run replay \
  cwd_index enter_cwd ns_status enter_namespace place_handles \
  str_end_in strings_range stack_parse image_at image_range mm_map_fill ops_clear_of \
  stub_targets_ok stub_prot stub_mmap_at stub_exit stub_send stub_reply stub_reply_op \
  stub_fail stub_hello stub_plan_ok stub_request_ok stub_lift_fds stub_map_segment \
  stub_map_plan stub_close_above stub_place_fds stub_place_handles stub_close_gaps \
  cmsg_fd stub_recv stub_recv_go stub_recv_byte \
  stub_kstack_check stub_aux stub_build_auxv stub_plan_clear_of stub_build_stack \
  drop_kernel_stack comm_in finalize stub_ops_main \
  stub_kstrlen stub_str_end stub_set_comm stub_mm_map_fill \
  gadget_clears gadget_in stub_find_gadget gadget_of stub_tramp_prepare \
  stub_tramp_exe_map stub_leave stub_reset_signals stub_plan_main pm_stub_main
stub_empty :=
stub_space := $(stub_empty) $(stub_empty)
stub_comma := ,
STUB_WP_FCTS := $(subst $(stub_space),$(stub_comma),$(strip $(STUB_WP_FCT_LIST)))
proof-stub:
	@proofs/frama-wp.sh stub $(O)/proofs/stub -- \
	  -cpp-extra-args="-Iinclude -Ispec -D__FRAMAC__" -wp-fct $(STUB_WP_FCTS) \
	  src/kernel/linux/stub/stub.c src/kernel/linux/stub/stub_ops.c
