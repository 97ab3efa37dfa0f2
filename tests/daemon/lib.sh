# Shared helpers of the daemon integration scripts (sourced, POSIX sh).
# The caller sets BIN (binaries), sources this file, then calls
# `tap_begin NAME` and ends with `tap_end` (its exit status).

# tap_begin NAME: what every script shares: a temporary directory T (named
# after NAME, removed on exit), SOCK in it, no daemon yet (DPID), the TAP
# counters at 0, and $T/input for `same`.  A script with more to undo
# defines tap_cleanup_more, which the exit trap calls first.
tap_begin() {
    T=$(mktemp -d "/tmp/$1.XXXXXX")
    SOCK=$T/procmgr.sock
    DPID=
    fails=0
    count=0
    printf 'b\na\nc\n' >"$T/input"
    trap tap_cleanup EXIT INT TERM
}
tap_cleanup() {
    command -v tap_cleanup_more >/dev/null 2>&1 && tap_cleanup_more
    [ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
    exec 3<&- 2>/dev/null
    rm -rf "$T"
}
# tap_end NAME: the TAP plan line and a summary; succeeds when no check failed.
tap_end() {
    echo "1..$count"
    echo "# $1: $((count - fails)) passed, $fails failed"
    [ "$fails" -eq 0 ]
}

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
fdcount() { ls "/proc/${1:-$DPID}/fd" | wc -l; }   # of PID (default: the daemon)
# fds_back_to N: until the daemon has N descriptors again (at most 400
# checks): releases of handles whose last copy a finished client closed
# are read from the daemon's epoll set in no set order.  Prints the count.
fds_back_to() {
    i=0
    while [ "$(fdcount)" -ne "$1" ] && [ $i -lt 400 ]; do i=$((i + 1)); sleep 0.05; done
    fdcount
}
# fds_settled [PID]: the daemon's (or PID's) descriptor count once it has
# not changed for 20 checks in a row (at most 400 checks).  Prints the count.
fds_settled() {
    i=0; same_n=0; last=$(fdcount "${1:-}")
    while [ $same_n -lt 20 ] && [ $i -lt 400 ]; do
        i=$((i + 1)); sleep 0.05; now=$(fdcount "${1:-}")
        if [ "$now" -eq "$last" ]; then same_n=$((same_n + 1)); else same_n=0; last=$now; fi
    done
    echo "$last"
}
pc() { "$BIN/procctl" --socket "$SOCK" "$@"; }
# same DESC CMD...: stdout, stderr and exit status of CMD run directly and
# through `procctl run -- CMD`, both with stdin from SAME_IN ($T/input
# unless the script sets it).
same() {
    desc=$1; shift
    "$@" <"${SAME_IN:-$T/input}" >"$T/d.out" 2>"$T/d.err"; drc=$?
    pc run -- "$@" <"${SAME_IN:-$T/input}" >"$T/p.out" 2>"$T/p.err"; prc=$?
    if [ $drc -eq $prc ] && cmp -s "$T/d.out" "$T/p.out" && cmp -s "$T/d.err" "$T/p.err"; then
        ok "run $desc: same stdout, stderr, status $prc"
    else
        bad "run $desc: status $prc (direct $drc)"
        diff "$T/d.out" "$T/p.out" | sed 's/^/#   out /'
        diff "$T/d.err" "$T/p.err" | sed 's/^/#   err /'
    fi
}
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
# usage_err DESC PATTERN CMD...: exit 2, nothing on stdout, exactly two
# lines on stderr: the first matches PATTERN, the second points to --help.
usage_err() {
    desc=$1; pat=$2; shift 2
    "$@" >"$T/out" 2>"$T/err" </dev/null; rc=$?
    n=$(wc -l <"$T/err")
    if [ $rc -eq 2 ] && [ ! -s "$T/out" ] && [ "$n" -eq 2 ] &&
       head -n 1 "$T/err" | grep -q -- "$pat" &&
       tail -n 1 "$T/err" | grep -q "^Try '[a-z]* *[a-z-]* *--help'\.$"; then
        ok "$desc: one line, a pointer to --help, exit 2"
    else
        bad "$desc: exit $rc, $n lines on stderr (want 2, the first with '$pat')"
        sed 's/^/#   /' "$T/out" "$T/err"
    fi
}
# json_ok DESC FILE PYEXPR: FILE is JSON Lines a real parser reads; PYEXPR
# (over d, the list of values) holds.
json_ok() {
    if "${PY:-python3}" -c 'import json, sys
d = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
assert d, "no JSON value"
assert eval(sys.argv[2]), d' "$2" "$3" 2>"$T/py.err"; then ok "$1"
    else bad "$1"; sed 's/^/#   /' "$2" "$T/py.err"; fi
}
# conventions PROG...: each of BIN's programs prints its usage on stdout for
# --help (exit 0) and "PROG (procmgr) VERSION" for --version, and refuses
# an unknown option with a one-line usage error (spec/daemon.md 8a).
conventions() {
    VERSION=$(sed -n 's/^#define PROCMGR_VERSION "\(.*\)"/\1/p' \
              "$(dirname "$0")/../../include/procmgr/version.h")
    for p in "$@"; do
        expect "$p --help" 0 "$BIN/$p" --help
        if [ -s "$T/out" ] && [ ! -s "$T/err" ] && grep -q "^usage: $p" "$T/out"; then
            ok "$p --help: the usage on stdout"; else bad "$p --help: not on stdout"; fi
        expect "$p --version" 0 "$BIN/$p" --version
        has "$p --version: the project's version" "$T/out" "^$p (procmgr) $VERSION\$"
        usage_err "$p --no-such-option" "^$p: unknown option '--no-such-option'" "$BIN/$p" --no-such-option
    done
}
