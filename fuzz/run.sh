#!/usr/bin/env bash
# Drives the fuzz engines.  Modes:
#   run.sh replay   FUZZ_O "NAMES"                  checked-in corpus, ASan+UBSan
#   run.sh smoke    FUZZ_O "NAMES" SECONDS          both engines briefly; fails on any finding
#   run.sh campaign FUZZ_O "NAMES" SECONDS ENGINE   long run on all cores
#   run.sh merge    FUZZ_O "NAMES"                  minimize campaign finds into fuzz/corpus
set -uo pipefail
mode=$1; fo=$2; names=$3; secs=${4:-10}; engine=${5:-libfuzzer}
cores=$(nproc)
fail=0
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
       AFL_QUIET=1 AFL_NO_AFFINITY=1 AFL_FAST_CAL=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

dict_arg() { [ -f "fuzz/dict/$1.dict" ] && echo "$2fuzz/dict/$1.dict"; }

lf_run() {   # name workdir seconds jobs
  local n=$1 w=$2 s=$3 jobs=$4
  mkdir -p "$w/corpus" "$w/artifacts"
  local extra=()
  [ "$jobs" -gt 1 ] && extra=(-fork="$jobs" -ignore_crashes=0)
  "$fo/libfuzzer/$n" "$w/corpus" "$fo/seeds/$n" -max_total_time="$s" -timeout=10 \
      -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
      -artifact_prefix="$w/artifacts/" $(dict_arg "$n" -dict=) "${extra[@]}" \
      >"$w/libfuzzer.log" 2>&1
  local rc=$?
  local eps=$(grep -E 'stat::average_exec_per_sec' "$w/libfuzzer.log" | awk '{s+=$2} END{print s+0}')
  local runs=$(grep -E 'stat::number_of_executed_units' "$w/libfuzzer.log" | awk '{s+=$2} END{print s+0}')
  local found=$(ls "$w/artifacts" 2>/dev/null | wc -l)
  if [ $rc -ne 0 ] || [ "$found" -ne 0 ]; then
    echo "fuzz $n libfuzzer: FAILED (rc=$rc, $found artifacts in $w/artifacts); log $w/libfuzzer.log" >&2
    grep -E 'ERROR|SUMMARY|postcondition|runtime error' "$w/libfuzzer.log" | head -10 >&2
    return 1
  fi
  echo "fuzz $n libfuzzer: ${s}s, $runs execs, ${eps} exec/s, corpus $(ls "$w/corpus" | wc -l), 0 crashes"
}

afl_run() {  # name workdir seconds instances
  local n=$1 w=$2 s=$3 inst=$4
  rm -rf "$w/out"; mkdir -p "$w"
  local dict=(); [ -f "fuzz/dict/$n.dict" ] && dict=(-x "fuzz/dict/$n.dict")
  local pids=() i
  # AFL++ insists on its own sanitizer settings (symbolize=0, abort_on_error).
  local asan=abort_on_error=1:detect_leaks=1:symbolize=0
  for ((i = 0; i < inst; i++)); do
    local role=(-S "s$i") opts=()
    [ $i -eq 0 ] && role=(-M main)
    case $((i % 4)) in             # vary the secondaries
      0) opts=(-c "$fo/afl-cmplog/$n") ;;
      1) opts=(-p explore) ;;
      2) opts=(-p exploit -L 0) ;;
      3) opts=(-p rare) ;;
    esac
    ASAN_OPTIONS=$asan afl-fuzz "${role[@]}" "${opts[@]}" -V "$s" -t 2000 -m none -i "$fo/seeds/$n" \
        -o "$w/out" "${dict[@]}" -- "$fo/afl/$n" >"$w/afl-$i.log" 2>&1 &
    pids+=($!)
  done
  local rc=0
  for p in "${pids[@]}"; do wait "$p" || rc=$?; done
  local crashes=$(find "$w/out" -path '*/crashes/id*' 2>/dev/null | wc -l)
  local hangs=$(find "$w/out" -path '*/hangs/id*' 2>/dev/null | wc -l)
  local eps=$(cat "$w"/out/*/fuzzer_stats 2>/dev/null | awk -F: '/^execs_per_sec/{s+=$2} END{print s+0}')
  local execs=$(cat "$w"/out/*/fuzzer_stats 2>/dev/null | awk -F: '/^execs_done/{s+=$2} END{print s+0}')
  if [ $rc -ne 0 ] || [ "$crashes" -ne 0 ] || [ "$hangs" -ne 0 ] || [ "$execs" -eq 0 ]; then
    echo "fuzz $n afl++: FAILED (rc=$rc, crashes=$crashes, hangs=$hangs, execs=$execs); logs in $w" >&2
    tail -5 "$w/afl-0.log" >&2
    return 1
  fi
  echo "fuzz $n afl++: ${s}s x $inst, $execs execs, ${eps} exec/s, 0 crashes, 0 hangs"
}

for n in $names; do
  case $mode in
    replay)
      if [ -d "fuzz/corpus/$n" ] && [ -n "$(ls -A "fuzz/corpus/$n")" ]; then
        if "$fo/libfuzzer/$n" -runs=0 "fuzz/corpus/$n" >"$fo/replay-$n.log" 2>&1; then
          echo "replay $n: $(ls "fuzz/corpus/$n" | wc -l) inputs, ASan+UBSan clean"
        else
          echo "replay $n: FAILED; log $fo/replay-$n.log" >&2; tail -20 "$fo/replay-$n.log" >&2; fail=1
        fi
      else
        echo "replay $n: FAILED: no checked-in corpus in fuzz/corpus/$n" >&2; fail=1
      fi ;;
    smoke)
      lf_run "$n" "$fo/smoke/$n" "$secs" 1 || fail=1
      afl_run "$n" "$fo/smoke/$n" "$secs" 1 || fail=1 ;;
    campaign)
      if [ "$engine" = afl ]; then afl_run "$n" "$fo/campaign/$n" "$secs" "$cores" || fail=1
      else lf_run "$n" "$fo/campaign/$n" "$secs" "$cores" || fail=1; fi ;;
    merge)
      mkdir -p "fuzz/corpus/$n"
      src=()
      for d in "$fo/seeds/$n" "$fo/campaign/$n/corpus" "$fo/smoke/$n/corpus"; do [ -d "$d" ] && src+=("$d"); done
      for d in "$fo"/campaign/"$n"/out/*/queue; do [ -d "$d" ] && src+=("$d"); done
      "$fo/libfuzzer/$n" -merge=1 "fuzz/corpus/$n" "${src[@]}" >"$fo/merge-$n.log" 2>&1 || fail=1
      echo "merge $n: fuzz/corpus/$n now $(ls "fuzz/corpus/$n" | wc -l) inputs" ;;
  esac
done
exit $fail
