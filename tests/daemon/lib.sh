# Shared helpers of the daemon integration scripts (sourced, POSIX sh).
# The caller sets BIN (binaries), T (a temporary directory), SOCK, DPID=,
# count=0 and fails=0 before sourcing.

ok() { count=$((count + 1)); echo "ok $count - $*"; }
bad() { count=$((count + 1)); fails=$((fails + 1)); echo "not ok $count - $*"; }
expect() {  # expect DESC WANT_RC CMD... : run CMD, compare its exit status
    desc=$1; want=$2; shift 2
    "$@" >"$T/out" 2>"$T/err" </dev/null
    rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$desc (exit $rc)"; else
        bad "$desc (exit $rc, want $want)"; sed 's/^/#   /' "$T/out" "$T/err"; fi
}
has() {  # has DESC FILE PATTERN
    if grep -q -- "$3" "$2"; then ok "$1"; else bad "$1: no '$3' in:"; sed 's/^/#   /' "$2"; fi
}
fdcount() { ls "/proc/$DPID/fd" | wc -l; }
# fds_back_to N: until the daemon has N descriptors again (at most 400
# checks): releases of handles whose last copy a finished client closed
# are read from the daemon's epoll set in no set order.  Prints the count.
fds_back_to() {
    i=0
    while [ "$(fdcount)" -ne "$1" ] && [ $i -lt 400 ]; do i=$((i + 1)); sleep 0.05; done
    fdcount
}
pc() { "$BIN/procctl" --socket "$SOCK" "$@"; }
# wait_for FILE PATTERN: until FILE has PATTERN (at most 400 checks)
wait_for() {
    i=0
    while ! grep -q -- "$2" "$1" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 400 ] && return 1; sleep 0.05
    done
}
# start_daemon PROGRAM ARGS...: start it in the foreground on $SOCK, wait
# for its ready line (read through a FIFO on fd 3), set DPID.
start_daemon() {
    mkfifo "$T/ready"
    "$@" --foreground --socket "$SOCK" >"$T/ready" 2>"$T/daemon.err" &
    DPID=$!
    exec 3<"$T/ready"
    read -r line <&3
    if [ "$line" = "procmgrd: ready on $SOCK" ]; then ok "ready line"; else
        bad "ready line: '$line'"; cat "$T/daemon.err"; exit 1; fi
}
# run_bg CMD...: `procctl run --suspended -- CMD` in the background (RPID):
# it holds the process's handles (so its record outlives its end) and exits
# with its status.  RID is the koid from its "created" line; returns once
# the process is running (at most 400 checks of `procctl info`).
run_bg() {
    rm -f "$T/r.out" "$T/r.err"    # no stale "created" line of an earlier run
    pc run --suspended -- "$@" >"$T/r.out" 2>"$T/r.err" </dev/null &
    RPID=$!
    RID=
    if ! wait_for "$T/r.err" "^procctl: created [0-9]* suspended"; then
        kill -9 "$RPID"; bad "run --suspended printed no koid"; return 1
    fi
    RID=$(sed -n 's/^procctl: created \([0-9]*\) suspended.*/\1/p' "$T/r.err")
    i=0
    while ! pc info "$RID" 2>/dev/null | grep -q "^$RID .*running" && [ $i -lt 400 ]; do
        i=$((i + 1)); sleep 0.05
    done
}
# run_rc DESC WANT: the exit status of the run_bg procctl
run_rc() {
    wait "$RPID"; rc=$?
    if [ "$rc" -eq "$2" ]; then ok "$1 (run exits $rc)"; else
        bad "$1 (run exits $rc, want $2)"; sed 's/^/#   /' "$T/r.out" "$T/r.err"; fi
}
