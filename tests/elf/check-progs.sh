#!/bin/sh
# check-progs.sh ELFCHECK PROG...: every test program runs (prints "hello",
# exits 0) and elfcheck accepts it with the expected type and interpreter.
set -u
elfcheck=$1; shift
fail=0
for p in "$@"; do
    out=$("$p" 2>&1); rc=$?
    if [ "$rc" -ne 0 ] || [ "$out" != hello ]; then
        echo "FAIL: $p did not run: rc=$rc output='$out'"; fail=1
    fi
    case ${p##*/} in
        hello-static|hello-musl|hello-nolibc) want='type=ET_EXEC .* interp=- ' ;;
        hello-static-pie)                     want='type=ET_DYN .* interp=- ' ;;
        hello-pie)    want='type=ET_DYN .* interp=/lib64/ld-linux-x86-64.so.2 ' ;;
        hello-nopie)  want='type=ET_EXEC .* interp=/lib64/ld-linux-x86-64.so.2 ' ;;
        *)            want='' ;;
    esac
    line=$("$elfcheck" "$p"); rc=$?
    echo "$line"
    if [ "$rc" -ne 0 ] || ! printf '%s\n' "$line" | grep -q ": ok .*${want}"; then
        echo "FAIL: $p: elfcheck rc=$rc, expected ok with /$want/"; fail=1
    fi
done
[ "$fail" -eq 0 ] && echo "check-elf-progs: $# programs run and accepted"
exit $fail
