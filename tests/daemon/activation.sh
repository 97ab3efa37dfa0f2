#!/bin/sh
# procmgrd under a service manager, without one (systemd is not PID 1 on
# the test machines): tests/daemon/sdtools.py plays its part.
#   - socket activation (LISTEN_FDS, spec/daemon.md section 12), through
#     sdtools.py and through systemd-socket-activate(1): procmgrd
#     serves on the socket passed at fd 3 (close-on-exec, non-blocking),
#     leaves its file in place when it stops, and refuses a socket of the
#     wrong type, several sockets, or a --socket naming another path;
#     LISTEN_PID of another process is ignored;
#   - readiness: READY=1 and STATUS= on $NOTIFY_SOCKET (a path, and an
#     abstract @name), STOPPING=1 on SIGTERM;
#   - the log (section 11): timestamps, opcode names, the client's pid and
#     uid on stderr; the journal's <N> prefix when stderr is
#     $JOURNAL_STREAM; syslog (LOG_DAEMON) when detached, received on a
#     /dev/log of a private mount namespace (skipped without unshare).
#
#   tests/daemon/activation.sh BINDIR
set -u
BIN=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
tap_begin pmd-act
SOCK=$T/act.sock
LPIDS=
PY=${PYTHON:-python3}
SD="$PY $HERE/sdtools.py"
tap_cleanup_more() { for p in $LPIDS; do kill "$p" 2>/dev/null; done; }

# notify_listen ADDRESS FILE: a datagram listener in the background
notify_listen() {
    $SD listen "$1" "$2" &
    LPIDS="$LPIDS $!"
    wait_for_file "$2.bound"
}
wait_for_file() {
    i=0
    while [ ! -e "$1" ] && [ $i -lt 400 ]; do i=$((i + 1)); sleep 0.05; done
}
# start_activated LOG ARGS...: procmgrd through sdtools.py activate, ready
# line read through a FIFO, DPID set
start_activated() {
    log=$1; shift
    rm -f "$T/ready" "$SOCK"
    mkfifo "$T/ready"
    NOTIFY_SOCKET=$T/notify $SD activate "$SOCK" -- "$BIN/procmgrd" --foreground "$@" \
        >"$T/ready" 2>"$log" &
    DPID=$!
    exec 3<"$T/ready"
    read -r line <&3
}
stop_daemon() {
    kill "$DPID"; wait "$DPID"; rc=$?; DPID=
    exec 3<&-
}

# --- socket activation ---------------------------------------------------------
notify_listen "$T/notify" "$T/notify.log"
start_activated "$T/d.err" --verbose
[ "$line" = "procmgrd: ready on $SOCK" ] && ok "activated: ready on the passed socket" ||
    { bad "activated: ready line '$line'"; sed 's/^/#   /' "$T/d.err"; }
flags=$(sed -n 's/^flags:[[:space:]]*//p' "/proc/$DPID/fdinfo/3" 2>/dev/null)
[ -n "$flags" ] && [ $((0$flags & 02000000)) -ne 0 ] && [ $((0$flags & 04000)) -ne 0 ] &&
    ok "fd 3 made close-on-exec and non-blocking (flags $flags)" || bad "fd 3 flags '$flags'"
expect "activated: procctl runs /bin/true" 0 pc run -- /bin/true
expect "activated: procctl runs /bin/false" 1 pc run -- /bin/false
wait_for "$T/notify.log" "^READY=1$"
has "NOTIFY_SOCKET: READY=1" "$T/notify.log" "^READY=1$"
has "NOTIFY_SOCKET: STATUS= names the socket" "$T/notify.log" "^STATUS=listening on $SOCK$"
stop_daemon
[ "$rc" -eq 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc"
wait_for "$T/notify.log" "^STOPPING=1$"
has "NOTIFY_SOCKET: STOPPING=1 on SIGTERM" "$T/notify.log" "^STOPPING=1$"
[ -S "$SOCK" ] && ok "the activated socket's file is left to the service manager" ||
    bad "procmgrd removed the socket file it did not make"

# the log in the foreground: time, opcode name, pid and uid
uid=$(id -u)
grep -q "^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:]\{8\}\.[0-9]\{3\}Z procmgrd\[[0-9]*\]: client pid [0-9]* uid $uid: LAUNCH on conn [0-9]*: OK (0)$" "$T/d.err" &&
    ok "--verbose log: time, procmgrd[pid], client pid and uid, opcode name" ||
    { bad "--verbose log lines:"; sed 's/^/#   /' "$T/d.err"; }
grep -q 'opcode 0x' "$T/d.err" && bad "log has a raw opcode" || ok "log: no raw opcode"
has "log: the client's connection" "$T/d.err" "client pid [0-9]* uid $uid connected$"
has "log: the stop" "$T/d.err" "procmgrd\[[0-9]*\]: stopped ("

# refusals
rm -f "$SOCK"
$SD activate --stream "$SOCK" -- "$BIN/procmgrd" --foreground >"$T/out" 2>"$T/err" </dev/null
rc=$?
[ $rc -eq 1 ] && grep -q "fd 3 passed by LISTEN_FDS is not a listening AF_UNIX SOCK_SEQPACKET socket; use ListenSequentialPacket=" "$T/err" &&
    ok "a SOCK_STREAM socket is refused, naming the fix (exit 1)" ||
    { bad "SOCK_STREAM socket: exit $rc"; sed 's/^/#   /' "$T/err"; }
rm -f "$SOCK"
$SD activate --nfds 2 "$SOCK" -- "$BIN/procmgrd" --foreground >"$T/out" 2>"$T/err" </dev/null
rc=$?
[ $rc -eq 1 ] && grep -q "LISTEN_FDS=2: procmgrd listens on one socket" "$T/err" &&
    ok "two sockets are refused (exit 1)" || { bad "LISTEN_FDS=2: exit $rc"; sed 's/^/#   /' "$T/err"; }
rm -f "$SOCK"
$SD activate "$SOCK" -- "$BIN/procmgrd" --foreground --socket "$T/other.sock" >"$T/out" 2>"$T/err" </dev/null
rc=$?
[ $rc -eq 2 ] && grep -q -- "--socket $T/other.sock, but the socket passed by LISTEN_FDS is $SOCK" "$T/err" &&
    ok "--socket naming another path is refused (exit 2)" || { bad "--socket mismatch: exit $rc"; sed 's/^/#   /' "$T/err"; }
# LISTEN_PID of another process: not ours, procmgrd makes its own socket
rm -f "$SOCK" "$T/ready"
mkfifo "$T/ready"
$SD activate --other-pid "$SOCK" -- "$BIN/procmgrd" --foreground --socket "$T/own.sock" \
    >"$T/ready" 2>"$T/d.err" &
DPID=$!
exec 3<"$T/ready"
read -r line <&3
[ "$line" = "procmgrd: ready on $T/own.sock" ] && ok "LISTEN_PID of another process: ignored" ||
    bad "other LISTEN_PID: ready line '$line'"
stop_daemon

# --- systemd's own launcher, when installed: it listens, and at the first
# connection execs procmgrd with the socket as fd 3 ----------------------------
if command -v systemd-socket-activate >/dev/null; then
    rm -f "$SOCK"
    systemd-socket-activate --seqpacket -l "$SOCK" "$BIN/procmgrd" --foreground \
        >"$T/sa.out" 2>"$T/sa.err" &
    DPID=$!                 # it execs procmgrd in place
    wait_for_file "$SOCK"
    expect "systemd-socket-activate: procctl run starts procmgrd and runs echo" 0 \
        pc run -- /bin/echo activated
    has "systemd-socket-activate: the program's output" "$T/out" "^activated$"
    has "systemd-socket-activate: procmgrd ready on its socket" "$T/sa.out" "^procmgrd: ready on $SOCK$"
    kill "$DPID"; wait "$DPID"; DPID=
else
    echo "# systemd-socket-activate not installed: systemd's launcher not tried"
fi

# --- NOTIFY_SOCKET as an abstract socket (@name) ----------------------------------
abs="@procmgr-test-$$"
notify_listen "$abs" "$T/abs.log"
mkfifo "$T/ready2"
NOTIFY_SOCKET=$abs "$BIN/procmgrd" --foreground --socket "$T/n.sock" >"$T/ready2" 2>"$T/n.err" &
DPID=$!
exec 3<"$T/ready2"
read -r line <&3
wait_for "$T/abs.log" "^READY=1$"
has "NOTIFY_SOCKET=@name (abstract): READY=1" "$T/abs.log" "^READY=1$"
stop_daemon

# --- stderr is the journal: its <N> prefix, no time ------------------------------
: >"$T/j.err"
mkfifo "$T/ready3"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/j.err") "$BIN/procmgrd" --foreground \
    --socket "$T/j.sock" >"$T/ready3" 2>>"$T/j.err" &
DPID=$!
exec 3<"$T/ready3"
read -r line <&3
stop_daemon
has "stderr is \$JOURNAL_STREAM: lines carry <6>" "$T/j.err" "^<6>procmgrd: stopped ("

# --- detached: syslog, LOG_DAEMON ---------------------------------------------
# A private mount namespace with its own /dev (null and a /dev/log socket
# the test listens on): the machine's /dev is not touched.
if unshare -m --propagation private true 2>/dev/null; then
    unshare -m --propagation private sh -c '
        set -e
        mount -t tmpfs none /dev
        mknod -m 666 /dev/null c 1 3
        mknod -m 444 /dev/urandom c 1 9
        '"$SD"' listen /dev/log "$1/syslog" & L=$!
        while [ ! -e "$1/syslog.bound" ]; do sleep 0.05; done
        "$2/procmgrd" --verbose --socket "$1/s.sock" >"$1/det.out" 2>"$1/det.err"
        "$2/procctl" --socket "$1/s.sock" run -- /bin/true
        pid=$(cat /proc/[0-9]*/stat 2>/dev/null | awk "\$2 == \"(procmgrd)\" && \$4 == 1 { print \$1 }" | head -n 1)
        kill "$pid"
        while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
        kill "$L"' _ "$T" "$BIN" >"$T/ns.out" 2>&1
    rc=$?
    [ $rc -eq 0 ] && ok "detached procmgrd served a client in the namespace" ||
        { bad "detached run in a mount namespace: exit $rc"; sed 's/^/#   /' "$T/ns.out" "$T/det.err" 2>/dev/null; }
    has "detached: its ready line on the starting command's stdout" "$T/det.out" "^procmgrd: ready on $T/s.sock$"
    [ ! -s "$T/det.err" ] && ok "detached: nothing on stderr" ||
        { bad "detached: stderr not empty"; sed 's/^/#   /' "$T/det.err"; }
    # <30>: facility LOG_DAEMON (3 << 3) | LOG_INFO (6)
    has "syslog: ready, facility daemon" "$T/syslog" "^<30>.*procmgrd\[[0-9]*\]: ready on $T/s.sock"
    has "syslog: the job mode" "$T/syslog" "^<[0-9]*>.*procmgrd\[[0-9]*\]: jobs: "
    has "syslog: the client's LAUNCH, pid and uid" "$T/syslog" "^<30>.*procmgrd\[[0-9]*\]: client pid [0-9]* uid $uid: LAUNCH on conn"
    has "syslog: the stop" "$T/syslog" "^<30>.*procmgrd\[[0-9]*\]: stopped ("
else
    echo "# syslog not tested: unshare -m is not allowed here"
fi

tap_end daemon-activation
