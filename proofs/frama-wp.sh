#!/usr/bin/env bash
# Runs Frama-C WP with procmgr's fixed proof options and fails unless every
# goal is proven.  Frama-C itself exits 0 with unproven goals, so the result
# line "[wp] Proved goals: N / M" is parsed and N must equal M (M > 0).
#
#   proofs/frama-wp.sh NAME LOGDIR -- FRAMA-C ARGS (sources, -wp-fct, ...)
#
# The options below are not for a caller to weaken: RTE guards plus every
# overflow and downcast warning, provers z3 and cvc4 (alt-ergo is not
# packaged; cvc5 1.0.3 is unknown to why3 1.5.1).  WP_TIMEOUT may be raised;
# WP_PAR (default: the number of CPUs) sets how many provers run at once.
set -uo pipefail
name=$1; logdir=$2; shift 2; [ "${1:-}" = "--" ] && shift
mkdir -p "$logdir"
log="$logdir/$name.wp.log"
par=${WP_PAR:-$(nproc)}
start=$(date +%s)
frama-c -no-autoload-plugins -load-module wp \
  -machdep x86_64 -c11 \
  -warn-signed-overflow -warn-unsigned-overflow \
  -warn-signed-downcast -warn-unsigned-downcast \
  -wp -wp-rte -wp-prover z3,cvc4 -wp-par "$par" \
  -wp-timeout "${WP_TIMEOUT:-20}" -wp-steps 0 \
  -wp-no-print -wp-msg-key shell \
  "$@" >"$log" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))
line=$(grep -E '^\[wp\] Proved goals:' "$log" | tail -n 1)
proved=$(sed -E 's/.*Proved goals: *([0-9]+) *\/ *([0-9]+).*/\1/' <<<"$line")
total=$(sed -E 's/.*Proved goals: *([0-9]+) *\/ *([0-9]+).*/\2/' <<<"$line")
if [ $rc -ne 0 ] || [ -z "$line" ] || [ "${total:-0}" -eq 0 ] || [ "$proved" != "$total" ]; then
  echo "proof $name: FAILED (frama-c rc=$rc, ${line:-no result line}) in ${secs}s; log: $log" >&2
  grep -E 'Warning|Error|Unknown|Timeout|Failed' "$log" | grep -v 'No .assigns. specification' | head -40 >&2
  exit 1
fi
echo "proof $name: WP proved $proved / $total goals (100%) in ${secs}s"
