#!/bin/sh
# check-scan.sh ELFCHECK [EXTRA_FILE...]
# Every ELF executable of the machine must pass the validator, unless a
# documented policy rule rejects it.
#
# What is scanned: regular files with an execute bit under /usr/bin, /usr/sbin
# and /usr/libexec (symlinks are not followed by find; their targets are
# scanned where they live), plus the EXTRA_FILEs (the test programs, which
# must all be accepted).  elfcheck --only-exec skips, without judging them:
#   - files without the ELF magic (scripts),
#   - ELF files whose e_type is neither ET_EXEC nor ET_DYN,
#   - ET_DYN files with e_entry 0: shared libraries that happen to be
#     executable (e.g. valgrind's vgpreload_*.so, coreutils' libstdbuf.so).
#     An ET_DYN with an entry point is a PIE or a runnable library (ld.so) and
#     is judged.
#
# Allowed rejections: rules that are deliberate policy, not well-formedness:
#   103 ELF_CLASS      32-bit executables (procmgr loads ELF64 only; e.g.
#                      valgrind's *-x86-linux tools)
#   111 ELF_MACHINE    executables for another architecture
#   125 ELF_WX         a writable and executable segment (W^X policy)
#   135 ELF_STACK_EXEC an executable stack requested (W^X policy)
# Any other code on a real executable means the validator is stricter than
# the platform for no documented reason: FAIL.
set -u
elfcheck=$1; shift
allowed="103 111 125 135"
dirs=""
for d in /usr/bin /usr/sbin /usr/libexec; do [ -d "$d" ] && dirs="$dirs $d"; done
out=$(mktemp) || exit 2
trap 'rm -f "$out"' EXIT

# shellcheck disable=SC2086
{ find $dirs -type f -perm /111 -print0 | xargs -0 -r "$elfcheck" --only-exec
  "$elfcheck" "$@"; } > "$out" 2>&1

fail=0
total=$(wc -l < "$out")
ok=$(grep -c ': ok type=' "$out")
skipped=$(grep -c ': skipped: ' "$out")
errors=$(grep -c ': error: ' "$out")
rejected=$(grep -c ': rejected: ' "$out")
echo "scan: $total files: $((total - skipped)) judged, $ok accepted, $rejected rejected, $errors errors, $skipped skipped"
grep ': skipped: ' "$out" | sed 's/.*: skipped: /skipped: /' | sort | uniq -c
grep ': rejected: ' "$out" | sed 's/.*: rejected: \([0-9]* [A-Z_]*\).*/rejected: \1/' | sort | uniq -c
# shellcheck disable=SC2013  # codes are single words
for code in $(grep ': rejected: ' "$out" | sed 's/.*: rejected: \([0-9]*\) .*/\1/' | sort -u); do
    case " $allowed " in
        *" $code "*) ;;
        *) echo "FAIL: rejected by code $code, which is not an allowed policy rejection:"
           grep ": rejected: $code " "$out" | sed 's/^/    /'; fail=1 ;;
    esac
done
# Unreadable files (not running as root) are reported, not judged; any
# other error is a failure.
grep ': error: cannot open: Permission denied' "$out" | sed 's/^/  not readable: /'
if grep ': error: ' "$out" | grep -qv ': error: cannot open: Permission denied'; then
    echo "FAIL: files that could not be checked:"
    grep ': error: ' "$out" | grep -v ': error: cannot open: Permission denied'; fail=1
fi
for f in "$@"; do
    if ! grep -qF "$f: ok type=" "$out"; then
        echo "FAIL: test program not accepted: $(grep -F "$f:" "$out")"; fail=1
    fi
done
[ "$ok" -gt 0 ] || { echo "FAIL: nothing accepted"; fail=1; }
# Every interpreter named by an accepted executable passes in the
# interpreter role (ET_DYN, no PT_INTERP of its own).
# shellcheck disable=SC2013  # elfcheck output: one interpreter path per word
for i in $(sed -n 's/.*: ok type=.* interp=\([^ ]*\) .*/\1/p' "$out" | sort -u); do
    [ "$i" = "-" ] && continue
    line=$("$elfcheck" --interp "$i")
    echo "interpreter: $line"
    case $line in *": ok type=ET_DYN "*) ;; *) echo "FAIL: interpreter $i"; fail=1 ;; esac
done
[ "$fail" -eq 0 ] && echo "check-elf-scan: passed"
exit $fail
