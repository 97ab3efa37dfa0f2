#!/bin/sh
# Integration test of svcmgr and svcctl (issue 16, spec/svcmgr.md) over a
# real procmgrd (Linux backend) in a temporary directory:
#   - svcmgr --check and svcmgr itself refuse a bad service file with
#     file:line and load the others;
#   - a service that exits 1 is restarted with growing delays (the
#     delays svcmgr announces, in order, and the restart count; no timing
#     is asserted), its output captured in its log with one line per run;
#   - `restart = no` is not restarted (state failed, the end recorded);
#   - svcctl stop: the stop signal, or SIGKILL after the grace for a
#     service that ignores it; the process is gone (/proc);
#   - start, restart; svcmgr's descriptors do not grow with restarts;
#   - every svcctl --json output read by python3's json; usage errors;
#   - TERM to svcmgr stops every service and it exits 0: no service
#     process, no control socket and no procmgrd descriptor left behind.
# Waits poll with generous limits; durations are never asserted.
#
#   tests/daemon/svcmgr.sh BINDIR
set -u
BIN=$(cd "$1" && pwd)
. "$(dirname "$0")/lib.sh"
tap_begin pmd-svcmgr
PY=${PYTHON:-python3}
SMPID=
tap_cleanup_more() {
    [ -n "$SMPID" ] && kill -9 "$SMPID" 2>/dev/null
    exec 4<&- 2>/dev/null
    for p in $(ours); do kill -9 "$p" 2>/dev/null; done
}
# ours: the pids of processes naming this test's directory, but procmgrd
# (the pattern's '[.]' keeps grep from matching its own command line)
ours() {
    grep -l -s -e "$(printf '%s' "$T" | sed 's/[.]/[.]/g')" /proc/[0-9]*/cmdline 2>/dev/null |
        cut -d/ -f3 | grep -v "^${DPID:-x}\$"
}
CTL=$T/svcmgr.sock
sc() { "$BIN/svcctl" --socket "$CTL" "$@"; }
# until_py DESC NAME PYEXPR: until `svcctl --json status NAME` satisfies
# PYEXPR over s (the service's object); at most 1200 checks (60 s).
until_py() {
    i=0
    while [ $i -lt 1200 ]; do
        if sc --json status "$2" >"$T/st.json" 2>/dev/null && "$PY" -c 'import json, sys
s = json.load(open(sys.argv[1]))["services"][0]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/st.json" "$3" 2>/dev/null; then
            ok "$1"; return 0; fi
        i=$((i + 1)); sleep 0.05
    done
    bad "$1: not after 1200 checks"; sed 's/^/#   /' "$T/st.json"; return 1
}
# pyval NAME PYEXPR: print PYEXPR over s, NAME's status object
pyval() {
    sc --json status "$1" >"$T/pv.json" &&
    "$PY" -c 'import json, sys
s = json.load(open(sys.argv[1]))["services"][0]
print(eval(sys.argv[2]))' "$T/pv.json" "$2"
}
alive() { [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
# gone DESC PID: the process PID ends (at most 1200 checks)
gone() {
    i=0
    while alive "$2" && [ $i -lt 1200 ]; do i=$((i + 1)); sleep 0.05; done
    if alive "$2"; then bad "$1: pid $2 still there"; else ok "$1: pid $2 gone"; fi
}
# pid_of FILE: the pid a service wrote, once it is there
pid_of() { wait_for "$1" '^[0-9][0-9]*$' && cat "$1"; }

# --- the programs' conventions -----------------------------------------------------
conventions svcmgr svcctl
usage_err "svcctl without a command" "^svcctl: a command is needed" "$BIN/svcctl"
usage_err "svcctl unknown command" "^svcctl: unknown command 'frob'" "$BIN/svcctl" frob
usage_err "svcctl stop without NAME" "^svcctl: stop: a service NAME is needed" "$BIN/svcctl" stop
usage_err "svcctl stop two names" "^svcctl: stop: unexpected argument 'b'" "$BIN/svcctl" stop a b
usage_err "svcctl bad name" "^svcctl: start: 'a/b' is not a service name" "$BIN/svcctl" start a/b
usage_err "svcctl start --no-wait" "^svcctl: start: unknown option '--no-wait'" "$BIN/svcctl" start --no-wait x
usage_err "svcmgr --dir without a value" "^svcmgr: option '--dir' needs a value" "$BIN/svcmgr" --dir
expect "svcctl stop --help" 0 "$BIN/svcctl" stop --help
has "svcctl stop --help: its synopsis" "$T/out" "^usage: svcctl stop \[--no-wait\] NAME"
expect "svcctl without svcmgr: exit 4" 4 "$BIN/svcctl" --socket "$T/nobody.sock" status
has "svcctl without svcmgr: names the socket" "$T/err" "nobody.sock: cannot connect to svcmgr"

# --- service files ---------------------------------------------------------------
S=$T/services
mkdir "$S"
cat >"$S/crash.service" <<EOF
# exits 1 at once: restarted with growing delays
exec = /bin/sh -c 'echo "run \$\$"; echo "to stderr" >&2; exit 1'
restart = on-failure
restart-delay = 20ms
restart-max-delay = 160ms
restart-backoff = 2
EOF
cat >"$S/once.service" <<EOF
exec = /bin/sh -c 'echo once; exit 3'
restart = no
EOF
cat >"$S/sleeper.service" <<EOF
exec = /bin/sh -c 'echo \$\$ > "$T/sleeper.pid"; exec /bin/sleep 1000'
stop-grace = 30s
EOF
cat >"$S/stubborn.service" <<EOF
exec = /bin/sh -c 'trap "" TERM; echo \$\$ > "$T/stubborn.pid"; exec /bin/sleep 1000'
stop-signal = TERM
stop-grace = 200ms
EOF
cat >"$S/family.service" <<EOF
# a child of its own: killed with its job once the service ends
exec = /bin/sh -c '/bin/sleep 1000 & echo \$! > "$T/child.pid"; echo \$\$ > "$T/family.pid"; wait'
EOF
cat >"$S/numbers.service" <<EOF
# 100,000 numbered lines over four runs (three crashes), rotated at 64K
exec = /bin/sh -c 'n=\$(cat "$T/part" 2>/dev/null || echo 0); echo \$((n + 1)) > "$T/part"; /usr/bin/seq \$((n * 25000 + 1)) \$((n * 25000 + 25000)); [ \$n -lt 3 ] && exit 1; exit 0'
restart-delay = 10ms
log-max-size = 64K
log-keep = 100
EOF
cat >"$S/churn.service" <<EOF
# 100,000 lines, only two rotated files kept
exec = /bin/sh -c '/usr/bin/seq 1 100000'
restart = no
log-max-size = 16K
log-keep = 2
EOF
cat >"$T/notifier.py" <<'EOF'
# sd_notify by hand: STATUS, READY=1 once $1/go exists, WATCHDOG=1 while
# $1/ping exists, then silence
import os, socket, sys, time
d, a = sys.argv[1], os.environ["NOTIFY_SOCKET"]
open(d + "/notifier.pid", "w").write("%d\n" % os.getpid())
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"STATUS=waiting for go", a)
while not os.path.exists(d + "/go"):
    time.sleep(0.05)
s.sendto(b"READY=1\nSTATUS=serving", a)
while os.path.exists(d + "/ping"):
    s.sendto(b"WATCHDOG=1", a)
    time.sleep(0.05)
time.sleep(1000)
EOF
touch "$T/ping"
cat >"$S/notifier.service" <<EOF
exec = /usr/bin/python3 "$T/notifier.py" "$T"
ready = notify
watchdog = 2s
restart-delay = 10ms
EOF
cat >"$S/fdready.service" <<EOF
# s6-style: a newline on fd 5 once $T/go5 exists
exec = /bin/sh -c 'while [ ! -e "$T/go5" ]; do sleep 0.05; done; echo >&5; exec /bin/sleep 1000'
ready = fd:5
EOF
cat >"$S/db.service" <<EOF
# ready (a newline on fd 5) once $T/dbgo exists
exec = /bin/sh -c 'echo \$\$ > "$T/db.pid"; while [ ! -e "$T/dbgo" ]; do sleep 0.05; done; echo >&5; exec /bin/sleep 1000'
ready = fd:5
EOF
cat >"$S/app.service" <<EOF
exec = /bin/sh -c 'echo \$\$ > "$T/app.pid"; exec /bin/sleep 1000'
requires = db
EOF
cat >"$S/late.service" <<EOF
exec = /bin/sleep 1000
after = app
EOF
printf 'exec = /bin/true\nrequires = cyc2\n' >"$S/cyc1.service"
printf 'exec = /bin/true\nafter = cyc1\n' >"$S/cyc2.service"
cat >"$S/limited.service" <<EOF
exec = /bin/sh -c 'echo try; exit 2'
restart-delay = 10ms
restart-limit = 3/10min
EOF
printf 'exec = /bin/true\n# fine so far\nrestart = sometimes\n' >"$S/bad.service"
printf 'exec = /bin/echo "open\n' >"$S/quote.service"
echo "not a service" >"$S/README"

expect "svcmgr --check: a bad file refused" 1 "$BIN/svcmgr" --check --dir "$S"
has "--check names file:line and key" "$T/err" "$S/bad.service:3: restart: 'sometimes' is not a policy; write no, on-failure or always"
has "--check names the quote's line" "$T/err" "$S/quote.service:1: exec: a double quote"
mkdir "$T/good"; cp "$S/once.service" "$T/good/"
expect "svcmgr --check: a good directory" 0 "$BIN/svcmgr" --check --dir "$T/good"

# --- svcmgr over procmgrd ----------------------------------------------------------
start_daemon "$BIN/procmgrd"
PMFDS=$(fds_settled)
# limits: an rlimit, and a job limit where procmgrd's jobs are cgroups
if grep -q "jobs: cgroup" "$T/daemon.err"; then JOBLIM='job-pids = 8'; else JOBLIM='# no cgroup jobs'; fi
cat >"$S/limits.service" <<EOF
exec = /bin/sh -c 'echo \$\$ > "$T/limits.pid"; exec /bin/sleep 1000'
limit-nofile = 64:128
$JOBLIM
EOF
mkfifo "$T/sready"
"$BIN/svcmgr" --dir "$S" --socket "$SOCK" --control "$CTL" --log-dir "$T/log" \
    >"$T/sready" 2>"$T/svcmgr.err" &
SMPID=$!
exec 4<"$T/sready"
read -r line <&4
if [ "$line" = "svcmgr: ready on $CTL" ]; then ok "svcmgr: ready line"; else
    bad "svcmgr ready line: '$line'"; cat "$T/svcmgr.err"; exit 1; fi
has "svcmgr refuses bad.service with file:line" "$T/svcmgr.err" "$S/bad.service:3: restart: 'sometimes'"
has "svcmgr: the others still load" "$T/svcmgr.err" "ready on $CTL: 16 services"

expect "status --json" 0 sc --json status
json_ok "status --json: five services, bad ones absent" "$T/out" \
    'sorted(x["name"] for x in d[0]["services"]) == ["app", "churn", "crash", "cyc1", "cyc2", "db", "family", "fdready", "late", "limited", "limits", "notifier", "numbers", "once", "sleeper", "stubborn"]'
expect "status (text)" 0 sc status
has "status: a header" "$T/out" "^NAME  *STATE  *KOID  *RESTARTS"

# crash: restarted, with growing then capped delays
until_py "crash restarted 6 times" crash 's["restarts"] >= 6'
json_ok "crash: its last 8 ends, newest first, each exited 1 (exit)" "$T/st.json" \
    'len(d[0]["services"][0]["ends"]) == min(8, d[0]["services"][0]["restarts"] + (d[0]["services"][0]["state"] != "running")) and all(e["kind"] == "exited" and e["code"] == 1 and e["reason"] == "exit" for e in d[0]["services"][0]["ends"]) and [e["time_ms"] for e in d[0]["services"][0]["ends"]] == sorted((e["time_ms"] for e in d[0]["services"][0]["ends"]), reverse=True)'
json_ok "crash: last end exited 1, reason exit" "$T/st.json" \
    'd[0]["services"][0]["last_end"]["kind"] == "exited" and d[0]["services"][0]["last_end"]["code"] == 1 and d[0]["services"][0]["last_end"]["reason"] == "exit"'
sed -n 's/.*svcmgr: crash: restart \([0-9]*\) in \([0-9]*\) ms$/\1 \2/p' "$T/svcmgr.err" >"$T/delays"
if "$PY" -c 'import sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1])]
n = [r[0] for r in rows]; dl = [r[1] for r in rows][:6]
assert n[:6] == [1, 2, 3, 4, 5, 6], n
assert dl == [20, 40, 80, 160, 160, 160], dl' "$T/delays" 2>"$T/py.err"; then
    ok "crash: restarts 1..6 announced with delays 20, 40, 80, 160, 160, 160 ms (backoff 2, cap 160)"
else bad "crash: delays"; sed 's/^/#   /' "$T/delays" "$T/py.err"; fi
wait_for "$T/log/crash.log" "to stderr"
runs=$(grep -c ' run [0-9]*$' "$T/log/crash.log")
errs=$(grep -c ' to stderr$' "$T/log/crash.log")
if [ "$runs" -ge 6 ] && [ "$errs" -ge 6 ]; then
    ok "crash.log: stdout and stderr of every run, timestamped ($runs runs)"
else bad "crash.log: $runs runs, $errs stderr lines"; sed 's/^/#   /' "$T/log/crash.log"; fi
has "crash.log: RFC 3339 stamps" "$T/log/crash.log" '^20[0-9-]*T[0-9:.]*Z run '

# once: restart = no
until_py "once: failed, not restarted" once 's["state"] == "failed" and s["restarts"] == 0'
json_ok "once: last end exited 3" "$T/st.json" 'd[0]["services"][0]["last_end"]["code"] == 3'
has "once.log: its output" "$T/log/once.log" " once$"
if grep -q "once: restart" "$T/svcmgr.err"; then bad "once was restarted"; else ok "once: no restart announced"; fi

# readiness: sd_notify (READY=1, STATUS=, WATCHDOG=1) and an s6 fd
until_py "notifier: starting, its STATUS shown" notifier \
    's["state"] == "starting" and s["status_text"] == "waiting for go"'
until_py "fdready: starting" fdready 's["state"] == "starting"'
NP=$(pid_of "$T/notifier.pid")
tr '\0' '\n' <"/proc/$NP/environ" >"$T/nenv"
has "notifier: NOTIFY_SOCKET in its environment" "$T/nenv" "^NOTIFY_SOCKET=$CTL.notify/notifier\$"
has "notifier: WATCHDOG_USEC in its environment" "$T/nenv" "^WATCHDOG_USEC=2000000\$"
touch "$T/go" "$T/go5"
until_py "notifier: ready after READY=1, STATUS=serving" notifier \
    's["state"] == "ready" and s["status_text"] == "serving" and s["restarts"] == 0'
until_py "fdready: ready after a newline on fd 5" fdready 's["state"] == "ready"'
expect "status (text): ready and the status text" 0 sc status notifier
has "status text: notifier ready, status: serving" "$T/out" "^notifier  *ready .*; status: serving\$"
rm "$T/ping"
until_py "notifier: silent, stopped by its watchdog and restarted" notifier \
    's["restarts"] >= 1 and s["last_end"]["reason"] == "watchdog" and s["last_end"]["signal_name"] == "SIGTERM"'
has "svcmgr logged the watchdog" "$T/svcmgr.err" "notifier: watchdog: no WATCHDOG=1 in 2000 ms; stopping it"
gone "notifier: the silent run is gone" "$NP"
expect "stop notifier (its watchdog would restart it again and again)" 0 sc stop notifier
until_py "notifier: stopped" notifier 's["state"] == "stopped"'

# dependencies: app requires db (ready by fd), late comes after app
until_py "app: waiting while db is starting" app 's["state"] == "waiting" and s["koid"] is None'
until_py "late: waiting (after app)" late 's["state"] == "waiting"'
touch "$T/dbgo"
until_py "db: ready" db 's["state"] == "ready"'
until_py "app: running once db is ready" app 's["state"] == "running"'
until_py "late: running after app" late 's["state"] == "running"'
line_of() { grep -n -- "$1" "$T/svcmgr.err" | head -n 1 | cut -d: -f1; }
L1=$(line_of "db: ready"); L2=$(line_of "app: started"); L3=$(line_of "late: started")
[ -n "$L1" ] && [ -n "$L2" ] && [ -n "$L3" ] && [ "$L1" -lt "$L2" ] && [ "$L2" -lt "$L3" ] \
    && ok "start order in svcmgr's log: db ready, app started, late started" \
    || bad "start order: db ready at line '$L1', app started '$L2', late started '$L3'"
A1=$(pid_of "$T/app.pid"); D1=$(pid_of "$T/db.pid")
rm -f "$T/app.pid"
expect "restart db" 0 sc restart db
has "svcmgr: app restarted because db ended" "$T/svcmgr.err" "app: restarting it: requires db, which ended"
gone "restart db: app's old run" "$A1"
gone "restart db: db's old run" "$D1"
until_py "app: running again after db's restart" app 's["state"] == "running"'
A2=$(pid_of "$T/app.pid")
[ "$A2" != "$A1" ] && alive "$A2" && ok "app: a new run (pid $A2)" || bad "app: pid '$A2' after db's restart"
expect "stop db" 0 sc stop db
until_py "stop db: app, which requires it, stopped too" app 's["state"] == "stopped"'
gone "stop db: app's run" "$A2"
expect "start db" 0 sc start db
until_py "start db: ready again" db 's["state"] == "ready"'
expect "status app: still stopped" 0 sc --json status app
json_ok "start db: app stays stopped" "$T/out" 'd[0]["services"][0]["state"] == "stopped"'
expect "start app" 0 sc start app
until_py "app: running" app 's["state"] == "running"'
A3=$(pid_of "$T/app.pid")
expect "status cyc1 cyc2" 0 sc --json status
json_ok "a requires/after cycle: both failed, the message says why" "$T/out" \
    'all(x["state"] == "failed" and "a cycle of requires/after" in x["last_end"]["message"] for x in d[0]["services"] if x["name"] in ("cyc1", "cyc2"))'

# limits: set before the first instruction
LP=$(pid_of "$T/limits.pid")
grep -q "^Max open files  *64  *128 " "/proc/$LP/limits" && ok "limits: nofile 64:128 in /proc/PID/limits" \
    || bad "limits: $(grep 'open files' "/proc/$LP/limits")"
LK=$(pyval limits 's["koid"]')
if [ "$JOBLIM" = "job-pids = 8" ]; then
    expect "procctl job of limits' run" 0 pc job "$LK"
    has "limits: its job's pids.max is 8" "$T/out" "^pids: current [0-9]* max 8\$"
else
    ok "# skip job-pids: procmgrd's jobs are not cgroups here"
fi

# numbers: every line of four runs in its rotated logs, in order
until_py "numbers: 3 crashes, then exit 0" numbers 's["state"] == "stopped" and s["restarts"] == 3'
if "$PY" -c 'import os, re, sys
d, keep, mx = sys.argv[1], 100, 65536
files = sorted((f for f in os.listdir(d) if f.startswith("numbers.log.")),
               key=lambda f: -int(f.rsplit(".", 1)[1])) + ["numbers.log"]
assert 40 <= len(files) <= keep + 1, files
lines = []
for f in files:
    data = open(os.path.join(d, f), "rb").read()
    assert data.endswith(b"\n"), f
    if f != "numbers.log":
        assert mx <= len(data) <= mx + 64, (f, len(data))
    for l in data.decode().splitlines():
        m = re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d\dZ (\d+)", l)
        assert m, l
        lines.append(int(m.group(1)))
assert lines == list(range(1, 100001)), (len(lines), [i for i, v in enumerate(lines) if v != i + 1][:3])
print(len(files))' "$T/log" >"$T/nfiles" 2>"$T/py.err"; then
    ok "numbers: lines 1..100000 in order over $(cat "$T/nfiles") files, each rotated file 64K plus at most one line"
else bad "numbers: log"; sed 's/^/#   /' "$T/py.err" | tail -5; ls -l "$T/log" | head -5 | sed 's/^/#   /'; fi

# churn: rotation with retention keeps the directory under its bound
until_py "churn: ended" churn 's["state"] == "stopped"'
if "$PY" -c 'import os, sys
d = sys.argv[1]
files = sorted(f for f in os.listdir(d) if f.startswith("churn.log"))
assert files == ["churn.log", "churn.log.1", "churn.log.2"], files
total = sum(os.path.getsize(os.path.join(d, f)) for f in files)
assert total <= 3 * (16384 + 64), total
last = open(os.path.join(d, "churn.log")).read().splitlines()[-1]
assert last.endswith(" 100000"), last' "$T/log" 2>"$T/py.err"; then
    ok "churn: churn.log, .1 and .2 only, at most 3 x (16K + a line), ending with line 100000"
else bad "churn: log"; sed 's/^/#   /' "$T/py.err" | tail -5; fi

# limited: 3 restarts in its window, then failed until an operator acts
until_py "limited: failed after 3 restarts" limited 's["state"] == "failed" and s["restarts"] == 3'
json_ok "limited: the message says why" "$T/st.json" \
    '"restart limit reached (3 in 600000 ms)" in d[0]["services"][0]["last_end"]["message"]'
expect "start limited: an operator acts" 0 sc start limited
until_py "limited: restarted again, failed again after 3 more" limited \
    's["state"] == "failed" and s["restarts"] == 6'
[ "$(grep -c ' try$' "$T/log/limited.log")" -eq 8 ] && ok "limited.log: 8 runs (1 + 3, 1 + 3)" \
    || bad "limited.log: $(grep -c ' try$' "$T/log/limited.log") runs"

# svcmgr's descriptors do not grow with restarts: crash stopped twice,
# with other restarts between, counted both times
expect "stop crash (in backoff)" 0 sc stop crash
until_py "crash stopped" crash 's["state"] == "stopped"'
FD1=$(fds_settled "$SMPID")
R1=$(pyval crash 's["restarts"]')
expect "start crash" 0 sc start crash
"$BIN/svcctl" --socket "$CTL" logs -n 0 -f crash >"$T/follow" 2>&1 &
FPID=$!
if wait_for "$T/follow" ' run [0-9]*$'; then ok "logs -f: the lines appended after it started"
else bad "logs -f: nothing followed"; sed 's/^/#   /' "$T/follow"; fi
kill "$FPID"; wait "$FPID" 2>/dev/null
until_py "crash restarted 4 more times" crash "s['restarts'] >= $R1 + 4"
expect "stop crash again" 0 sc stop crash
until_py "crash stopped again" crash 's["state"] == "stopped"'
FD2=$(fds_settled "$SMPID")
[ "$FD1" -eq "$FD2" ] && ok "svcmgr: $FD1 descriptors before and after 4 restarts" \
    || bad "svcmgr: $FD1 descriptors, then $FD2"

# sleeper: the stop signal ends it
P1=$(pid_of "$T/sleeper.pid")
alive "$P1" && ok "sleeper runs (pid $P1)" || bad "sleeper: pid '$P1' not running"
until_py "sleeper: running with a koid" sleeper 's["state"] == "running" and s["koid"] > 0 and s["pid"] is None'
expect "svcctl --json stop sleeper" 0 sc --json stop sleeper
json_ok "stop --json: stopped, killed by SIGTERM, reason stop" "$T/out" \
    'd[0]["state"] == "stopped" and d[0]["last_end"]["signal_name"] == "SIGTERM" and d[0]["last_end"]["reason"] == "stop"'
gone "sleeper stopped" "$P1"
rm -f "$T/sleeper.pid"
expect "svcctl --json start sleeper" 0 sc --json start sleeper
json_ok "start --json: running" "$T/out" 'd[0]["state"] == "running" and d[0]["koid"] > 0'
P2=$(pid_of "$T/sleeper.pid")
[ -n "$P2" ] && [ "$P2" != "$P1" ] && alive "$P2" && ok "sleeper started again (pid $P2)" \
    || bad "sleeper: pid '$P2' after start"
K2=$(pyval sleeper 's["koid"]')
rm -f "$T/sleeper.pid"
expect "svcctl --json restart sleeper" 0 sc --json restart sleeper
json_ok "restart --json: running, a new koid" "$T/out" "d[0]['state'] == 'running' and d[0]['koid'] != $K2"
gone "restart: the old run" "$P2"
P3=$(pid_of "$T/sleeper.pid")
alive "$P3" && ok "restart: the new run (pid $P3)" || bad "restart: pid '$P3'"
expect "start of a running service: no-op" 0 sc start sleeper
has "start of a running service: still running" "$T/out" "^sleeper: running$"

# stubborn ignores TERM: SIGKILL after its grace
P4=$(pid_of "$T/stubborn.pid")
alive "$P4" && ok "stubborn runs (pid $P4)" || bad "stubborn: pid '$P4'"
pc ps >"$T/ps"
has "procctl ps: the services run under procmgrd, PID the service's own" "$T/ps" " running  *-  *$P4  *stubborn$"
expect "svcctl stop stubborn" 0 sc stop stubborn
has "stop stubborn: stopped" "$T/out" "^stubborn: stopped$"
expect "status stubborn --json" 0 sc status stubborn --json
json_ok "stubborn: killed by SIGKILL after the grace (stop-kill)" "$T/out" \
    'd[0]["services"][0]["last_end"]["signal_name"] == "SIGKILL" and d[0]["services"][0]["last_end"]["reason"] == "stop-kill"'
gone "stubborn stopped" "$P4"
has "svcmgr logged the SIGKILL" "$T/svcmgr.err" "stubborn: grace over: SIGKILL"

# list, logs
expect "list --json" 0 sc --json list
json_ok "list --json: names and states" "$T/out" \
    '{x["name"]: x["state"] for x in d[0]["services"]}["stubborn"] == "stopped"'
expect "logs -n 2 crash" 0 sc logs -n 2 crash
[ "$(wc -l <"$T/out")" -eq 2 ] && [ "$(tail -n 1 "$T/out")" = "$(tail -n 1 "$T/log/crash.log")" ] \
    && ok "logs -n 2: the last two lines of crash.log" || bad "logs -n 2: $(cat "$T/out")"
expect "logs --json crash" 0 sc --json logs crash --lines=3
json_ok "logs --json: time and line, 3 lines" "$T/out" \
    'len(d) == 3 and all(x["time"].endswith("Z") and x["line"] in ("to stderr",) or x["line"].startswith("run ") for x in d)'
usage_err "logs -n x" "^svcctl: logs: -n 'x': not a number of lines" "$BIN/svcctl" logs -n x crash
usage_err "logs -n without a value" "^svcctl: logs: option '-n' needs a value" "$BIN/svcctl" logs crash -n
usage_err "list with a name" "^svcctl: list: unexpected argument 'x'" "$BIN/svcctl" list x

# reload: a new file starts, a removed one goes, a changed one restarts, a
# refused one is left as it was, an unchanged running one keeps its pid
K3=$(pyval sleeper 's["koid"]')
cat >"$S/fresh.service" <<EOF
exec = /bin/sh -c 'echo \$\$ > "$T/fresh.pid"; exec /bin/sleep 1000'
EOF
rm "$S/limited.service" "$S/bad.service" "$S/quote.service"
printf 'restart-reset-after = 30s\n' >>"$S/crash.service"
cp "$S/stubborn.service" "$T/stubborn.keep"
printf 'stop-grace = 1 s\n' >>"$S/stubborn.service"
expect "reload --json: one refused file, exit 1" 1 sc --json reload
json_ok "reload --json: added, removed, changed, refused, unchanged" "$T/out" \
    '{x["name"]: x["action"] for x in d[0]["services"]} == {"app": "unchanged", "limits": "unchanged", "db": "unchanged", "late": "unchanged", "cyc1": "unchanged", "cyc2": "unchanged", "churn": "unchanged", "numbers": "unchanged", "notifier": "unchanged", "fdready": "unchanged", "crash": "changed", "family": "unchanged", "fresh": "added", "limited": "removed", "once": "unchanged", "sleeper": "unchanged", "stubborn": "refused"}'
json_ok "reload --json: the refusal names file:line and key" "$T/out" \
    '[x for x in d[0]["services"] if x["name"] == "stubborn"][0]["message"] == "'"$S"'/stubborn.service:4: stop-grace: given twice (first at line 3); keep one"'
F1=$(pid_of "$T/fresh.pid")
alive "$F1" && ok "reload: fresh started (pid $F1)" || bad "reload: fresh pid '$F1'"
alive "$P3" && ok "reload: sleeper untouched (pid $P3)" || bad "reload: sleeper pid $P3 gone"
[ "$(pyval sleeper 's["koid"]')" = "$K3" ] && ok "reload: sleeper's koid unchanged" || bad "reload: sleeper's koid changed"
i=0
while sc status limited >/dev/null 2>&1 && [ $i -lt 1200 ]; do i=$((i + 1)); sleep 0.05; done
expect "reload: status of a removed service" 1 sc status limited
has "reload: limited is no longer known" "$T/err" "no such service"
expect "status crash after reload" 0 sc --json status crash
json_ok "reload: changed crash stays stopped" "$T/out" 'd[0]["services"][0]["state"] == "stopped"'
cp "$T/stubborn.keep" "$S/stubborn.service"
printf 'env = CHANGED=1\n' >>"$S/fresh.service"
rm -f "$T/fresh.pid"
expect "reload after the fixes" 0 sc reload
has "reload: fresh changed" "$T/out" "^fresh: changed$"
has "reload: stubborn unchanged once restored" "$T/out" "^stubborn: unchanged$"
gone "reload: fresh's old run stopped" "$F1"
F2=$(pid_of "$T/fresh.pid")
alive "$F2" && [ "$F2" != "$F1" ] && ok "reload: fresh restarted with its new definition (pid $F2)" \
    || bad "reload: fresh pid '$F2'"
alive "$P3" && ok "reload: sleeper still untouched (pid $P3)" || bad "reload: sleeper pid $P3 gone"
grep -q '^CHANGED=1$' "/proc/$F2/environ" 2>/dev/null && ok "reload: fresh runs with CHANGED=1" \
    || bad "reload: fresh's environment: $(tr '\0' ' ' <"/proc/$F2/environ" 2>&1)"

# family: the service's own child is killed with its job
FP=$(pid_of "$T/family.pid"); CP=$(pid_of "$T/child.pid")
alive "$CP" && ok "family: its child runs (pid $CP)" || bad "family: child pid '$CP'"
FK=$(pyval family 's["koid"]')
if pc job "$FK" 2>/dev/null | grep -q "mode cgroup"; then
    expect "stop family" 0 sc stop family
    gone "family stopped" "$FP"
    gone "family's child killed with its job" "$CP"
else
    ok "# skip family's child: procmgrd's jobs are not cgroups here (MEMBERS)"
    expect "stop family" 0 sc stop family
    gone "family stopped" "$FP"
    kill -9 "$CP" 2>/dev/null
fi

# refusals
expect "stop an unknown service: exit 1" 1 sc stop nosuch
has "unknown service: named" "$T/err" "^svcctl: nosuch: no such service (not loaded) (no-such-service)$"
expect "status of an unknown service: exit 1" 1 sc --json status nosuch
[ -s "$T/out" ] && bad "refusal: something on stdout" || ok "refusal: nothing on stdout"
expect "status NAME" 0 sc status once
[ "$(wc -l <"$T/out")" -eq 2 ] && ok "status NAME: the header and one line" || bad "status NAME: $(cat "$T/out")"

# hostile requests on svcmgr's control socket: each gets an error reply,
# and svcmgr goes on answering
if "$PY" -c 'import socket, sys
def ask(m):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    c.connect(sys.argv[1]); c.send(m); r = c.recv(1 << 18); c.close(); return r.decode()
for m, want in [(b"frob", "error\tbad-request\tunknown command"),
                (b"x" * 300, "error\tbad-request\ta request is at most 256"),
                (b"status\0x", "error\tbad-request"),
                (b"reload now", "error\tbad-request\treload takes no name"),
                (b"stop", "error\tno-such-service\ta service name is needed"),
                (b"status a\tb", "error\tno-such-service"),
                (b"status ../crash", "error\tno-such-service"),
                (b"\xff\xfe", "error\tbad-request")]:
    r = ask(m)
    assert r.startswith(want), (m, r)
assert ask(b"status once").startswith("ok\nonce\t")' "$CTL" 2>"$T/py.err"; then
    ok "control socket: hostile requests refused with an error reply, svcmgr still answers"
else bad "control socket"; sed 's/^/#   /' "$T/py.err"; fi

# --- shutdown: nothing left behind -------------------------------------------------
kill -TERM "$SMPID"; wait "$SMPID"; rc=$?; SMPID=
[ $rc -eq 0 ] && ok "svcmgr: TERM, exit 0" || bad "svcmgr: TERM, exit $rc"
gone "TERM stopped sleeper" "$P3"
gone "TERM stopped fresh" "$F2"
[ -e "$CTL.notify" ] && bad "the notify directory is left" || ok "the notify directory is removed"
has "svcmgr: every service stopped" "$T/svcmgr.err" "every service stopped; exiting"
gone "TERM stopped app" "$A3"
S0=$(line_of "stopping every service")
L1=$(sed -n "$S0,\$p" "$T/svcmgr.err" | grep -n "late: stopped\$" | head -n 1 | cut -d: -f1)
L2=$(sed -n "$S0,\$p" "$T/svcmgr.err" | grep -n "app: stopping koid" | head -n 1 | cut -d: -f1)
L3=$(sed -n "$S0,\$p" "$T/svcmgr.err" | grep -n "app: stopped\$" | head -n 1 | cut -d: -f1)
L4=$(sed -n "$S0,\$p" "$T/svcmgr.err" | grep -n "db: stopping koid" | head -n 1 | cut -d: -f1)
[ -n "$L1" ] && [ -n "$L2" ] && [ -n "$L3" ] && [ -n "$L4" ] && [ "$L1" -lt "$L2" ] && [ "$L3" -lt "$L4" ] \
    && ok "shutdown in reverse order: late stopped before app is stopped, app before db" \
    || bad "shutdown order: late stopped '$L1', app stopping '$L2', app stopped '$L3', db stopping '$L4'"
[ -e "$CTL" ] && bad "the control socket is left" || ok "the control socket is removed"
left=$(ours | wc -l)
[ "$left" -eq 0 ] && ok "no process of this test's services left" || bad "$left processes left"
i=0
while pc ps | grep -q " running " && [ $i -lt 1200 ]; do i=$((i + 1)); sleep 0.05; done
expect "procctl --json ps" 0 pc --json ps
json_ok "procmgrd runs no process any more" "$T/out" \
    'all(p["state"] != "running" for p in d[0])'
n=$(fds_back_to "$PMFDS")
[ "$n" -eq "$PMFDS" ] && ok "procmgrd back to $PMFDS descriptors" || bad "procmgrd: $n descriptors, was $PMFDS"

kill -TERM "$DPID"; wait "$DPID"; DPID=
tap_end svcmgr
