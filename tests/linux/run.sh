#!/bin/sh
# Integration tests of procmgr's Linux loader through the pmspawn driver.
#   tests/linux/run.sh PMSPAWN PROGDIR
# Each case runs a program directly and through pmspawn and compares stdout
# and exit status, or checks a refusal's status name.  Test programs in
# PROGDIR: auxcheck-{pie,nopie,static,static-pie,musl} (self-checks of auxv,
# /proc, mappings), asm-hello (entry state), badinterp (bad PT_INTERP).
set -u
PMSPAWN=$1
DIR=$2
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# /proc/PID/auxv is the program's only where PR_SET_MM_MAP is allowed; the
# loader says whether it was, and auxcheck checks it only then.
if "$PMSPAWN" --info /bin/true 2>&1 | grep -q 'mm_map applied'; then
    AUXCHECK_PROC_AUXV=1
else
    AUXCHECK_PROC_AUXV=0
    echo "note: PR_SET_MM_MAP not applied here: /proc/PID/auxv not checked"
fi
export AUXCHECK_PROC_AUXV

ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# same NAME STDIN CMD...: direct run and pmspawn run give the same stdout and status
same() {
    name=$1; input=$2; shift 2
    printf '%b' "$input" | "$@" >"$tmp/direct" 2>/dev/null; rd=$?
    printf '%b' "$input" | "$PMSPAWN" "$@" >"$tmp/loaded" 2>"$tmp/err"; rl=$?
    if [ "$rd" -ne "$rl" ] || ! cmp -s "$tmp/direct" "$tmp/loaded"; then
        bad "$name: direct rc=$rd, loaded rc=$rl"; sed 's/^/    /' "$tmp/err" | head -5
    else ok; fi
}

# passes NAME STDIN CMD...: like same, and the program reports success (a
# self-check that failed both ways must not count as agreement)
passes() {
    f0=$fail
    same "$@"
    if [ "$fail" -eq "$f0" ] && [ "$rl" -ne 0 ]; then
        pass=$((pass - 1)); bad "$1: self-check failed in both runs"; sed 's/^/    /' "$tmp/err" | head -5
    fi
}

# refused NAME STATUS CMD...: pmspawn exits 125 naming STATUS
refused() {
    name=$1; want=$2; shift 2
    "$PMSPAWN" "$@" >/dev/null 2>"$tmp/err" </dev/null; rc=$?
    if [ "$rc" -eq 125 ] && grep -q ": $want " "$tmp/err"; then ok
    else bad "$name: rc=$rc, wanted $want"; sed 's/^/    /' "$tmp/err" | head -3; fi
}

# system programs (glibc dynamic PIE through ld.so)
same true      '' /bin/true
same false     '' /bin/false
same echo      '' /bin/echo hello 'two words' ''
same ls        '' /bin/ls -a /
same sort      'pear\napple\nfig\n' /usr/bin/sort
same sort-r    '3\n1\n2\n' /usr/bin/sort -rn
same sh        '' /bin/sh -c 'echo "$0|$1|$#"; exit 7' zero one
same env       '' /usr/bin/env -i A=1 B='x y' /usr/bin/env
same cat-stdin 'line one\nline two\n' /bin/cat
same sh-exec   '' /bin/sh -c 'exec /bin/echo exec from a loaded shell'
# threads (sort's parallel merge) in a loaded process
d=$(seq 1 50000 | /usr/bin/sort --parallel=2 -S 1M -rn | cksum)
l=$(seq 1 50000 | "$PMSPAWN" /usr/bin/sort --parallel=2 -S 1M -rn | cksum)
if [ "$d" = "$l" ]; then ok; else bad "sort --parallel: $d / $l"; fi

# the test programs in every link mode
for m in pie nopie static static-pie musl; do
    p=$DIR/auxcheck-$m
    [ -x "$p" ] || { echo "skip: $p not built"; continue; }
    passes "auxcheck-$m"       '' "$p"
    passes "auxcheck-$m-args"  '' "$p" echo a 'b c' ''
    passes "auxcheck-$m-susp"  '' "$PMSPAWN" --suspended "$p" echo x
    # AT_RANDOM fresh: two loaded runs see different bytes
    r1=$("$PMSPAWN" "$p" random | sed -n 1p); r2=$("$PMSPAWN" "$p" random | sed -n 1p)
    if [ -n "$r1" ] && [ "$r1" != "$r2" ]; then ok; else bad "auxcheck-$m: AT_RANDOM $r1 / $r2"; fi
done
# large argument and environment blocks (stack image far below the kernel's)
big=$(head -c 100000 /dev/zero | tr '\0' x)
BIG=$big passes big-args '' "$DIR/auxcheck-pie" echo $(seq 1 20000)
passes asm-hello      '' "$DIR/asm-hello"
passes asm-hello-susp '' "$PMSPAWN" --suspended "$DIR/asm-hello"
same memfd-echo     '' "$PMSPAWN" --memfd /bin/echo from a sealed memfd
passes memfd-static   '' "$PMSPAWN" --memfd "$DIR/asm-hello"

# a built, waiting child can be killed before its first instruction
out=$("$PMSPAWN" --kill /bin/echo never 2>/dev/null); rc=$?
if [ "$rc" -eq 137 ] && [ -z "$out" ]; then ok; else bad "kill suspended: rc=$rc out=$out"; fi

# only the requested handles (0, 1, 2) are open in the child: ls's own
# directory fd is the 3 it prints, our fd 7 is not inherited
out=$( ( exec 7</dev/null; "$PMSPAWN" /bin/ls /proc/self/fd ) | tr '\n' ' ')
if [ "$out" = "0 1 2 3 " ]; then ok; else bad "fds in child: $out"; fi

# the same process built twice gets different load biases (ASLR)
b1=$("$PMSPAWN" --info /bin/true 2>&1 | sed -n 's/.* bias \([^ ]*\) .*/\1/p')
b2=$("$PMSPAWN" --info /bin/true 2>&1 | sed -n 's/.* bias \([^ ]*\) .*/\1/p')
if [ -n "$b1" ] && [ "$b1" != "$b2" ]; then ok; else bad "bias not random: $b1 / $b2"; fi

# the stub leaves nothing behind, without relying on the vDSO gadget fallback
if "$PMSPAWN" --info /bin/true 2>&1 | grep -q 'trampoline removed'; then ok
else bad "trampoline page left mapped"; fi

# refusals
refused not-elf       ELF_MAGIC                tests/linux/run.sh
refused not-regular   LINUX_NOT_REGULAR        /dev/null
refused directory     LINUX_NOT_REGULAR        /
refused unsealed      LINUX_MEMFD_UNSEALED     --memfd-unsealed /bin/true
refused bad-interp    LINUX_INTERP_NOT_ALLOWED "$DIR/badinterp"
# an allowed interpreter path is still validated in the interpreter role
# (badinterp's PT_INTERP is $DIR/ld-fake.so, written here)
fake=$(cd "$DIR" && pwd)/ld-fake.so
if cp "$DIR/asm-hello" "$fake" 2>/dev/null; then
    refused interp-exec ELF_INTERP_TYPE --interp "$fake" "$DIR/badinterp"
    cp tests/linux/run.sh "$fake"
    refused interp-text ELF_MAGIC       --interp "$fake" "$DIR/badinterp"
    cp /lib64/ld-linux-x86-64.so.2 "$fake"
    out=$("$PMSPAWN" --interp "$fake" "$DIR/badinterp" 2>&1)
    if [ "$out" = "auxcheck ok" ]; then ok; else bad "allowed custom interpreter: $out"; fi
    rm -f "$fake"
else
    echo "note: cannot write $fake: custom interpreter cases skipped"
fi

# with CAP_SYS_ADMIN (21) or CAP_CHECKPOINT_RESTORE (40): /proc/PID/exe is
# the program, as after an execve
capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
if [ $(( (0x$capeff >> 21 | 0x$capeff >> 40) & 1 )) -eq 1 ]; then
    same exe-link '' /bin/readlink /proc/self/exe
else
    echo "note: no CAP_SYS_ADMIN/CAP_CHECKPOINT_RESTORE: /proc/PID/exe stays the stub's"
fi

# unprivileged: /proc/PID/exe stays the stub memfd, everything else holds
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    cp "$PMSPAWN" "$tmp/pmspawn" && cp "$DIR/auxcheck-pie" "$tmp/" && chmod 755 "$tmp" "$tmp/pmspawn" "$tmp/auxcheck-pie"
    if out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
                 "$tmp/pmspawn" "$tmp/auxcheck-pie" 2>&1) && [ "$out" = "auxcheck ok" ]; then ok
    else bad "unprivileged auxcheck-pie: $out"; fi
fi

echo "linux loader: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
