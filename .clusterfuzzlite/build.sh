#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: one fuzzer per fuzz/fuzz_NAME.c, linked
# with $LIB_FUZZING_ENGINE, plus its dictionary and seed corpus.
cd "$SRC/procmgr"
core_srcs=$(ls src/common/*.c src/elf/*.c src/proto/*.c src/core/*.c 2>/dev/null)
for h in fuzz/fuzz_*.c; do
  name=$(basename "$h" .c | sed 's/^fuzz_//')
  extra_var=$(sed -n "s/^FUZZ_EXTRA_$name *[:+]*= *//p" mk/*.mk | head -n1)
  $CC $CFLAGS -std=c11 -Iinclude -Ispec -Ifuzz -c "$h" -o "$WORK/$name.o"
  objs=("$WORK/$name.o")
  for s in fuzz/check.c $core_srcs $extra_var; do
    o="$WORK/$name-$(echo "$s" | tr / _).o"
    $CC $CFLAGS -std=c11 -Iinclude -Ispec -Ifuzz -c "$s" -o "$o"
    objs+=("$o")
  done
  $CXX $CXXFLAGS "${objs[@]}" $LIB_FUZZING_ENGINE -o "$OUT/procmgr_$name"
  [ -f "fuzz/dict/$name.dict" ] && cp "fuzz/dict/$name.dict" "$OUT/procmgr_$name.dict"
  if [ -d "fuzz/corpus/$name" ]; then
    (cd "fuzz/corpus/$name" && zip -q -r "$OUT/procmgr_${name}_seed_corpus.zip" .)
  fi
done
