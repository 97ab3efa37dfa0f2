#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: one fuzzer per fuzz/fuzz_NAME.c, linked
# with $LIB_FUZZING_ENGINE, plus its dictionary and seed corpus (the
# checked-in corpus and the crafted inputs of fuzz/gen/NAME.py).  The
# sources each harness links come from make (mk/fuzz.mk, `fuzz-srcs`), so
# this script and `make fuzz` build the same programs.
cd "$SRC/procmgr"
for h in fuzz/fuzz_*.c; do
  name=$(basename "$h" .c | sed 's/^fuzz_//')
  srcs=$(make -s fuzz-srcs NAME="$name")
  $CC $CFLAGS -std=c11 -Iinclude -Ispec -Ifuzz -c "$h" -o "$WORK/$name.o"
  objs=("$WORK/$name.o")
  for s in $srcs; do
    o="$WORK/$name-$(echo "$s" | tr / _).o"
    $CC $CFLAGS -std=c11 -Iinclude -Ispec -Ifuzz -c "$s" -o "$o"
    objs+=("$o")
  done
  $CXX $CXXFLAGS "${objs[@]}" $LIB_FUZZING_ENGINE -o "$OUT/procmgr_$name"
  [ -f "fuzz/dict/$name.dict" ] && cp "fuzz/dict/$name.dict" "$OUT/procmgr_$name.dict"
  seeds="$WORK/seeds-$name"
  rm -rf "$seeds" && mkdir -p "$seeds"
  [ -d "fuzz/corpus/$name" ] && cp fuzz/corpus/"$name"/* "$seeds/" 2>/dev/null || true
  [ -f "fuzz/gen/$name.py" ] && python3 "fuzz/gen/$name.py" "$seeds"
  if [ -n "$(ls -A "$seeds")" ]; then
    (cd "$seeds" && zip -q -r "$OUT/procmgr_${name}_seed_corpus.zip" .)
  fi
done
