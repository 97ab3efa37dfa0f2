#!/bin/sh
# check-kdiff.sh KDIFF WORKDIR PROG...: the kernel-differential test
# (tests/elf/kdiff.c) over the test programs plus a few small system
# executables, including ld.so run as a program.  Bounded: 8000 mutants or
# 50 s, whichever comes first; fixed seed.
set -u
kdiff=$1 work=$2; shift 2
rm -rf "$work" && mkdir -p "$work" || exit 2
sys=""
for f in /usr/bin/true /usr/bin/env /usr/bin/sleep /lib64/ld-linux-x86-64.so.2; do
    [ -f "$f" ] && sys="$sys $f"
done
# First show the differential can fail: planted disagreements (EM_AARCH64
# allowed by the policy, refused by this kernel) must all be caught.
# shellcheck disable=SC2086
out=$("$kdiff" --self-test "$work" "$@" $sys) || { echo "$out"; echo "FAIL: kdiff self-test"; exit 1; }
echo "$out" | tail -1
# shellcheck disable=SC2086
"$kdiff" --seed 0x5eed2026 --mutants "${KDIFF_MUTANTS:-8000}" --time-limit 50 \
    "$work" "$@" $sys
rc=$?
[ "$rc" -eq 0 ] && echo "check-elf-kdiff: passed" && rm -rf "$work"
exit $rc
