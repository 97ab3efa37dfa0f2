# Benchmarks (issue: speed against the anchors).  Not part of `make test`:
# speed lives here, never in test assertions.
.PHONY: bench bench-elf bench-spawn
BENCH_ELF   := $(O)/bench/bench_elf
BENCH_SPAWN := $(O)/bench/bench_spawn

$(O)/bench/%.o: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BENCH_ELF): $(O)/bench/bench_elf.o $$(call obj-of,$$(ELF_SRCS) src/common/status.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lelf

$(BENCH_SPAWN): $(O)/bench/bench_spawn.o $(O)/bench/bench_spawn_none.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

bench-elf: $(BENCH_ELF)
	@bench/run-elf.sh $(BENCH_ELF) $(O)

bench-spawn: $(BENCH_SPAWN) $$(ELF_PROGS)
	$(BENCH_SPAWN) $(ELF_PROG_DIR)/hello-nolibc $(ELF_PROG_DIR)/hello-static \
	  $(ELF_PROG_DIR)/hello-pie

bench: bench-elf bench-spawn
