#!/bin/sh
# run-elfcheck-summary.sh ELFCHECK: `make run`.  Runs elfcheck over every
# executable file under /usr/bin, /usr/sbin and /usr/libexec (as
# tests/elf/check-scan.sh selects them) and prints a summary: counts by
# result, by rejection code, and by kind of accepted executable.
set -u
elfcheck=${1:-build/bin/elfcheck}
out=$(mktemp) || exit 2
trap 'rm -f "$out"' EXIT
dirs=""
for d in /usr/bin /usr/sbin /usr/libexec; do [ -d "$d" ] && dirs="$dirs $d"; done
start=$(date +%s.%N)
# shellcheck disable=SC2086
find $dirs -type f -perm /111 -print0 | xargs -0 -r "$elfcheck" --only-exec > "$out" 2>&1
end=$(date +%s.%N)
echo "elfcheck summary over$dirs ($(wc -l < "$out") files, $(awk "BEGIN { printf \"%.2f\", $end - $start }") s)"
# section TITLE: print the counted lines read on stdin, or "none".
section() {
    echo "$1"
    lines=$(sort | uniq -c)
    if [ -n "$lines" ]; then echo "$lines"; else echo "      none"; fi
}
echo "by result:"
sed -n 's/^.*: \(ok\|rejected\|error\|skipped\)\( type=\|: \).*/\1/p' "$out" | sort | uniq -c
grep ': rejected: ' "$out" | sed 's/.*: rejected: \([0-9]* [A-Z_]*\).*/\1/' |
    section "rejected, by code:"
grep ': skipped: ' "$out" | sed 's/.*: skipped: //' | section "skipped, by reason:"
grep ': error: ' "$out" | sed 's/.*: error: //' | section "could not be checked, by reason:"
grep ': ok type=' "$out" | sed 's/.* type=\([A-Z_]*\) .* interp=\([^ ]*\) .*/\1 interp=\2/' |
    sed 's/interp=-$/static (no interpreter)/' | section "accepted, by kind:"
echo "rejected files:"
grep ': rejected: ' "$out" | sed 's/^/  /'
