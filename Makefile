# procmgr: top-level build.
#
#   make            build everything into build/ (gcc)
#   make test       install missing deps, build with gcc and clang, run unit
#                   and integration tests, replay them under ASan+UBSan, and
#                   run every proof (the README's test command; CI runs it)
#   make proofs     Frama-C WP + Eva; fails unless every goal is proven and
#                   Eva reports zero alarms
#   make run        the main job (see README)
#   make deps       install missing Debian packages
#
# Variables: O (output dir, default build), CC (default gcc), SAN=1 for an
# ASan+UBSan build.  Components add themselves through mk/*.mk fragments by
# appending to the lists below.

O ?= build
ifeq ($(origin CC),default)
CC := gcc
endif
SAN ?= 0

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wvla -Wformat=2
CSTD     := -std=c11
OPT      ?= -O2 -g
CPPFLAGS := -Iinclude -Ispec -D_FORTIFY_SOURCE=2
CFLAGS   := $(CSTD) $(OPT) $(WARN) -fno-strict-aliasing
LDFLAGS  :=
LDLIBS   :=
ifeq ($(SAN),1)
CFLAGS   += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=address,undefined
CPPFLAGS := $(filter-out -D_FORTIFY_SOURCE=2,$(CPPFLAGS))
endif

# The proven core is freestanding: no libc headers beyond the compiler's own,
# no builtins assumed.  check-freestanding verifies the objects import nothing
# but the four functions GCC itself requires of a freestanding environment.
FREESTANDING_CFLAGS := -ffreestanding -fno-stack-protector
FREESTANDING_DIRS   := src/common src/elf src/proto src/core

# Lists the fragments append to.
LIBS        :=   # static libraries ($(O)/lib/*.a)
BINS        :=   # programs ($(O)/bin/*)
UNIT_TESTS  :=   # cmocka test binaries, run by check-unit
CHECKS      :=   # extra check targets run by `make check` (integration)
SAN_CHECKS  :=   # extra check targets also run in the sanitizer build
PROOFS      :=   # proof targets run by `make proofs`
CORE_OBJS   :=   # objects of freestanding code (checked by check-freestanding)

.PHONY: all test check check-unit check-freestanding proofs run deps deps-run clean \
        test-gcc test-clang test-san test-fuzz test-parts test-proofs
.DEFAULT_GOAL := all

# --- generic rules ---------------------------------------------------------
$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(foreach d,$(FREESTANDING_DIRS),$(eval $(O)/obj/$(d)/%.o: CFLAGS += $(FREESTANDING_CFLAGS)))

# obj-of(sources): object paths for a list of .c files
obj-of = $(patsubst %.c,$(O)/obj/%.o,$(1))

# --- components --------------------------------------------------------------
# Fragments append freestanding sources to CORE_SRCS; they all go into one
# library, libpmcore.a, that every program and test links.
# Fragments are read in name order; a prerequisite that uses a list another
# fragment fills must defer it with $$(...) (secondary expansion).
CORE_SRCS :=
CORE_LIB  := $(O)/lib/libpmcore.a
.SECONDEXPANSION:
include $(sort $(wildcard mk/*.mk))

CORE_OBJS += $(call obj-of,$(CORE_SRCS))
LIBS      += $(CORE_LIB)
$(CORE_LIB): $(call obj-of,$(CORE_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# Unit tests: tests/unit/NAME.c -> $(O)/tests/NAME, linked with cmocka and the
# core; a fragment may add further prerequisites (e.g. the sim library).
$(O)/tests/%: $(O)/obj/tests/unit/%.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) -lcmocka $(LDLIBS)

# Programs: a fragment writes `$(O)/bin/NAME: objects... libraries...` (the
# core library last) and adds $(O)/bin/NAME to BINS.
$(O)/bin/%:
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(LDLIBS)

# Keep objects made through pattern chains.
.SECONDARY:

all: $(LIBS) $(BINS) $(UNIT_TESTS)

check-unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

check-freestanding: $(CORE_OBJS)
	@tools/check-freestanding.sh $(CORE_OBJS)

check: all check-unit check-freestanding $(CHECKS)

# The longest proof first, so that under -j it is not the one left running
# alone at the end.
proofs: $(filter proof-proto,$(PROOFS)) $(filter-out proof-proto,$(PROOFS))

# The README's test command.  The parts use separate output directories
# and share two job slots (make's jobserver), proofs included: the proofs
# are most of the CPU time, and Frama-C is single-threaded between prover
# calls, so they fill what the tests leave idle.  Each WP goal's 20 s
# timeout is four times the slowest goal's time on an idle machine.
# --output-sync keeps each target's log together.  The proofs are listed
# first: they are the long pole (WP of core, elf and proto took 621, 643
# and about 800 s in a clean-clone run, 2026-12-03), so they start at once
# and the tests fill the other slot.
test: deps
	$(MAKE) --output-sync=target -j2 test-parts
	@echo "make test: all passed"
test-parts: test-proofs test-gcc test-clang test-san test-fuzz
test-proofs:
	$(MAKE) proofs

test-gcc:
	$(MAKE) O=build/gcc CC=gcc check
test-clang:
	$(MAKE) O=build/clang CC=clang all check-unit
test-san:
	$(MAKE) O=build/san CC=clang SAN=1 check-unit $(SAN_CHECKS)
# The checked-in corpus under ASan+UBSan, then every harness on both engines.
test-fuzz:
	$(MAKE) O=build/fuzz fuzz-replay fuzz-smoke

deps:
	@tools/deps.sh
deps-run:
	@tools/deps.sh --run

clean:
	rm -rf build

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
