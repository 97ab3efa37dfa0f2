# Benchmarks (issue: speed against the anchors).  Not part of `make test`:
# speed lives here, never in test assertions.  `make bench` builds what it
# needs (procmgrd with the Linux backend, libprocmgr, the test programs)
# and prints one table (bench/run.sh); the raw outputs stay in $(O)/bench.
.PHONY: bench bench-elf bench-spawn bench-kcreate
BENCH_ELF   := $(O)/bench/bench_elf
BENCH_SPAWN := $(O)/bench/bench_spawn
# Latency samples per program and method; spawns per throughput run.
BENCH_ITERS ?= 1000
BENCH_TPUT  ?= 1600
# Stub pool of the measured daemon (PROCMGR_STUB_POOL; the other runs with 0).
BENCH_POOL  ?= 4

$(O)/bench/%.o: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BENCH_ELF): $(O)/bench/bench_elf.o $$(call obj-of,$$(ELF_SRCS) src/common/status.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lelf

# The procmgr column needs libprocmgr; the anchors-only variant
# (bench_spawn_none.c) stays buildable without it.
$(BENCH_SPAWN): $(O)/bench/bench_spawn.o $(O)/bench/bench_spawn_procmgr.o $$(CLIENT_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

$(O)/bench/bench_spawn_anchors: $(O)/bench/bench_spawn.o $(O)/bench/bench_spawn_none.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

# The backend alone: pm_k_as_create with and without the stub pool.
BENCH_KCREATE := $(O)/bench/bench_kcreate
$(BENCH_KCREATE): $(O)/bench/bench_kcreate.o $$(KLINUX_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(O)/bench/bench_kcreate.o -Wl,--start-group \
	  $(filter %.a,$^) -Wl,--end-group -lpthread

BENCH_SPAWN_ARGS = --procmgrd $(O)/bin/procmgrd --pool $(BENCH_POOL) --iters $(BENCH_ITERS) \
	  --tput $(BENCH_TPUT) $(ELF_PROG_DIR)/hello-nolibc \
	  $(ELF_PROG_DIR)/hello-static $(ELF_PROG_DIR)/hello-pie

# Two trees compared block by block (bench/ab.sh): this tree's daemon and
# client library, through spawn_loop.
$(O)/bench/spawn_loop: $(O)/bench/spawn_loop.o $$(CLIENT_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^
.PHONY: bench-ab-tools
bench-ab-tools: $(O)/bench/spawn_loop $(O)/bin/procmgrd $$(ELF_PROGS)

bench-elf: $(BENCH_ELF) $$(ELF_PROGS)
	@bench/run-elf.sh $(BENCH_ELF) $(O)

bench-spawn: $(BENCH_SPAWN) $(O)/bin/procmgrd $$(ELF_PROGS)
	$(BENCH_SPAWN) $(BENCH_SPAWN_ARGS)

bench-kcreate: $(BENCH_KCREATE)
	$(BENCH_KCREATE) --pool $(BENCH_POOL)

bench: $(BENCH_ELF) $(BENCH_SPAWN) $(BENCH_KCREATE) $(O)/bin/procmgrd $$(ELF_PROGS)
	@BENCH_POOL=$(BENCH_POOL) bench/run.sh $(O) $(BENCH_SPAWN_ARGS)
