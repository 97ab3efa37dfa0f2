# elfcheck (src/cli/elfcheck*.c), the ELF validator's tests and checks:
#   test_elf_rules        unit test, one case per PM_E_ELF_* code (cmocka)
#   check-elf-progs       the test programs (glibc static / static-pie / PIE /
#                         non-PIE, musl static, no-libc asm) run and are accepted
#   check-elf-crafted     one crafted file per reason code + CLI edge cases
#   check-elf-scan        every executable under /usr/bin /usr/sbin /usr/libexec
#   check-elf-kdiff       validator-accepted mutants must be execve-accepted
#   run                   elfcheck summary over the system's executables
# Test support code (tests/support, tests/elf) is hosted and not in the core.

ELFCHECK          := $(O)/bin/elfcheck
ELFCHECK_OBJS     := $(call obj-of,src/cli/elfcheck.c src/cli/elfcheck_read.c src/shell/json.c)
ELF_TEST_SUPPORT  := $(call obj-of,tests/support/elfimg.c tests/elf/crafts.c)
ELF_PROG_DIR      := $(O)/tests/elf/progs
ELF_PROGS         := $(addprefix $(ELF_PROG_DIR)/,hello-static hello-static-pie \
                       hello-pie hello-nopie hello-musl hello-nolibc)

BINS       += $(ELFCHECK)
UNIT_TESTS += $(O)/tests/test_elf_rules

$(ELFCHECK): $(ELFCHECK_OBJS) $(CORE_LIB)
$(O)/tests/test_elf_rules: $(ELF_TEST_SUPPORT)

$(O)/tests/elf/gen_crafted: $(call obj-of,tests/elf/gen_crafted.c) $(ELF_TEST_SUPPORT) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(LDLIBS)

$(O)/tests/elf/kdiff: $(call obj-of,tests/elf/kdiff.c src/cli/elfcheck_read.c) \
                      $(call obj-of,tests/support/elfimg.c) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(LDLIBS)

# Test programs: fixed inputs, always built with gcc (or musl-gcc) and no
# sanitizer, whatever CC and SAN say.
ELF_PROG_CFLAGS := -O2 -g0 -w
$(ELF_PROG_DIR)/hello-static: tests/elf/progs/hello.c
	@mkdir -p $(dir $@)
	gcc $(ELF_PROG_CFLAGS) -static -o $@ $<
$(ELF_PROG_DIR)/hello-static-pie: tests/elf/progs/hello.c
	@mkdir -p $(dir $@)
	gcc $(ELF_PROG_CFLAGS) -fPIE -static-pie -o $@ $<
$(ELF_PROG_DIR)/hello-pie: tests/elf/progs/hello.c
	@mkdir -p $(dir $@)
	gcc $(ELF_PROG_CFLAGS) -fPIE -pie -o $@ $<
$(ELF_PROG_DIR)/hello-nopie: tests/elf/progs/hello.c
	@mkdir -p $(dir $@)
	gcc $(ELF_PROG_CFLAGS) -fno-PIE -no-pie -o $@ $<
$(ELF_PROG_DIR)/hello-musl: tests/elf/progs/hello.c
	@mkdir -p $(dir $@)
	musl-gcc $(ELF_PROG_CFLAGS) -static -o $@ $<
$(ELF_PROG_DIR)/hello-nolibc: tests/elf/progs/hello_nolibc.S
	@mkdir -p $(dir $@)
	gcc -nostdlib -static -o $@ $<

ELF_CHECKS := check-elf-progs check-elf-crafted check-elf-scan check-elf-kdiff
CHECKS     += $(ELF_CHECKS)
SAN_CHECKS += $(ELF_CHECKS)
.PHONY: $(ELF_CHECKS) elf-progs

elf-progs: $(ELF_PROGS)

check-elf-progs: $(ELFCHECK) $(ELF_PROGS)
	@tests/elf/check-progs.sh $(ELFCHECK) $(ELF_PROGS)

check-elf-crafted: $(ELFCHECK) $(O)/tests/elf/gen_crafted
	@tests/elf/check-crafted.sh $(ELFCHECK) $(O)/tests/elf/gen_crafted $(O)/tests/elf/crafted

check-elf-scan: $(ELFCHECK) $(ELF_PROGS)
	@tests/elf/check-scan.sh $(ELFCHECK) $(ELF_PROGS)

# Mutants of toolchain outputs too (issue 15): lld (page-rounded RELRO)
# and patchelf (PT_INTERP after the loads), where installed.
KDIFF_TC_PROGS := $(if $(shell command -v ld.lld),$(addprefix $(ELF_PROG_DIR)/,hello-lld-pie hello-lld-static)) \
                  $(if $(shell command -v patchelf),$(ELF_PROG_DIR)/hello-patchelf)
$(ELF_PROG_DIR)/hello-lld-pie: tests/elf/progs/hello.c
	@mkdir -p $(dir $@)
	gcc $(ELF_PROG_CFLAGS) -fuse-ld=lld -pie -fPIE -o $@ $<
$(ELF_PROG_DIR)/hello-lld-static: tests/elf/progs/hello.c
	@mkdir -p $(dir $@)
	gcc $(ELF_PROG_CFLAGS) -fuse-ld=lld -static -o $@ $<
$(ELF_PROG_DIR)/hello-patchelf: $(ELF_PROG_DIR)/hello-pie
	cp $< $@ && patchelf --set-rpath /opt/nowhere/lib $@
check-elf-kdiff: $(O)/tests/elf/kdiff $(ELF_PROGS) $(KDIFF_TC_PROGS)
	@tests/elf/check-kdiff.sh $(O)/tests/elf/kdiff $(O)/tests/elf/kdiff-work $(ELF_PROGS) $(KDIFF_TC_PROGS)


# `make run` (declared phony by the top-level Makefile): build everything,
# print the elfcheck summary of the machine's executables (what the
# validator makes of them), then run procmgrd in the foreground on its
# default socket with an example procctl command.
# `make run` needs only a compiler: it installs that light set (tools/deps.sh
# --run) and builds the programs, not the cmocka unit tests.
run: deps-run $$(LIBS) $$(BINS) $(O)/bin/procmgrd
	@tools/run-elfcheck-summary.sh $(ELFCHECK)
	@echo
	@tools/run-daemon.sh $(O)/bin
