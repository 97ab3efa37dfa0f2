#!/bin/sh
# AT_EXECFN through procmgrd over the Linux backend (issue 15,
# spec/linux-fidelity.md section 3): what a program sees of the path it was
# executed by (getauxval(AT_EXECFN), argv[0], comm) through `procctl run`
# equals what it sees when executed directly, for
#   - a program at a path longer than a process name (32 bytes), dynamic
#     and static, by its absolute path;
#   - the same program as ./NAME from its directory;
#   - the same program found on PATH (the resolved path, as a shell gives
#     execve);
#   - a `#!` script at a long path whose interpreter is that program
#     (AT_EXECFN is the script's path).
#
#   tests/daemon/execfn.sh BINDIR PROGDIR
#
# No timing assertion: waits are on the daemon's ready line.
set -u
BIN=$(cd "$1" && pwd)
PROGS=$(cd "$2" && pwd)      # execfn, execfn-static (mk/linux.mk)
. "$(dirname "$0")/lib.sh"
tap_begin pmd-execfn
SAME_IN=/dev/null

# A directory whose path is well over 32 bytes (and over 64, the wire's
# process-name limit).
LONG=$T/a-directory-whose-name-is-longer-than-any-process-name/and-deeper
mkdir -p "$LONG"
cp "$PROGS/execfn" "$LONG/print-execfn"
cp "$PROGS/execfn-static" "$LONG/print-execfn-static"
INTERP=$LONG/print-execfn
printf '#!%s -x\necho never read\n' "$INTERP" >"$LONG/a-script-at-a-long-path"
chmod +x "$LONG/a-script-at-a-long-path"

start_daemon "$BIN/procmgrd" --script-interp "$INTERP"

# same_execfn DESC WANT CMD...: `same`, and AT_EXECFN is WANT in both runs
same_execfn() {
    f0=$fails; d=$1; w=$2; shift 2
    same "$d" "$@"
    if [ $fails -eq $f0 ]; then
        if grep -qx "AT_EXECFN=$w" "$T/p.out"; then ok "$d: AT_EXECFN is $w"
        else bad "$d: AT_EXECFN is not $w"; sed 's/^/#   /' "$T/p.out" "$T/p.err"; fi
    else
        sed 's/^/#   procmgr /' "$T/p.out"
        sed 's/^/#   direct  /' "$T/d.out"
    fi
}

for p in print-execfn print-execfn-static; do
    same_execfn "$p at a path of ${#LONG}+ bytes" "$LONG/$p" "$LONG/$p" one two
done
cd "$LONG" || exit 1
same_execfn "print-execfn as ./NAME" ./print-execfn ./print-execfn
cd / || exit 1
OLDPATH=$PATH
PATH=$LONG:$PATH
same_execfn "print-execfn found on PATH" "$LONG/print-execfn" print-execfn arg
PATH=$OLDPATH
same_execfn "#! script at a long path" "$LONG/a-script-at-a-long-path" \
    "$LONG/a-script-at-a-long-path" arg

tap_end execfn
