# Dispatcher of the service core (spec/dispatch.md): request -> action ->
# reply over the kernel interface.  Freestanding (src/core), but kept out of
# CORE_SRCS because it calls pm_k_*: a program links it with one backend
# (the sim here, Linux later).  Its own library, checked by
# check-freestanding like the rest of the core.
DISPATCH_SRCS := src/core/dispatch.c src/core/launch.c src/core/job.c
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
