# kcheck: the construction checks shared by both backends and the Linux
# backend's region list (include/procmgr/kcheck.h).  Freestanding; linked
# into libpmsim (SIM_SRCS) and libpmklinux (KLINUX_OBJS); proven with WP.
KCHECK_SRCS := src/kernel/common/kcheck.c
$(O)/obj/src/kernel/common/%.o: CFLAGS += $(FREESTANDING_CFLAGS)

PROOFS += proof-kcheck
.PHONY: proof-kcheck
proof-kcheck:
	@proofs/frama-wp.sh kcheck $(O)/proofs/kcheck -- \
	  -cpp-extra-args="-Iinclude -Ispec" $(KCHECK_SRCS)
