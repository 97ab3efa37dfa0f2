# procmgrd, libprocmgr, procctl (spec/daemon.md, spec/client.md).
#
# Fragments are read in name order and this one comes before dispatch.mk,
# sim.mk and the Linux backend's fragment, so every list those fill is
# deferred with $$(...) (secondary expansion).  The Linux daemon needs
# KLINUX_LIB (the Linux backend of kernel.h + khost.h); it is added to the
# build only when that variable is defined, which is decided at the second
# expansion of `all` and `check`, after every fragment has been read.

# --- the sim's host side (khost.h over the sim): hosted, own library -------
SIMHOST_LIB := $(O)/lib/libpmsimhost.a
LIBS        += $(SIMHOST_LIB)
$(SIMHOST_LIB): $(call obj-of,src/kernel/sim/sim_host.c src/kernel/sim/sim_host_cred.c)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# --- libprocmgr: the client library, self-contained (codec + status names) -
CLIENT_SRCS := src/client/client.c src/client/spawn.c src/shell/unixmsg.c
CLIENT_LIB  := $(O)/lib/libprocmgr.a
LIBS        += $(CLIENT_LIB) $(O)/lib/pkgconfig/procmgr.pc
$(CLIENT_LIB): $(call obj-of,$(CLIENT_SRCS)) $$(call obj-of,$$(PROTO_SRCS) src/common/status.c)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The project's one version string (include/procmgr/version.h).
PROCMGR_VERSION := $(shell sed -n 's/^\#define PROCMGR_VERSION "\(.*\)"/\1/p' include/procmgr/version.h)

# libprocmgr.so: the same sources compiled position independent
# ($(O)/pic), exporting the public headers' functions only (the version
# script).  The soname's number is the ABI's, not the release's: it changes
# when a change breaks programs linked with the previous library.
CLIENT_SOVERSION := 0
CLIENT_SONAME    := libprocmgr.so.$(CLIENT_SOVERSION)
CLIENT_SO        := $(O)/lib/libprocmgr.so.$(PROCMGR_VERSION)
CLIENT_MAP       := src/client/libprocmgr.map
LIBS             += $(CLIENT_SO)
pic-of = $(patsubst %.c,$(O)/pic/%.o,$(1))
$(O)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -MMD -MP -c $< -o $@
$(foreach d,$(FREESTANDING_DIRS),$(eval $(O)/pic/$(d)/%.o: CFLAGS += $(FREESTANDING_CFLAGS)))
# -z defs: the library needs nothing but libc (not under SAN=1, whose
# runtime the program brings)
$(CLIENT_SO): $(call pic-of,$(CLIENT_SRCS)) $$(call pic-of,$$(PROTO_SRCS) src/common/status.c) $(CLIENT_MAP)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(CLIENT_SONAME) -Wl,--version-script=$(CLIENT_MAP) \
	  $(if $(filter 1,$(SAN)),,-Wl,-z,defs) -o $@ $(filter %.o,$^)
-include $(shell find $(O)/pic -name '*.d' 2>/dev/null)

# pkg-config files: procmgr.pc for the build tree (headers in include/,
# library in $(O)/lib), and the installed one (mk/install.mk).
# write-pc(prefix,libdir,includedir,file)
write-pc = printf '%s\n' 'prefix=$(1)' 'libdir=$(2)' 'includedir=$(3)' '' 'Name: procmgr' \
  'Description: client library of the procmgr daemon (procmgrd)' \
  'Version: $(PROCMGR_VERSION)' 'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -lprocmgr' > $(4)
$(O)/lib/pkgconfig/procmgr.pc: mk/daemon.mk include/procmgr/version.h
	@mkdir -p $(dir $@)
	$(call write-pc,$(abspath $(O)),$${prefix}/lib,$(abspath include),$@)

# --- procmgrd: one set of sources, two backends ------------------------------
DAEMON_SRCS := src/daemon/procmgrd.c src/daemon/serve.c src/daemon/log.c src/daemon/sysd.c \
               src/shell/unixmsg.c src/shell/stamp.c
DAEMON_OBJS := $(call obj-of,$(DAEMON_SRCS))

$(O)/bin/procmgrd-sim: $(DAEMON_OBJS) $(SIMHOST_LIB) $$(DISPATCH_LIB) $$(SIM_LIB) $(CORE_LIB)
BINS += $(O)/bin/procmgrd-sim

# procmgrd over the Linux backend: only when KLINUX_LIB is defined.  The
# libraries call each other (dispatcher -> backend -> core), so they are
# linked as one group.
$(O)/bin/procmgrd: $(DAEMON_OBJS) $$(DISPATCH_LIB) $$(KLINUX_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(DAEMON_OBJS) -Wl,--start-group $(filter %.a,$^) -Wl,--end-group $(LDLIBS)
all: $$(if $$(KLINUX_LIB),$(O)/bin/procmgrd)

# --- procctl -------------------------------------------------------------------
PROCCTL_SRCS := src/cli/procctl.c src/shell/json.c src/shell/cli.c
$(O)/bin/procctl: $(call obj-of,$(PROCCTL_SRCS)) $(CLIENT_LIB)
BINS += $(O)/bin/procctl

# --- tests ---------------------------------------------------------------------
# Unit tests of the client library: each test plays a fake daemon.
CLIENT_TESTS := $(patsubst tests/unit/%.c,$(O)/tests/%,$(wildcard tests/unit/test_client*.c))
UNIT_TESTS   += $(CLIENT_TESTS)
$(CLIENT_TESTS): $(CLIENT_LIB)
$(O)/tests/test_client_simhost: $(SIMHOST_LIB) $$(SIM_LIB)

# Integration driver: every libprocmgr call against a running daemon.
$(O)/bin/pmclient-test: $(O)/obj/tests/daemon/pmclient_test.o $(CLIENT_LIB)
BINS += $(O)/bin/pmclient-test

.PHONY: check-daemon-sim check-daemon-linux
CHECKS += check-daemon-sim
check-daemon-sim: $(O)/bin/procmgrd-sim $(O)/bin/procctl $(O)/bin/pmclient-test $$(LINUX_PROG_DIR)/asm-hello
	@tests/daemon/run.sh $(O)/bin $(LINUX_PROG_DIR)/asm-hello

# Real processes: only with the Linux backend (a notice otherwise).
CHECKS     += check-daemon-linux
SAN_CHECKS += check-daemon-linux
check-daemon-linux: $$(if $$(KLINUX_LIB),$(O)/bin/procmgrd $(O)/bin/procctl $(O)/bin/pmclient-test \
                      $(O)/bin/pmconcurrent $(O)/bin/mapscmp $$(LINUX_PROGS))
	@if [ -n "$(KLINUX_LIB)" ]; then tests/daemon/linux.sh $(O)/bin $(LINUX_PROG_DIR); \
	 else echo "check-daemon-linux: skipped, no Linux backend (KLINUX_LIB)"; fi
SAN_CHECKS += check-daemon-sim

# Jobs over real processes (spec/lifecycle.md section 3): cgroup kill of a
# double-forking job, freeze, shutdown; the MEMBERS fallback.
.PHONY: check-daemon-jobs
CHECKS     += check-daemon-jobs
SAN_CHECKS += check-daemon-jobs
check-daemon-jobs: $$(if $$(KLINUX_LIB),$(O)/bin/procmgrd $(O)/bin/procctl)
	@if [ -n "$(KLINUX_LIB)" ]; then tests/daemon/jobs.sh $(O)/bin; \
	 else echo "check-daemon-jobs: skipped, no Linux backend (KLINUX_LIB)"; fi

# Hostile clients, faults and hard limits (issue 18; spec/daemon.md
# section 13): a stopped stub, signals to a program's process group, the
# fd limit, per-connection quotas (tests/daemon/hostile.sh).
.PHONY: check-daemon-hostile
CHECKS     += check-daemon-hostile
SAN_CHECKS += check-daemon-hostile
check-daemon-hostile: $$(if $$(KLINUX_LIB),$(O)/bin/procmgrd $(O)/bin/procctl $(O)/bin/pmclient-test)
	@if [ -n "$(KLINUX_LIB)" ]; then tests/daemon/hostile.sh $(O)/bin; \
	 else echo "check-daemon-hostile: skipped, no Linux backend (KLINUX_LIB)"; fi

# Linux fidelity (spec/linux-fidelity.md): 32 concurrent libprocmgr clients
# over real processes, and the maps of a process stopped at its entry by
# procmgr against a kernel execve's.
$(O)/bin/pmconcurrent: $(O)/obj/tests/daemon/pmconcurrent.o $(CLIENT_LIB)
$(O)/bin/mapscmp: $(O)/obj/tests/daemon/mapscmp.o $(CLIENT_LIB)
BINS += $(O)/bin/pmconcurrent $(O)/bin/mapscmp

# procmgrd under a service manager (spec/daemon.md sections 11, 12): socket
# activation (LISTEN_FDS), sd_notify readiness, and its log on stderr, to
# the journal's stream and to syslog (tests/daemon/activation.sh).
.PHONY: check-daemon-activation
CHECKS     += check-daemon-activation
SAN_CHECKS += check-daemon-activation
check-daemon-activation: $$(if $$(KLINUX_LIB),$(O)/bin/procmgrd $(O)/bin/procctl)
	@if [ -n "$(KLINUX_LIB)" ]; then tests/daemon/activation.sh $(O)/bin; \
	 else echo "check-daemon-activation: skipped, no Linux backend (KLINUX_LIB)"; fi

# AT_EXECFN is the path the program was executed by (issue 15): a program
# at a path longer than a process name, found on PATH, run as ./NAME, and
# as a `#!` script's interpreter, each through procctl run against direct
# execution (tests/daemon/execfn.sh).
.PHONY: check-daemon-execfn
CHECKS     += check-daemon-execfn
SAN_CHECKS += check-daemon-execfn
check-daemon-execfn: $$(if $$(KLINUX_LIB),$(O)/bin/procmgrd $(O)/bin/procctl \
                       $$(LINUX_PROG_DIR)/execfn $$(LINUX_PROG_DIR)/execfn-static)
	@if [ -n "$(KLINUX_LIB)" ]; then tests/daemon/execfn.sh $(O)/bin $(LINUX_PROG_DIR); \
	 else echo "check-daemon-execfn: skipped, no Linux backend (KLINUX_LIB)"; fi

# The toolchain matrix (issue 15): C with TLS, C++, musl, Rust where rustc
# exists, linked by GNU ld, gold, lld and mold in each mode, plus patchelf
# rewrites and libc.so.6 as a program; each through procctl run against
# direct execution (tests/daemon/toolchains.sh).
.PHONY: check-toolchains
CHECKS     += check-toolchains
check-toolchains: $$(if $$(KLINUX_LIB),$(O)/bin/procmgrd $(O)/bin/procctl $(O)/bin/elfcheck $(O)/bin/mapscmp)
	@if [ -n "$(KLINUX_LIB)" ]; then tests/daemon/toolchains.sh $(O)/bin; \
	 else echo "check-toolchains: skipped, no Linux backend (KLINUX_LIB)"; fi
