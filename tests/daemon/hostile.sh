#!/bin/sh
# Hostile clients, faults and hard limits (issue 18, spec/daemon.md
# section "Limits and deadlines"): each scenario is one that stalled,
# crippled or killed procmgrd before its fix.  In each, another client's
# `procctl run` still completes, and nothing is left behind.
#
#   tests/daemon/hostile.sh BINDIR
#
# No timing assertion: a deadline is checked by its reason code (with a
# short --stub-timeout), waits are on a ready line, a file or a process
# state, and polling loops are bounded by a count.  `timeout` only bounds
# a command that hung before the fix, so that the test fails instead.
set -u
BIN=$(cd "$1" && pwd)
. "$(dirname "$0")/lib.sh"
tap_begin pmd-hostile

STOPPED=
tap_cleanup_more() {
    # never leave a stopped process behind
    [ -n "$STOPPED" ] && kill -CONT $STOPPED 2>/dev/null
    [ -n "$DPID" ] && kill -CONT "$DPID" 2>/dev/null
    # the pids.max scenario's cgroup, once its processes are gone
    if [ -n "${PCG:-}" ]; then
        [ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
        kill -9 $(cat "$PCG/cgroup.procs" 2>/dev/null) 2>/dev/null
        i=0; while ! rmdir "$PCG" 2>/dev/null && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.05; done
    fi
}
# bounded CMD...: CMD, killed after BOUND seconds (exit 137): only so
# that what hung before a fix fails instead of hanging the suite
BOUND=${HOSTILE_BOUND:-120}
bounded() { timeout -s KILL "$BOUND" "$@"; }
# start_limited OPT N: procmgrd on $SOCK under `ulimit OPT N` (-n, -Sn),
# in the background (DPID); returns once it said ready (400 checks).
start_limited() {
    rm -f "$T/ready" "$SOCK"
    (ulimit "$1" "$2"; exec "$BIN/procmgrd" --foreground --socket "$SOCK") >"$T/ready" 2>"$T/daemon.err" &
    DPID=$!
    i=0; while ! grep -q "ready on" "$T/ready" 2>/dev/null && [ $i -lt 400 ]; do i=$((i + 1)); sleep 0.05; done
}
# hold_connections N: a background holder (HP) of N idle connections to
# $SOCK, which prints "held" once it has them and lets them go at EOF on
# the FIFO $T/hold (made here).
hold_connections() {
    rm -f "$T/hold" "$T/held"; mkfifo "$T/hold"
    python3 -c '
import resource, socket, sys
n = int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < n + 64:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(n + 64, hard), hard))
c = []
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1]); c.append(s)
print("held", flush=True)
sys.stdin.read()
' "$SOCK" "$1" <"$T/hold" >"$T/held" 2>&1 &
    HP=$!
}
# while_held DESC PATTERN: once the background holder HP (stdin the FIFO
# $T/hold, output $T/held) prints PATTERN, another client's run must
# complete; then the holder is let go (EOF on the FIFO) and waited for.
while_held() {
    exec 4>"$T/hold"
    if wait_for "$T/held" "$2"; then
        expect "$1: another client's run completes" 0 \
            bounded "$BIN/procctl" --socket "$SOCK" run -- /bin/true
    else
        bad "$1: the holder did not get ready"; sed 's/^/#   /' "$T/held"
    fi
    exec 4>&-
    wait "$HP"
}
# children PID: the children of PID (every thread's)
children() { cat /proc/"$1"/task/*/children 2>/dev/null; }
# wait_children N: until the daemon has at least N children (400 checks)
wait_children() {
    i=0
    while [ "$(children "$DPID" | wc -w)" -lt "$1" ] && [ $i -lt 400 ]; do
        i=$((i + 1)); sleep 0.05
    done
}

# stub_launch_failed DESC PID ERRFILE CODE: the background procctl PID,
# whose launch took the stub(s) STOPPED, failed (not killed by `bounded`)
# with CODE in ERRFILE, and STOPPED were reaped
stub_launch_failed() {
    wait "$2"; rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 137 ]; then ok "$1: the launch failed (exit $rc)"
    else bad "$1: exit $rc"; fi
    has "$1: its reason is ${4% *}" "$3" "$4"
    gone=1
    for p in $STOPPED; do [ -e "/proc/$p" ] && gone=0; done
    if [ $gone -eq 1 ]; then ok "$1: the stub was killed and reaped"; else
        bad "$1: the stub is still there"; fi
    STOPPED=
}

# The daemon runs in a session of its own (setsid), as under a service
# manager: a signal to a launched program's process group reaches the
# daemon only if the program shares its group.  One idle stub in the pool,
# a short deadline for a stub's answers.
PROCMGR_STUB_POOL=1
export PROCMGR_STUB_POOL
start_daemon setsid "$BIN/procmgrd" --stub-timeout 1500
if [ "$(cat /proc/$DPID/comm)" = procmgrd ]; then ok "the daemon is the started process"; else
    bad "the daemon is not $DPID"; exit 1; fi

# --- item 1: a stopped stub costs only its own launch ---------------------------------
# The pool's idle stub has said hello and waits for its build; stopped,
# it never answers.  The next launch takes it: it must fail with
# K_TIMED_OUT, the stub be killed and reaped, and other clients served.
wait_children 1
FD0=$(fdcount)
STOPPED=$(echo $(children "$DPID"))
if [ -n "$STOPPED" ]; then ok "the pool holds an idle stub ($STOPPED)"; else bad "no pooled stub"; fi
kill -STOP $STOPPED
bounded "$BIN/procctl" --socket "$SOCK" run -- /bin/true >"$T/h1.out" 2>"$T/h1.err" &
H1=$!
# it has taken the stopped stub when the pool, taken empty, has a new one
wait_children 2
expect "another client's run while a launch waits on a stopped stub" 0 bounded "$BIN/procctl" --socket "$SOCK" run -- echo served
stub_launch_failed "the launch on the stopped stub" "$H1" "$T/h1.err" "K_TIMED_OUT 420"
expect "a launch after the timeout" 0 pc run -- /bin/true
wait_children 1
n=$(fds_back_to "$FD0")
if [ "$n" -eq "$FD0" ]; then ok "daemon descriptors back to $FD0"; else bad "daemon has $n descriptors, had $FD0"; fi

# --- item 6: a launched program's process group is not the daemon's ------------------
# kill -USR1 -- -PGID aimed at the program killed the daemon when the
# program shared its group.  Now the program has a session of its own, and
# the daemon reads every signal a group could deliver from its signalfd.
bounded "$BIN/procctl" --socket "$SOCK" run -- sh -c "echo \$\$ >$T/prog.pid; exec sleep 1000" \
    >"$T/g.out" 2>"$T/g.err" </dev/null &
G=$!
if wait_for "$T/prog.pid" '^[0-9]'; then
    PP=$(cat "$T/prog.pid")
    PGID=$(sed 's/.*) //' "/proc/$PP/stat" | cut -d' ' -f3)
    SID=$(sed 's/.*) //' "/proc/$PP/stat" | cut -d' ' -f4)
    DPG=$(sed 's/.*) //' "/proc/$DPID/stat" | cut -d' ' -f3)
    if [ "$PGID" = "$PP" ] && [ "$SID" = "$PP" ]; then ok "the program leads its own session and group ($PP)"
    else bad "the program's group $PGID, session $SID (its pid $PP, the daemon's group $DPG)"; fi
    kill -USR1 "-$PGID"
    wait "$G"; rc=$?
    if [ $rc -eq 138 ]; then ok "kill -USR1 of the program's group ended the program (run exits 138)"
    else bad "the program after kill -USR1 of its group: run exits $rc"; fi
else
    bad "the program did not start"; kill -9 "$G"
fi
for sig in HUP USR1 USR2 QUIT ALRM TSTP; do kill -"$sig" "$DPID"; done
expect "a run after SIGHUP, USR1, USR2, QUIT, ALRM and TSTP to the daemon" 0 \
    bounded "$BIN/procctl" --socket "$SOCK" run -- /bin/true
if kill -0 "$DPID" 2>/dev/null && [ "$(sed 's/.*) //' "/proc/$DPID/stat" | cut -c1)" != T ]; then
    ok "the daemon survived the signals and is not stopped"
else bad "the daemon died or stopped"; fi
has "the daemon logged an ignored signal" "$T/daemon.err" "signal 10 (User defined signal 1) from pid"

# --- item 11: SET_CWD as a connection's first builder request --------------------------
# It was answered OK on the shared connection and then lost: the program
# ran in /, and the directory stayed in procmgrd after the client left.
# Now SET_CWD takes a lease like every builder request.
mkdir -p "$T/cwd1"
FD0=$(fds_settled)
bounded "$BIN/pmclient-test" "$SOCK" /bin/sh sh --cwd-first "$T/cwd1" "$T/cwd1.out" \
    >"$T/cf.out" 2>&1 </dev/null; rc=$?
if [ $rc -eq 0 ]; then ok "SET_CWD first: every request answered OK"; else
    bad "SET_CWD first: exit $rc"; sed 's/^/#   /' "$T/cf.out"; fi
if [ "$(cat "$T/cwd1.out" 2>/dev/null)" = "$T/cwd1" ]; then ok "SET_CWD first: the program started in its directory"
else bad "SET_CWD first: the program started in '$(cat "$T/cwd1.out" 2>/dev/null)', want $T/cwd1"; fi
n=$(fds_back_to "$FD0")
if [ "$n" -eq "$FD0" ]; then ok "SET_CWD first: no directory left in the daemon ($FD0 descriptors)"
else bad "SET_CWD first: the daemon has $n descriptors, had $FD0"; ls -l "/proc/$DPID/fd" | sed 's/^/#   /'; fi

# --- item 10: a program descriptor that cannot be one says why ------------------------
# An O_PATH descriptor of a program gave K_RANGE, an unsealed memfd
# holding an ELF K_TYPE; the spec's codes are LINUX_IMAGE_O_PATH and
# LINUX_MEMFD_UNSEALED.
for kind in opath:LINUX_IMAGE_O_PATH memfd:LINUX_MEMFD_UNSEALED; do
    bounded "$BIN/pmclient-test" "$SOCK" /bin/true true --launch-fd "${kind%%:*}" /bin/true \
        >"$T/lf.out" 2>&1 </dev/null
    has "an executable descriptor of kind ${kind%%:*}: ${kind#*:}" "$T/lf.out" "^status ${kind#*:} "
done

kill -TERM "$DPID"; wait "$DPID"; rc=$?
if [ $rc -eq 0 ]; then ok "SIGTERM: the daemon stopped (exit 0)"; else bad "SIGTERM: exit $rc"; fi
DPID=

# --- item 3: the descriptor limit ------------------------------------------------------
# Started with a soft limit below the hard one, the daemon raises its own
# to the hard limit, and a launched program gets its client's limit, as
# posix_spawn in the client would give it (item 8).
HARD=$(ulimit -Hn)
if [ "$HARD" != unlimited ] && [ "$HARD" -gt 600 ]; then
    exec 3<&-
    SOFT=512
    start_limited -Sn $SOFT
    dsoft=$(awk '/^Max open files/ {print $4}' "/proc/$DPID/limits")
    if [ "$dsoft" = "$HARD" ]; then ok "the daemon raised its soft descriptor limit $SOFT to the hard $HARD"
    else bad "the daemon's soft descriptor limit is $dsoft (hard $HARD)"; fi
    got=$(bounded "$BIN/procctl" --socket "$SOCK" run -- sh -c 'ulimit -n' </dev/null 2>"$T/err")
    want=$(ulimit -Sn)
    if [ "$got" = "$want" ]; then ok "a launched program's descriptor limit is $want, its client's"
    else bad "a launched program's descriptor limit is '$got', want $want"; sed 's/^/#   /' "$T/err"; fi
    got=$( (ulimit -Sn 400; bounded "$BIN/procctl" --socket "$SOCK" run -- sh -c 'ulimit -n') </dev/null 2>"$T/err")
    if [ "$got" = 400 ]; then ok "a client under ulimit -Sn 400: its program's limit is 400 (daemon's: $HARD)"
    else bad "a client under ulimit -Sn 400: its program's limit is '$got'"; sed 's/^/#   /' "$T/err"; fi
    kill -TERM "$DPID"; wait "$DPID"; DPID=
else
    echo "# skip: hard descriptor limit $HARD (need 601..)"
fi

# --- item 2: out of descriptors, accept does not spin --------------------------------
# Under `ulimit -n 300` (a launch needs more than 256), 300 idle connections exhaust the daemon's
# descriptors.  Before the fix accept4 failed with EMFILE while the socket
# stayed readable: the daemon spun and a new client hung.  Now the client
# is taken and closed with the reserve descriptor: it fails at once.
start_limited -n 300
hold_connections 300
exec 4>"$T/hold"
wait_for "$T/held" "^held"
bounded "$BIN/procctl" --socket "$SOCK" run -- /bin/true >"$T/x.out" 2>"$T/x.err" </dev/null; rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 137 ]; then ok "out of descriptors: a new client is refused at once (exit $rc)"
else bad "out of descriptors: a new client: exit $rc"; fi
has "the daemon logged the refusal" "$T/daemon.err" "out of file descriptors: a client was refused"
exec 4>&-
wait "$HP"
i=0; rc=1
while [ $rc -ne 0 ] && [ $i -lt 100 ]; do
    bounded "$BIN/procctl" --socket "$SOCK" run -- /bin/true >/dev/null 2>&1 </dev/null; rc=$?
    i=$((i + 1)); [ $rc -ne 0 ] && sleep 0.05
done
if [ $rc -eq 0 ]; then ok "descriptors freed: a run completes"; else bad "descriptors freed: run exits $rc"; fi
kill -TERM "$DPID"; wait "$DPID"; rc=$?; DPID=
if [ $rc -eq 0 ]; then ok "SIGTERM: exit 0"; else bad "SIGTERM: exit $rc"; fi
# --- item 10: out of descriptors, the codes say so -----------------------------------
# Under `ulimit -n 300` the daemon is filled with sleeping programs until
# a launch fails: that launch's code is K_NO_DESCRIPTORS (it was K_NO_OBJECTS
# or LINUX_JOB_CGROUP).  Then, with the daemon at its limit (idle
# connections), a request whose descriptors the kernel had to drop is
# answered K_NO_DESCRIPTORS (it was PROTO_HANDLE_COUNT_MISMATCH).
start_limited -n 300
i=0; rc=0
while [ $rc -eq 0 ] && [ $i -lt 200 ]; do
    i=$((i + 1))
    bounded "$BIN/procctl" --socket "$SOCK" spawn -- sleep 1000 >/dev/null 2>"$T/fill.err" </dev/null; rc=$?
done
if [ $rc -ne 0 ] && [ $i -gt 1 ]; then ok "out of descriptors after $((i - 1)) programs: the launch fails (exit $rc)"
else bad "filling the daemon: $i launches, exit $rc"; fi
has "its code is K_NO_DESCRIPTORS" "$T/fill.err" "(K_NO_DESCRIPTORS 421)\$"
kill -TERM "$DPID"; wait "$DPID"; DPID=
rm -f "$T/held"
start_limited -n 300
bounded python3 -c '
import os, socket, struct, sys, time
a = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
a.connect(sys.argv[1])
c = []
for i in range(300):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1]); c.append(s)
for i in range(400):       # until the daemon has refused one: at its limit
    if "a client was refused" in open(sys.argv[2]).read():
        break
    time.sleep(0.05)
fds = [os.open("/dev/null", os.O_RDONLY) for i in range(3)]
hdr = struct.pack("<IHHIIQII", 0x52474D50, 1, 0x0104, 0, 3, 0x42, 0, 0)
a.sendmsg([hdr], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("3i", *fds))])
r = a.recv(65536)
print("status", struct.unpack_from("<I", r, 32)[0] if len(r) >= 36 else "none", flush=True)
' "$SOCK" "$T/daemon.err" >"$T/held" 2>&1
has "a request whose descriptors were dropped: K_NO_DESCRIPTORS" "$T/held" "^status 421\$"
has "the daemon logged it" "$T/daemon.err" "out of file descriptors: the descriptors of a request were dropped"
expect "descriptors freed: a run completes" 0 bounded "$BIN/procctl" --socket "$SOCK" run -- /bin/true
kill -TERM "$DPID"; wait "$DPID"; DPID=

# --- item 5: idle builder leases expire ------------------------------------------------
# 63 clients each send one ADD_ARGS (a lease each: all of them) and go
# idle.  Before, every other launch stalled as long as they stayed; now
# the daemon (--lease-timeout 500) takes the idle leases back, another
# client's run completes, and a hog's next builder requests are refused
# LEASE_EXPIRED up to its LAUNCH, after which a new launch is served.
rm -f "$T/ready" "$SOCK" "$T/hold" "$T/held"
"$BIN/procmgrd" --foreground --socket "$SOCK" --lease-timeout 500 >"$T/ready" 2>"$T/daemon.err" &
DPID=$!
i=0; while ! grep -q "ready on" "$T/ready" 2>/dev/null && [ $i -lt 400 ]; do i=$((i + 1)); sleep 0.05; done
mkfifo "$T/hold"
bounded python3 -c '
import socket, struct, sys
def call(s, op, rid, payload=b""):
    s.sendmsg([struct.pack("<IHHIIQII", 0x52474D50, 1, op, 0, 0, rid, len(payload), 0) + payload])
    r = s.recv(65536)
    return struct.unpack_from("<I", r, 32)[0] if len(r) >= 36 else None
ARGS = struct.pack("<II", 1, 1) + b"x"
ENVS = struct.pack("<II", 1, 3) + b"A=1"
hogs = []
for i in range(63):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    st = call(s, 0x0101, i + 1, ARGS)
    assert st == 0, ("ADD_ARGS", i, st)
    hogs.append(s)
print("held 63", flush=True)
sys.stdin.read()                       # until the run below is done
h = hogs[0]
print("add_environs", call(h, 0x0102, 100, ENVS))
print("launch", call(h, 0x0106, 101))
print("add_args again", call(h, 0x0101, 102, ARGS))
' "$SOCK" <"$T/hold" >"$T/held" 2>&1 &
HP=$!
while_held "63 idle builder leases" "^held 63"
has "an expired hog's ADD_ENVIRONS: LEASE_EXPIRED" "$T/held" "^add_environs 348\$"
has "its LAUNCH: LEASE_EXPIRED" "$T/held" "^launch 348\$"
has "then a new launch's ADD_ARGS: OK" "$T/held" "^add_args again 0\$"
has "the daemon logged the expiry" "$T/daemon.err" "no request for its launch builder in 500 ms (--lease-timeout)"
# Watches: 16 per client (PMD_WATCHES_PER_CLIENT).  Before, 32 WATCHes
# from one client took the daemon's whole table (WATCHES_FULL for all).
run_bg sleep 1000
bounded python3 -c '
import socket, struct, sys
def call(s, op, rid, payload=b"", fds=()):
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("%di" % len(fds), *fds))] if fds else []
    s.sendmsg([struct.pack("<IHHIIQII", 0x52474D50, 1, op, 0, len(fds), rid, len(payload), 0) + payload], anc)
    data, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(64 * 4))
    got = []
    for level, kind, raw in anc:
        got += list(struct.unpack("%di" % (len(raw) // 4), raw[:len(raw) - len(raw) % 4]))
    return struct.unpack_from("<I", data, 32)[0], got
def client():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    st, fds = call(s, 0x0005, 1, struct.pack("<QII", int(sys.argv[2]), 0x7FF, 0))
    assert st == 0 and len(fds) == 1, ("OPEN_PROCESS", st, fds)
    return s, fds[0]
a, pa = client()
sts = [call(a, 0x0302, 10 + i, struct.pack("<II", 0, 1), [pa])[0] for i in range(17)]
print("a", " ".join(map(str, sts)))
b, pb = client()
print("b", call(b, 0x0302, 50, struct.pack("<II", 0, 1), [pb])[0])
' "$SOCK" "$RID" >"$T/watch.out" 2>&1
has "one client: 16 WATCHes, the 17th WATCHES_FULL" "$T/watch.out" "^a\( 0\)\{16\} 341\$"
has "another client still watches" "$T/watch.out" "^b 0\$"
pc kill "$RID" >/dev/null 2>&1
wait "$RPID"
kill -TERM "$DPID"; wait "$DPID"; rc=$?; DPID=
if [ $rc -eq 0 ]; then ok "SIGTERM: exit 0"; else bad "SIGTERM: exit $rc"; fi

# --- item 3: 400 processes under `ulimit -n 1024` ------------------------------------
# procmgrd holds 2 descriptors per running process (its pidfd and the
# program's image; the job directory, the image copies and the passed
# descriptors are closed once the stub holds them): 400 sleeping programs
# fit under the common limit of 1024 (before: about 5 each, the 200th
# launch failed), and the daemon's count says 2 each.
if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 1024 ]; then
    start_limited -n 1024
    n=0; rc=0
    while [ $rc -eq 0 ] && [ $n -lt 400 ]; do
        bounded "$BIN/procctl" --socket "$SOCK" spawn -- sleep 1000 >/dev/null 2>"$T/fill.err" </dev/null; rc=$?
        [ $rc -eq 0 ] && n=$((n + 1))
        # counted from the first process on (the daemon's cgroup
        # directory is opened with the first job)
        [ $n -eq 1 ] && F0=$(fds_settled)
    done
    if [ $n -eq 400 ]; then ok "ulimit -n 1024: 400 concurrent processes run"
    else bad "ulimit -n 1024: launch $((n + 1)) failed (exit $rc)"; sed 's/^/#   /' "$T/fill.err"; fi
    F1=$(fds_settled)     # the last client's connection closed
    if [ $((F1 - F0)) -le $((2 * (n - 1))) ]; then ok "at most 2 descriptors per process ($F0 -> $F1 for $((n - 1)) more)"
    else bad "descriptors per process: $F0 -> $F1 for $((n - 1)) more"; fi
    kill -TERM "$DPID"; wait "$DPID"; rc=$?; DPID=
    if [ $rc -eq 0 ]; then ok "SIGTERM with 400 processes: exit 0"; else bad "SIGTERM: exit $rc"; fi
else
    echo "# skip: hard descriptor limit $(ulimit -Hn) (need 1024..)"
fi

# --- fault suite: 1000 idle connections, a client that never reads ---------------------
# Neither costs another client its run, and the daemon's descriptors come
# back once they are gone.
if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 4096 ]; then
    start_limited -n 4096
    FD0=$(fds_settled)
    hold_connections 1000
    while_held "1000 idle connections" "^held"
    n=$(fds_back_to "$FD0")
    [ "$n" -eq "$FD0" ] && ok "1000 idle connections gone: descriptors back to $FD0" ||
        bad "after 1000 idle connections: $n descriptors, had $FD0"
    # A client that sends LIST_PROCESSES without end and never reads a
    # reply: its socket fills, the daemon drops it (a slow client), and
    # serves the others meanwhile.
    bounded python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.settimeout(10)
body = struct.pack("<IIQQ", 0, 256, 0, 0)
try:
    for i in range(200000):
        s.send(struct.pack("<IHHIIQII", 0x52474D50, 1, 0x0004, 0, 0, i + 1, len(body), 0) + body)
    print("never closed")
except (BrokenPipeError, ConnectionResetError):
    print("dropped after", i, "requests")
except socket.timeout:
    print("blocked after", i, "requests")
' "$SOCK" >"$T/noread.out" 2>&1 &
    NP=$!
    expect "a client that never reads: another client's run completes" 0 \
        bounded "$BIN/procctl" --socket "$SOCK" run -- /bin/true
    wait "$NP"
    has "the client that never reads is dropped" "$T/noread.out" "^dropped after"
    n=$(fds_back_to "$FD0")
    [ "$n" -eq "$FD0" ] && ok "the dropped client's descriptors are gone ($FD0)" ||
        bad "after the dropped client: $n descriptors, had $FD0"
    kill -TERM "$DPID"; wait "$DPID"; rc=$?; DPID=
    if [ $rc -eq 0 ]; then ok "SIGTERM: exit 0"; else bad "SIGTERM: exit $rc"; fi
    has "the daemon counted the slow client" "$T/daemon.err" "stopped ([1-9][0-9]* slow clients dropped"
else
    echo "# skip: hard descriptor limit $(ulimit -Hn) (need 4096..)"
fi

# --- item 4: a descriptor limit too low for any launch --------------------------------
# The stub moves its descriptors to 256 and above, and starts with the
# limit procmgrd was started with: under `ulimit -n 200` the daemon said
# it was ready, and every launch failed with K_STATE.  Now it refuses to
# start, and says which limit and what to do.
rm -f "$T/ready" "$SOCK"
(ulimit -n 200; exec timeout -s KILL 5 "$BIN/procmgrd" --foreground --socket "$SOCK") \
    >"$T/ready" 2>"$T/daemon.err"; rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 137 ]; then ok "ulimit -n 200: the daemon refuses to start (exit $rc)"
else bad "ulimit -n 200: the daemon exits $rc"; fi
if ! grep -q "ready on" "$T/ready"; then ok "ulimit -n 200: no ready line"; else bad "ulimit -n 200: it said ready"; fi
has "ulimit -n 200: the message names the limit and what to do" "$T/daemon.err" \
    "descriptor limit (RLIMIT_NOFILE) is 200.*ulimit -n 288.*K_NO_DESCRIPTORS 421"
[ -e "$SOCK" ] && bad "ulimit -n 200: a socket was left" || ok "ulimit -n 200: no socket left"

# At the least limit procmgrd starts with (288), a launch works; one that
# passes more descriptors than its stub can lift above 256 under that
# limit is refused with K_NO_DESCRIPTORS (the stub lost its reply with its
# control socket's old number: K_STATE before).
start_limited -n 288
expect "ulimit -n 288: a run completes" 0 bounded "$BIN/procctl" --socket "$SOCK" run -- /bin/true
set --
for n in $(seq 3 30); do set -- "$@" --fd "$n=/dev/null"; done
expect "ulimit -n 288: a run passing 32 descriptors and a directory is refused" 1 \
    bounded "$BIN/procctl" --socket "$SOCK" run --cwd / "$@" -- /bin/true
has "its code is K_NO_DESCRIPTORS" "$T/err" "(K_NO_DESCRIPTORS 421)\$"
set --
expect "ulimit -n 288: a run after it completes" 0 bounded "$BIN/procctl" --socket "$SOCK" run -- /bin/true
kill -TERM "$DPID"; wait "$DPID"; DPID=

# --- fault suite: SIGKILL mid-launch -------------------------------------------------
# The pool's idle stub is stopped; a launch takes it and waits for its
# answer (a long deadline, so the kill lands first).
#   - the stub killed: the launch fails at once with its own code, the
#     stub is reaped, nothing is left half-made;
#   - the client killed: its launch completes once the stub runs again,
#     the reply cannot be delivered, so the process is killed and its
#     record collected.
# In both, another client's run completes and the descriptors come back.
rm -f "$T/ready" "$SOCK"
start_daemon "$BIN/procmgrd" --stub-timeout 600000
wait_children 1
FD0=$(fds_settled)
# stop_pooled CMD...: the daemon's children (the idle stub) stopped
# (STOPPED), CMD in the background (LP); returns once the launch took the
# stopped stub: the pool made a new one, a child not in STOPPED
stop_pooled() {
    STOPPED=$(echo $(children "$DPID"))
    kill -STOP $STOPPED
    "$@" >"$T/mid.out" 2>"$T/mid.err" &
    LP=$!
    i=0
    while [ $i -lt 400 ]; do
        for p in $(children "$DPID"); do
            case " $STOPPED " in *" $p "*) ;; *) break 2 ;; esac
        done
        i=$((i + 1)); sleep 0.05
    done
}
stop_pooled bounded "$BIN/procctl" --socket "$SOCK" run -- /bin/true
kill -KILL $STOPPED
stub_launch_failed "stub killed mid-launch" "$LP" "$T/mid.err" "LINUX_STUB_DIED 520"
expect "stub killed mid-launch: another client's run completes" 0 pc run -- /bin/true
wait_children 1
n=$(fds_back_to "$FD0")
[ "$n" -eq "$FD0" ] && ok "stub killed mid-launch: descriptors back to $FD0" ||
    bad "stub killed mid-launch: $n descriptors, had $FD0"

stop_pooled "$BIN/procctl" --socket "$SOCK" run -- sleep 4243
kill -KILL "$LP"; wait "$LP" 2>/dev/null
kill -CONT $STOPPED
# the launch completes, its reply cannot be delivered: the new process is
# killed (a client gone mid-launch leaves nothing behind)
i=0
while [ $i -lt 400 ] && { pgrep -f "^sleep 4243\$" >/dev/null || [ -e "/proc/$STOPPED" ]; }; do
    i=$((i + 1)); sleep 0.05
done
STOPPED=
pgrep -f "^sleep 4243\$" >/dev/null && bad "client killed mid-launch: its program still runs" ||
    ok "client killed mid-launch: its program was killed"
pc ps >"$T/mid.ps" 2>&1
if grep -q sleep "$T/mid.ps"; then bad "client killed mid-launch: a record is left"; sed 's/^/#   /' "$T/mid.ps"
else ok "client killed mid-launch: no record left"; fi
expect "client killed mid-launch: another client's run completes" 0 pc run -- /bin/true
wait_children 1
n=$(fds_back_to "$FD0")
[ "$n" -eq "$FD0" ] && ok "client killed mid-launch: descriptors back to $FD0" ||
    bad "client killed mid-launch: $n descriptors, had $FD0"
z=$(for p in $(children "$DPID"); do cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null; done | grep -c Z)
[ "$z" -eq 0 ] && ok "no zombie child after the kills" || bad "$z zombie children"
kill -TERM "$DPID"; wait "$DPID"; rc=$?; DPID=
if [ $rc -eq 0 ]; then ok "SIGTERM: exit 0"; else bad "SIGTERM: exit $rc"; fi

# --- fault suite: pids.max -------------------------------------------------------------
# procmgrd in a cgroup (v1 or v2 pids controller) whose pids.max is what
# it has now: the pool's idle stub takes one launch, the next finds no
# stub and cannot make one (clone: EAGAIN).  It fails at once with its own
# code (was K_NO_OBJECTS, "kernel object budget exhausted"), the pool
# thread backs off instead of spinning, and once the limit is lifted a run
# completes and the descriptors come back.
PCG=
for root in /sys/fs/cgroup/pids /sys/fs/cgroup; do
    if [ -e "$root/cgroup.procs" ] && { [ "$root" != /sys/fs/cgroup ] ||
        grep -qw pids "$root/cgroup.subtree_control" 2>/dev/null; }; then
        mkdir "$root/pmd-hostile-$$" 2>/dev/null && PCG=$root/pmd-hostile-$$ && break
    fi
done
if [ -n "$PCG" ] && [ -e "$PCG/pids.max" ]; then
    rm -f "$T/ready" "$SOCK"
    # shellcheck disable=SC2016
    start_daemon sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$PCG" "$BIN/procmgrd"
    wait_children 1
    FD0=$(fds_settled)
    cat "$PCG/pids.current" >"$PCG/pids.max"
    # a program that stays: the pool cannot make a stub in its place
    K=$(bounded "$BIN/procctl" --socket "$SOCK" spawn --fd 0=/dev/null --fd 1=/dev/null \
        --fd 2=/dev/null -- sleep 4244 2>"$T/err" </dev/null)
    [ -n "$K" ] && ok "pids.max reached: a launch on the pool's stub completes ($K)" ||
        { bad "pids.max reached: the launch on the pool's stub failed"; sed 's/^/#   /' "$T/err"; }
    expect "pids.max reached: the next launch is refused" 1 \
        bounded "$BIN/procctl" --socket "$SOCK" run -- /bin/true
    has "pids.max reached: its reason is LINUX_PROCESS_LIMIT" "$T/err" "LINUX_PROCESS_LIMIT 521"
    echo max >"$PCG/pids.max"
    [ -n "$K" ] && pc kill "$K" >/dev/null 2>&1
    expect "pids.max lifted: a run completes" 0 bounded "$BIN/procctl" --socket "$SOCK" run -- /bin/true
    wait_children 1
    n=$(fds_back_to "$FD0")
    [ "$n" -eq "$FD0" ] && ok "pids.max: descriptors back to $FD0" ||
        bad "pids.max: $n descriptors, had $FD0"
    kill -TERM "$DPID"; wait "$DPID"; rc=$?; DPID=
    if [ $rc -eq 0 ]; then ok "SIGTERM: exit 0"; else bad "SIGTERM: exit $rc"; fi
    rmdir "$PCG" 2>/dev/null && PCG=
else
    [ -n "$PCG" ] && rmdir "$PCG" && PCG=
    echo "# skip: no writable cgroup with the pids controller"
fi

tap_end pmd-hostile
