# Fuzzing: one harness source per entry point, fuzz/fuzz_NAME.c, built from
# the same source for libFuzzer, AFL++ (persistent mode through the libFuzzer
# driver, with ASan+UBSan), AFL++ CMPLOG, and a coverage replay binary.
# A harness that needs more than the core lists FUZZ_EXTRA_<NAME> sources.
#
#   make fuzz-smoke                      every harness, both engines, briefly
#   make fuzz FUZZ_SECONDS=N [ENGINE=libfuzzer|afl] [TARGET=name]
#   make fuzz-replay                     checked-in corpus under ASan+UBSan
#   make fuzz-coverage                   llvm-cov report of the corpus

FUZZ_NAMES    := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_O        := $(O)/fuzz
FUZZ_CFLAGS   := -std=c11 -g -O1 -Iinclude -Ispec -Ifuzz -fno-omit-frame-pointer
FUZZ_SRCS      = fuzz/fuzz_$*.c fuzz/check.c $(CORE_SRCS) $(FUZZ_EXTRA_$*)
SMOKE_SECONDS ?= 10
FUZZ_SECONDS  ?= 600
ENGINE        ?= libfuzzer
TARGET        ?= $(FUZZ_NAMES)

$(FUZZ_O)/libfuzzer/%: $$(FUZZ_SRCS) $$(wildcard include/procmgr/*.h fuzz/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -DPM_FUZZ_CUSTOM_MUTATOR -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all -o $@ $(FUZZ_SRCS)

$(FUZZ_O)/afl/%: $$(FUZZ_SRCS) $$(wildcard include/procmgr/*.h fuzz/*.h)
	@mkdir -p $(dir $@)
	AFL_QUIET=1 AFL_USE_ASAN=1 AFL_USE_UBSAN=1 afl-clang-fast $(FUZZ_CFLAGS) \
	  -fsanitize=fuzzer -o $@ $(FUZZ_SRCS)

$(FUZZ_O)/afl-cmplog/%: $$(FUZZ_SRCS) $$(wildcard include/procmgr/*.h fuzz/*.h)
	@mkdir -p $(dir $@)
	AFL_QUIET=1 AFL_LLVM_CMPLOG=1 afl-clang-fast $(FUZZ_CFLAGS) \
	  -fsanitize=fuzzer -o $@ $(FUZZ_SRCS)

$(FUZZ_O)/cov/%: $$(FUZZ_SRCS) fuzz/replay.c $$(wildcard include/procmgr/*.h fuzz/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fprofile-instr-generate -fcoverage-mapping \
	  -o $@ fuzz/replay.c $(FUZZ_SRCS)

# Seed corpora are made by the build from real executables, the test
# programs and the spec's test vectors (fuzz/make-seeds.sh).
$(FUZZ_O)/seeds/%/.done: fuzz/make-seeds.sh $$(wildcard fuzz/gen/%.py)
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	fuzz/make-seeds.sh $* $(dir $@) $(O)
	@touch $@

FUZZ_BINS = $(foreach n,$(FUZZ_NAMES),$(FUZZ_O)/libfuzzer/$(n) $(FUZZ_O)/afl/$(n) \
              $(FUZZ_O)/afl-cmplog/$(n) $(FUZZ_O)/seeds/$(n)/.done)

.PHONY: fuzz fuzz-smoke fuzz-replay fuzz-coverage fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz-replay: $(foreach n,$(FUZZ_NAMES),$(FUZZ_O)/libfuzzer/$(n))
	@fuzz/run.sh replay "$(FUZZ_O)" "$(FUZZ_NAMES)"

fuzz-smoke: fuzz-build
	@fuzz/run.sh smoke "$(FUZZ_O)" "$(FUZZ_NAMES)" $(SMOKE_SECONDS)

fuzz: fuzz-build
	@fuzz/run.sh campaign "$(FUZZ_O)" "$(TARGET)" $(FUZZ_SECONDS) $(ENGINE)

fuzz-coverage: $(foreach n,$(FUZZ_NAMES),$(FUZZ_O)/cov/$(n))
	@fuzz/coverage.sh "$(FUZZ_O)" "$(FUZZ_NAMES)"

# Fold what the last campaign or smoke run found into the checked-in corpus,
# minimized by libFuzzer's merge (keeps only inputs that add coverage).
.PHONY: fuzz-merge
fuzz-merge: $(foreach n,$(FUZZ_NAMES),$(FUZZ_O)/libfuzzer/$(n))
	@fuzz/run.sh merge "$(FUZZ_O)" "$(TARGET)"

# fuzz_core drives the registry and builder APIs, and pm_dispatch_init and
# two launches over the sim (DISPATCH_SRCS and SIM_SRCS come from
# dispatch.mk and sim.mk).
FUZZ_EXTRA_core = $(DISPATCH_SRCS) $(SIM_SRCS) tests/support/elfimg.c

# The sources one harness links besides itself, as the rules above use
# them, for .clusterfuzzlite/build.sh:  make -s fuzz-srcs NAME=dispatch
.PHONY: fuzz-srcs
fuzz-srcs:
	@echo fuzz/check.c $(CORE_SRCS) $(FUZZ_EXTRA_$(NAME))

# fuzz_script launches scripts through the dispatcher over the sim, and
# fuzz_resolve sends RESOLVE through it (besides their pure entry points).
FUZZ_EXTRA_script  = $(DISPATCH_SRCS) $(SIM_SRCS) tests/support/elfimg.c
FUZZ_EXTRA_resolve = $(DISPATCH_SRCS) $(SIM_SRCS) tests/support/elfimg.c
