# svcmgr (supervisor) and svcctl (its CLI), clients of procmgrd through
# libprocmgr only (spec/svcmgr.md, issue 16).
SVCFILE_OBJ := $(call obj-of,src/svcmgr/svcfile.c)
UNIT_TESTS  += $(O)/tests/test_svcfile
$(O)/tests/test_svcfile: $(SVCFILE_OBJ)
