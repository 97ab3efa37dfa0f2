#!/bin/sh
# Integration test of jobs (spec/lifecycle.md section 3, the job part of
# sections 6 and 7) over the Linux backend: a real procmgrd, real
# processes.
#
# CGROUP mode (a writable cgroup v2 hierarchy with cgroup.kill and
# cgroup.freeze; skipped with a notice otherwise): a process launched
# without a job gets a job of its own, a cgroup the daemon made; what it
# double-forks stays inside; KILL on the job leaves no process of it, no
# zombie, no cgroup; SUSPEND freezes the whole job (no CPU time is used
# while frozen, some is after RESUME); `procctl spawn --job` and `ps
# --job`; a job still running at SIGTERM is killed and every directory
# removed.  MEMBERS mode (PROCMGR_JOBS=members): the job holds the
# processes procmgrd launched, the daemon says so, and they are killed,
# suspended and listed as one.
#
#   tests/daemon/jobs.sh BINDIR
#
# No timing assertion: waits are on a ready line or a process state,
# bounded by a count; "no CPU time while frozen" compares two readings of
# the same counters, which a frozen process cannot change.
set -u
BIN=$(cd "$1" && pwd)
MARK=$((2000000 + $$))       # sleep arguments unique to this run
# Kill what this run started and something let escape (MEMBERS mode), by
# the exact command lines of this run only.
pkill_mark() {
    for p in $(ps -eo pid=,args= | awk -v m="$MARK" '$2 == "sleep" && $3 >= m && $3 < m + 10 {print $1}'); do
        kill -9 "$p" 2>/dev/null
    done
}
. "$(dirname "$0")/lib.sh"
tap_begin pmd-jobs
tap_cleanup_more() { pkill_mark; }

# pids_of ARG: the pids of `sleep ARG` processes
pids_of() { ps -eo pid=,args= | awk -v a="sleep $1" '{p=$1; $1=""; sub(/^ /, ""); if ($0 == a) print p}'; }
# until_none ARG: until no `sleep ARG` is left (bounded); prints how many are
until_none() {
    i=0
    while [ -n "$(pids_of "$1")" ] && [ $i -lt 400 ]; do i=$((i + 1)); sleep 0.05; done
    pids_of "$1" | wc -l
}
zombies() {
    for c in $(cat /proc/"$DPID"/task/*/children 2>/dev/null); do
        [ "$(sed 's/.*) //' /proc/"$c"/stat 2>/dev/null | cut -d' ' -f1)" = Z ] && echo "$c"
    done
}
no_zombie() {
    i=0; while [ -n "$(zombies)" ] && [ $i -lt 400 ]; do i=$((i + 1)); sleep 0.05; done
    z=$(zombies)
    [ -z "$z" ] && ok "$1: no zombie child of procmgrd" || bad "$1: zombie children: $z"
}
# cpu PID: utime + stime of a process (clock ticks), from /proc/PID/stat
cpu() { sed 's/.*) //' /proc/"$1"/stat | awk '{print $12 + $13}'; }
cpu_all() { s=0; for p in $1; do s=$((s + $(cpu "$p"))); done; echo $s; }
spawn_quiet() { pc spawn --fd 0=/dev/null --fd 1=/dev/null --fd 2=/dev/null "$@"; }

# ======================= CGROUP mode =======================================
start_daemon "$BIN/procmgrd"
if ! grep -q "procmgrd\[[0-9]*\]: jobs: cgroup" "$T/daemon.err"; then
    echo "# jobs: no writable cgroup v2 hierarchy here; CGROUP mode skipped"
    sed 's/^/#   /' "$T/daemon.err"
    kill -TERM "$DPID"; wait "$DPID"; DPID=
else
ok "the daemon says its jobs are cgroups"
CG2=$(awk '/ - cgroup2 / {print $5; exit}' /proc/self/mountinfo)
REL=$(sed -n 's/^0:://p' /proc/"$DPID"/cgroup)
DDIR="$CG2${REL%/}/procmgr-$DPID"

# --- a double-forking member, killed with its job --------------------------------
A=$MARK
K=$(spawn_quiet -- /bin/sh -c "(sleep $A &) ; sleep $A")
i=0; while [ "$(pids_of $A | wc -l)" -lt 2 ] && [ $i -lt 400 ]; do i=$((i + 1)); sleep 0.05; done
n=$(pids_of $A | wc -l)
[ "$n" -eq 2 ] && ok "job $K: sh and its two sleeps run" || bad "job $K: $n sleeps"
JD="$DDIR/job-$K"
inside=0
for p in $(pids_of $A); do
    grep -qx "0::${REL%/}/procmgr-$DPID/job-$K" /proc/"$p"/cgroup && inside=$((inside + 1))
done
[ "$inside" -eq 2 ] && ok "both sleeps (one double-forked) are in $JD" \
    || bad "$inside of 2 sleeps in job-$K: $(cat /proc/$(pids_of $A | head -1)/cgroup)"
[ "$(wc -l <"$JD/cgroup.procs")" -eq 3 ] && ok "cgroup.procs lists the 3 processes" \
    || bad "cgroup.procs: $(cat "$JD/cgroup.procs" | tr '\n' ' ')"
expect "procctl job $K" 0 pc job "$K"
has "job $K: mode cgroup" "$T/out" "^job $K: mode cgroup"
has "job $K lists its process" "$T/out" "^$K "
# a second process joins it with spawn --job; ps --job lists both
B=$((MARK + 1))
K2=$(spawn_quiet --job "$K" -- sleep $B)
expect "ps --job $K" 0 pc ps --job "$K"
[ "$(grep -c " $K  *running" "$T/out")" -eq 2 ] && ok "ps --job: 2 processes in job $K" \
    || { bad "ps --job: not 2 processes"; sed 's/^/#   /' "$T/out"; }
expect "info of the joiner" 0 pc info "$K2"
has "joiner's job is $K" "$T/out" "^$K2 .* $K  *running"
expect "kill --job $K" 0 pc kill --job "$K"
n=$(until_none $A); m=$(until_none $B)
[ "$n" -eq 0 ] && [ "$m" -eq 0 ] && ok "after KILL on the job no process of it is left" \
    || bad "after KILL on the job: $n + $m sleeps left"
i=0; while [ -d "$JD" ] && [ $i -lt 400 ]; do i=$((i + 1)); sleep 0.05; done
[ ! -d "$JD" ] && ok "the job's cgroup is removed" || bad "$JD still there: $(cat "$JD/cgroup.procs")"
no_zombie "kill --job"
expect "the ended job cannot be opened" 1 pc job "$K"
has "NO_SUCH_JOB" "$T/err" "NO_SUCH_JOB"

# --- suspend = freeze: no CPU time while frozen --------------------------------
C=$((MARK + 2))
K=$(spawn_quiet -- /bin/sh -c "sh -c 'while :; do :; done' & while :; do :; done; sleep $C")
JD="$DDIR/job-$K"
i=0; while [ "$(wc -l <"$JD/cgroup.procs")" -lt 2 ] && [ $i -lt 400 ]; do i=$((i + 1)); sleep 0.05; done
PIDS=$(cat "$JD/cgroup.procs")
[ "$(echo $PIDS | wc -w)" -eq 2 ] && ok "two busy processes in job $K" || bad "job $K: pids '$PIDS'"
i=0; while [ "$(cpu_all "$PIDS")" -lt 5 ] && [ $i -lt 400 ]; do i=$((i + 1)); sleep 0.05; done
c0=$(cpu_all "$PIDS")
[ "$c0" -ge 5 ] && ok "they use CPU time ($c0 ticks)" || bad "no CPU time used: $c0"
expect "procctl job $K (busy)" 0 pc job "$K"
usec=$(awk '/^cpu: usec/ {print $3}' "$T/out")
[ "${usec:-0}" -gt 0 ] && ok "the job's usage shows CPU time ($usec us)" \
    || { bad "job usage: cpu '$usec'"; sed 's/^/#   /' "$T/out"; }
expect "suspend --job $K" 0 pc suspend --job "$K"
has "cgroup.events: frozen 1" "$JD/cgroup.events" "^frozen 1"
c1=$(cpu_all "$PIDS"); sleep 0.5; c2=$(cpu_all "$PIDS")
[ "$c1" -eq "$c2" ] && ok "frozen: CPU time unchanged ($c1 -> $c2 ticks)" \
    || bad "frozen: CPU time went $c1 -> $c2"
expect "resume --job $K" 0 pc resume --job "$K"
i=0; while [ "$(cpu_all "$PIDS")" -le "$c2" ] && [ $i -lt 400 ]; do i=$((i + 1)); sleep 0.05; done
c3=$(cpu_all "$PIDS")
[ "$c3" -gt "$c2" ] && ok "resumed: CPU time grows ($c2 -> $c3 ticks)" || bad "resumed: still $c3"
has "cgroup.events: frozen 0" "$JD/cgroup.events" "^frozen 0"
expect "kill --job $K (busy)" 0 pc kill --job "$K"
i=0; while [ -d "$JD" ] && [ $i -lt 400 ]; do i=$((i + 1)); sleep 0.05; done
[ ! -d "$JD" ] && ok "busy job gone with its cgroup" || bad "$JD still there"
no_zombie "busy job"

# --- limits (lifecycle.md section 6): pids.max, memory.max, usage ----------------
# Each process is made suspended, its job limited, then started, so the
# limit is there before its first instruction.
# the interpreter itself, not a wrapper script (a pyenv shim forks)
PY=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))' 2>/dev/null || true)
if [ -z "$PY" ]; then
    echo "# jobs: no python3; the limit tests are skipped"
else
# FORKER GO: fork children (each blocks on a pipe) until a fork fails;
# print "forked N ERRNO"; wait for the file GO; release and reap them,
# print "reaped N".  (Its end is seen in its output: nothing holds its
# record, so a `procctl wait` started after GO could find it gone.)
FORKER='
import errno, os, sys, time
r, w = os.pipe()
n = 0
try:
    for i in range(64):
        if os.fork() == 0:
            os.close(w); os.read(r, 1); os._exit(0)
        n += 1
    print("forked", n, "no failure", flush=True)
except OSError as e:
    print("forked", n, errno.errorcode[e.errno], flush=True)
for i in range(2000):
    if os.path.exists(sys.argv[1]): break
    time.sleep(0.05)
os.close(w)
for i in range(n): os.wait()
print("reaped", n, flush=True)
'
F=$T/forker.out
K=$(pc spawn --suspended --fd 0=/dev/null --fd 1="$F" --fd 2="$F" -- "$PY" -c "$FORKER" "$T/go1" 2>/dev/null)
pc job-limit "$K" --pids 4 >"$T/out" 2>"$T/err"; rc=$?
if [ $rc -ne 0 ] && grep -q LINUX_JOB_LIMIT "$T/err"; then
    echo "# jobs: no pids controller (v2 or v1) here; the limit tests are skipped"
    sed 's/^/#   /' "$T/err"
    pc kill "$K" >/dev/null 2>&1
else
[ $rc -eq 0 ] && ok "job-limit $K --pids 4" || { bad "job-limit --pids: exit $rc"; sed 's/^/#   /' "$T/err"; }
expect "start the forker" 0 pc start "$K"
wait_for "$F" "^forked"
has "pids.max 4: the 4th process of the job cannot be forked (EAGAIN)" "$F" "^forked 3 EAGAIN$"
expect "procctl job $K" 0 pc job "$K"
has "job shows pids: current 4 max 4" "$T/out" "^pids: current 4 max 4$"
touch "$T/go1"
wait_for "$F" "^reaped"
has "the forker reaps its 3 children" "$F" "^reaped 3$"

# memory.max: a process allocating past it is killed by the OOM killer
K=$(pc spawn --suspended --fd 0=/dev/null --fd 1=/dev/null --fd 2=/dev/null -- \
    "$PY" -c "b = bytearray(b'x') * (256 << 20)" 2>/dev/null)
expect "job-limit $K --memory 32 MiB" 0 pc job-limit "$K" --memory 33554432
expect "start the allocator" 0 pc start "$K"
expect "the allocator is killed by SIGKILL (128 + 9)" 137 pc wait "$K"
has "its record says killed, signal 9" "$T/out" "killed *9"

# the same under a shell that survives it: the job's OOM kills and usage
M=$T/mem.out
K=$(pc spawn --suspended --fd 0=/dev/null --fd 1="$M" --fd 2=/dev/null -- /bin/sh -c \
    "\"$PY\" -c \"b = bytearray(b'x') * (256 << 20)\"; echo status \$?;
     while [ ! -e '$T/go2' ]; do sleep 0.05; done; echo done" 2>/dev/null)
expect "job-limit $K --memory 32 MiB --pids 16" 0 pc job-limit "$K" --memory 33554432 --pids 16
expect "start the shell" 0 pc start "$K"
wait_for "$M" "^status"
has "the allocator under the shell is killed (status 137)" "$M" "^status 137$"
expect "procctl job $K" 0 pc job "$K"
has "memory.max is 32 MiB" "$T/out" "^memory: current [0-9]* max 33554432 "
oom=$(awk '/^memory:/ {print $7}' "$T/out")
[ "${oom:-0}" -ge 1 ] && ok "the job counts the OOM kill (oom_kills $oom)" \
    || bad "oom_kills: '$oom'"
mem=$(awk '/^memory:/ {print $3}' "$T/out")
[ "${mem:-0}" -gt 0 ] && ok "memory.current of the shell's job: $mem bytes" || bad "memory.current '$mem'"
has "pids.max 16" "$T/out" "^pids: current [0-9]* max 16$"
pc --json job "$K" >"$T/json" 2>&1
"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["memory"]["max"] == "33554432" and d["pids"]["max"] == "16", d
assert d["memory"]["oom_kills"] >= 1 and d["cpu_usec"] > 0, d' "$T/json" \
    && ok "procctl --json job: the same figures, valid JSON" \
    || { bad "procctl --json job"; sed 's/^/#   /' "$T/json"; }
expect "job-limit $K --memory max" 0 pc job-limit "$K" --memory max
expect "procctl job $K" 0 pc job "$K"
has "memory: no limit any more" "$T/out" "^memory: current [0-9]* max max "
touch "$T/go2"
wait_for "$M" "^done"
has "the shell goes on after the OOM kill" "$M" "^done$"
fi
fi

# --- INHERIT_JOB: what a managed shell's procctl launches joins the shell's job ----
G=$((MARK + 6)); H=$((MARK + 7))
PCS="'$BIN/procctl' --socket '$SOCK' spawn --fd 0=/dev/null --fd 1=/dev/null --fd 2=/dev/null"
K=$(spawn_quiet -- /bin/sh -c "$PCS --inherit-job -- sleep $G >'$T/inh'; $PCS -- sleep $H >'$T/own'; sleep $G")
wait_for "$T/own" "^[0-9]"
CI=$(cat "$T/inh"); CO=$(cat "$T/own")
expect "info of the child launched --inherit-job" 0 pc info "$CI"
has "--inherit-job: child $CI is the shell's ($K) and in its job" "$T/out" "^$CI  *$K  *$K  *running"
expect "info of the child launched without it" 0 pc info "$CO"
has "without the flag: child $CO has a job of its own" "$T/out" "^$CO  *$K  *$CO  *running"
expect "kill --job $K (the shell's)" 0 pc kill --job "$K"
n=$(until_none $G)
[ "$n" -eq 0 ] && ok "the shell and its inheriting child ended with the job" || bad "$n of job $K left"
[ -n "$(pids_of $H)" ] && ok "the other child, in a job of its own, still runs" || bad "child $CO gone"
expect "kill the other child" 0 pc kill "$CO"
n=$(until_none $H)
[ "$n" -eq 0 ] && ok "and ends when killed" || bad "child $CO still there"

# --- shutdown: what a job still holds is killed, every directory removed ----------
D=$((MARK + 3))
K=$(spawn_quiet -- /bin/sh -c "(sleep $D &) ; exit 0")
i=0; while [ -z "$(pids_of $D)" ] && [ $i -lt 400 ]; do i=$((i + 1)); sleep 0.05; done
[ -n "$(pids_of $D)" ] && ok "a double-forked sleep outlives its launcher" || bad "no sleep $D"
OLDPID=$DPID
kill -TERM "$DPID"; wait "$DPID"; rc=$?
DPID=
[ $rc -eq 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc"
n=$(until_none $D)
[ "$n" -eq 0 ] && ok "shutdown killed the lingering job's process" || bad "after shutdown: $n left"
[ ! -d "$DDIR" ] && ok "the daemon's cgroup directory is removed" || bad "$DDIR still there"
left=$(find /sys/fs/cgroup -maxdepth 5 -type d -name "procmgr-$OLDPID" 2>/dev/null)
[ -z "$left" ] && ok "no procmgr-$OLDPID directory in any cgroup hierarchy (v1 ones included)" \
    || bad "left behind: $left"

# --- a daemon killed outright: the next one ends what its jobs left -----------------
rm -f "$T/ready" "$SOCK"
exec 3<&-
start_daemon "$BIN/procmgrd"
S=$((MARK + 5))
K=$(spawn_quiet -- sleep $S)
OLD=$DPID
ODIR=$(dirname "$DDIR")/procmgr-$OLD
i=0; while [ -z "$(pids_of $S)" ] && [ $i -lt 400 ]; do i=$((i + 1)); sleep 0.05; done
# a limit, so that where the controllers are v1 ones the job has v1 directories too
pc job-limit "$K" --pids 64 >/dev/null 2>&1
v1old=$(find /sys/fs/cgroup -maxdepth 5 -type d -name "procmgr-$OLD" ! -path "$ODIR" 2>/dev/null)
kill -9 "$OLD"; wait "$OLD" 2>/dev/null
DPID=
[ -n "$(pids_of $S)" ] && [ -d "$ODIR/job-$K" ] \
    && ok "SIGKILLed daemon: its job's process and directory are left" \
    || bad "after SIGKILL: sleep '$(pids_of $S)', $ODIR"
rm -f "$T/ready" "$SOCK"
exec 3<&-
start_daemon "$BIN/procmgrd"
n=$(until_none $S)
[ "$n" -eq 0 ] && ok "the next daemon ended the dead one's job process" || bad "$n left of the dead daemon's job"
[ ! -d "$ODIR" ] && ok "and removed the dead daemon's directory" || bad "$ODIR still there"
left=$(find /sys/fs/cgroup -maxdepth 5 -type d -name "procmgr-$OLD" 2>/dev/null)
[ -z "$left" ] && ok "and its v1 limit directories (${v1old:-none here})" || bad "left behind: $left"
kill -TERM "$DPID"; wait "$DPID"; rc=$?
DPID=
[ $rc -eq 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc"
fi

# ======================= MEMBERS mode ======================================
rm -f "$T/ready" "$SOCK"
exec 3<&-
PROCMGR_JOBS=members start_daemon "$BIN/procmgrd"
has "the daemon says its jobs are its members" "$T/daemon.err" "procmgrd\[[0-9]*\]: jobs: members"
E=$((MARK + 4))
K=$(spawn_quiet -- sleep $E)
K2=$(spawn_quiet --job "$K" -- sleep $E)
expect "procctl job $K" 0 pc job "$K"
has "job $K: mode members" "$T/out" "^job $K: mode members"
[ "$(grep -c " $K  *running" "$T/out")" -eq 2 ] && ok "job $K lists 2 processes" \
    || { bad "job $K: not 2 processes"; sed 's/^/#   /' "$T/out"; }
expect "suspend --job $K" 0 pc suspend --job "$K"
stopped=0
for p in $(pids_of $E); do
    [ "$(sed 's/.*) //' /proc/"$p"/stat | cut -d' ' -f1)" = T ] && stopped=$((stopped + 1))
done
[ "$stopped" -eq 2 ] && ok "both members stopped" || bad "$stopped of 2 members stopped"
expect "resume --job $K" 0 pc resume --job "$K"
expect "job-limit in MEMBERS mode is refused" 1 pc job-limit "$K" --pids 4
has "LINUX_JOB_LIMIT" "$T/err" "(LINUX_JOB_LIMIT 529)"
expect "procctl job $K (members)" 0 pc job "$K"
has "no pids usage known, no limit" "$T/out" "^pids: current - max max$"
expect "kill --job $K" 0 pc kill --job "$K"
n=$(until_none $E)
[ "$n" -eq 0 ] && ok "kill --job: both members gone" || bad "kill --job: $n left"
no_zombie "members mode"
kill -TERM "$DPID"; wait "$DPID"; rc=$?
DPID=
[ $rc -eq 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc"

tap_end daemon-jobs
