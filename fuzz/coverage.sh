#!/usr/bin/env bash
# Region and branch coverage of src/elf, src/proto and src/core by the
# checked-in corpus: fuzz/coverage.sh FUZZ_O "NAMES"
# Prints a per-directory summary and writes an HTML report to FUZZ_O/coverage.
set -euo pipefail
fo=$1; names=$2
prof=$fo/coverage/profraw; rm -rf "$fo/coverage"; mkdir -p "$prof"
objs=()
for n in $names; do
  [ -d "fuzz/corpus/$n" ] || continue
  LLVM_PROFILE_FILE="$prof/$n.profraw" "$fo/cov/$n" "fuzz/corpus/$n" 2>/dev/null
  objs+=("$fo/cov/$n")
done
llvm-profdata merge -sparse "$prof"/*.profraw -o "$fo/coverage/all.profdata"
args=("${objs[0]}"); for o in "${objs[@]:1}"; do args+=(-object "$o"); done
srcs=$(ls src/elf/*.c src/proto/*.c src/core/*.c 2>/dev/null)
llvm-cov report "${args[@]}" -instr-profile="$fo/coverage/all.profdata" \
    -show-region-summary -show-branch-summary $srcs > "$fo/coverage/report.txt"
llvm-cov show "${args[@]}" -instr-profile="$fo/coverage/all.profdata" \
    -format=html -show-branches=count -output-dir="$fo/coverage/html" $srcs
# Sum regions and branches per directory from the per-file rows:
# Filename Regions Missed Cover Functions Missed Cover Lines Missed Cover Branches Missed Cover
# (llvm-cov strips the common "src/" prefix from the file names.)
awk '$1 ~ /^(src\/)?(elf|proto|core)\// {
       sub(/^src\//, "", $1); split($1, p, "/"); d = "src/" p[1];
       R[d] += $2; RM[d] += $3; B[d] += $11; BM[d] += $12 }
     END { for (d in R) printf "coverage %-10s regions %6.2f%% (%d/%d)  branches %6.2f%% (%d/%d)\n", d,
             R[d] ? 100 * (R[d] - RM[d]) / R[d] : 0, R[d] - RM[d], R[d],
             B[d] ? 100 * (B[d] - BM[d]) / B[d] : 0, B[d] - BM[d], B[d] }' \
    "$fo/coverage/report.txt" | sort
echo "coverage: full table $fo/coverage/report.txt, HTML $fo/coverage/html/index.html"
