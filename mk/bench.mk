# Benchmarks (issue: speed against the anchors).  Not part of `make test`:
# speed lives here, never in test assertions.
.PHONY: bench bench-elf
BENCH_ELF := $(O)/bench/bench_elf

$(O)/bench/%.o: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BENCH_ELF): $(O)/bench/bench_elf.o $$(call obj-of,$$(ELF_SRCS) src/common/status.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lelf

bench-elf: $(BENCH_ELF)
	@bench/run-elf.sh $(BENCH_ELF) $(O)

bench: bench-elf
