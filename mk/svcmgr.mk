# svcmgr (supervisor) and svcctl (its CLI), clients of procmgrd through
# libprocmgr only (spec/svcmgr.md, issue 16).
SVCFILE_OBJ := $(call obj-of,src/svcmgr/svcfile.c)
UNIT_TESTS  += $(O)/tests/test_svcfile
$(O)/tests/test_svcfile: $(SVCFILE_OBJ)

SVCMGR_SRCS := src/svcmgr/svcmgr.c src/svcmgr/svcfile.c src/svcmgr/ctl.c src/shell/stamp.c \
               src/shell/cli.c
$(O)/bin/svcmgr: $(call obj-of,$(SVCMGR_SRCS)) $(CLIENT_LIB)
BINS += $(O)/bin/svcmgr

SVCCTL_SRCS := src/svcmgr/svcctl.c src/svcmgr/ctl.c src/svcmgr/svcfile.c src/shell/json.c \
               src/shell/cli.c
$(O)/bin/svcctl: $(call obj-of,$(SVCCTL_SRCS))
BINS += $(O)/bin/svcctl

# svcmgr and svcctl over a real procmgrd (tests/daemon/svcmgr.sh).
.PHONY: check-svcmgr
CHECKS     += check-svcmgr
check-svcmgr: $$(if $$(KLINUX_LIB),$(O)/bin/procmgrd) $(O)/bin/procctl $(O)/bin/svcmgr $(O)/bin/svcctl
	@if [ -n "$(KLINUX_LIB)" ]; then tests/daemon/svcmgr.sh $(O)/bin; \
	 else echo "check-svcmgr: skipped, no Linux backend (KLINUX_LIB)"; fi
