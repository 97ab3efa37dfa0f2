#!/bin/sh
# Integration test of the command-line conventions and of what an operator
# sees (issue 20; spec/daemon.md, "Command-line conventions"), against a
# real procmgrd over the Linux backend:
#   - procctl, procmgrd, elfcheck: --help and --version on stdout, exit 0;
#     a usage error is one line naming what was wrong and a pointer to
#     --help, exit 2; --opt=VALUE;
#   - procctl COMMAND --help: a short usage of that command, exit 0;
#   - sizes with K/M/G suffixes;
#   - every --json output read back by a real JSON parser (python3), with a
#     program path and a process name holding a quote, a tab and a byte
#     that is not UTF-8; a running process has "exit_code":null;
#   - refusals that name the file or object, in plain words, with the code.
#
#   tests/daemon/cli.sh BINDIR
set -u
BIN=$(cd "$1" && pwd)
. "$(dirname "$0")/lib.sh"
tap_begin pmd-cli
PY=${PYTHON:-python3}
NX=
tap_cleanup_more() { [ -n "$NX" ] && umount "$NX" 2>/dev/null; }


# --- --help, --version, usage errors of every program ------------------------------
conventions procctl procmgrd elfcheck
usage_err "procmgrd --socket without a value" "needs a value" "$BIN/procmgrd" --socket
usage_err "procmgrd --stub-timeout=x" "^procmgrd: --stub-timeout expects milliseconds in 1..3600000, not 'x'" \
    "$BIN/procmgrd" --stub-timeout=x
usage_err "procmgrd --lease-timeout 0" "^procmgrd: --lease-timeout expects milliseconds in 1..86400000, not '0'" \
    "$BIN/procmgrd" --lease-timeout 0
usage_err "elfcheck --policy without a value" "needs a value" "$BIN/elfcheck" --policy

for c in run spawn watch ps info job job-limit kill stop wait wait-any start suspend \
         resume priority limit resolve help; do
    "$BIN/procctl" "$c" --help >"$T/out" 2>"$T/err" </dev/null; rc=$?
    n=$(wc -l <"$T/out")
    if [ $rc -eq 0 ] && [ ! -s "$T/err" ] && grep -q "^usage: procctl $c" "$T/out" && [ "$n" -lt 25 ]; then
        ok "procctl $c --help: its own usage ($n lines), exit 0"
    else
        bad "procctl $c --help: exit $rc, $n lines"; sed 's/^/#   /' "$T/out" "$T/err"
    fi
done
expect "procctl help kill" 0 "$BIN/procctl" help kill
has "procctl help kill: kill's usage" "$T/out" "^usage: procctl kill"
# PROGRAM's own options are its arguments, not procctl's
"$BIN/procctl" --socket "$T/none.sock" run -- /bin/true --help >"$T/out" 2>&1
[ $? -eq 4 ] && ok "run -- PROG --help: --help is PROG's" || bad "run -- PROG --help taken by procctl"

usage_err "no command" "no COMMAND given" "$BIN/procctl"
usage_err "unknown command" "unknown command 'frobnicate'" "$BIN/procctl" frobnicate
usage_err "--socket without a value" "option '--socket' needs a value" "$BIN/procctl" --socket
usage_err "run without a program" "^procctl: run: no PROGRAM given" "$BIN/procctl" run
usage_err "run --name without a value" "option '--name' needs a value" "$BIN/procctl" run --name
usage_err "run --rlimit unknown resource" "--rlimit 'stack=1'" "$BIN/procctl" run --rlimit stack=1 -- /bin/true
usage_err "run --rlimit bad size" "--rlimit 'as=12Q'" "$BIN/procctl" run --rlimit as=12Q -- /bin/true
usage_err "run --env without =" "--env 'NOEQUALS'" "$BIN/procctl" run --env NOEQUALS -- /bin/true
usage_err "kill --signal unknown" "unknown signal 'FROB'" "$BIN/procctl" kill --signal FROB 5
usage_err "kill without an ID" "missing operand" "$BIN/procctl" kill
usage_err "stop --timeout (wait's option)" "does not apply to stop" "$BIN/procctl" stop --timeout 1 5
usage_err "info with a bad ID" "ID must be a process id" "$BIN/procctl" info abc
usage_err "ps with an extra argument" "unexpected argument 'extra'" "$BIN/procctl" ps extra
usage_err "job-limit --memory bad size" "--memory '1Q'" "$BIN/procctl" job-limit 5 --memory 1Q
usage_err "job-limit with nothing to set" "nothing to set" "$BIN/procctl" job-limit 5
usage_err "limit as with a bad size" "bad value '1X'" "$BIN/procctl" limit 5 as 1X
usage_err "priority with an unknown level" "unknown level 'loud'" "$BIN/procctl" priority 5 loud

# --- a daemon; --opt=VALUE ------------------------------------------------------------
start_daemon "$BIN/procmgrd"
expect "procctl --socket=PATH ps" 0 "$BIN/procctl" --socket="$SOCK" ps
has "ps: PID and NAME columns" "$T/out" "^KOID .*EXIT *PID *NAME$"

# the program at a hostile path: a quote, a tab, a byte that is not UTF-8
HOSTILE=$(printf '%s/q"t\tb\377' "$T")
cp /bin/sleep "$HOSTILE"
expect "spawn a program at a hostile path" 0 pc spawn -- "$HOSTILE" 300
HID=$(cat "$T/out")
expect "spawn --name hostile, --rlimit as=64M:1G (size suffixes)" 0 \
    pc --json spawn --name "$(printf 'n"a\\m\te\001\377')" --rlimit as=64M:1G -- /bin/sleep 300
json_ok "spawn --json: valid, the koid" "$T/out" 'isinstance(d[0]["koid"], int)'
NID=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["koid"])' "$T/out")

expect "--json info of the hostile path" 0 pc --json info "$HID"
json_ok "info --json: the name with its quote and tab, U+FFFD for the bad byte" "$T/out" \
    'd[0]["name"].endswith("q\"t\tb\ufffd") and d[0]["koid"] == '"$HID"
json_ok "info --json of a running process: exit_code and status null" "$T/out" \
    'd[0]["state"] == "running" and d[0]["exit_code"] is None and d[0]["status"] is None'
expect "--json info of the hostile name" 0 pc --json info "$NID"
json_ok "info --json: name escaped, as limit from 64M:1G" "$T/out" \
    'd[0]["name"] == "n\"a\\m\te\x01\ufffd" and d[0]["rlimits"]["as"] == [64 << 20, 1 << 30]'
expect "--json ps" 0 pc --json ps
json_ok "ps --json: both processes with their names" "$T/out" \
    'set(p["name"] for p in d[0] if p["koid"] in ('"$HID,$NID"')) == {"n\"a\\m\te\x01\ufffd", d[0][[p["koid"] for p in d[0]].index('"$HID"')]["name"]} and all("exit_code" in p for p in d[0])'
expect "ps (text)" 0 pc ps
has "ps: the name shown, control bytes as \\xHH" "$T/out" "^$NID .*n\"a\\\\x5cm\\\\x09e\\\\x01"
expect "--json job of its own job" 0 pc --json job "$HID"
json_ok "job --json: valid, its process listed with its name" "$T/out" \
    'd[0]["job"] == '"$HID"' and d[0]["processes"][0]["name"].endswith("\ufffd")'
expect "limit ID as 32M:64M" 0 pc limit "$NID" as 32M:64M
expect "--json info after limit" 0 pc --json info "$NID"
json_ok "limit as 32M:64M arrived" "$T/out" 'd[0]["rlimits"]["as"] == [32 << 20, 64 << 20]'
expect "--json stop --grace 0" 143 pc --json stop --grace 0 "$NID"
json_ok "stop --json: the end, valid" "$T/out" 'd[0]["end"] == "killed" and d[0]["signal_name"] == "SIGTERM" and d[0]["status"] == 143'
expect "--json kill" 0 pc --json kill "$HID"
expect "--json run" 3 pc --json run -- /bin/sh -c 'exit 3'
json_ok "run --json: the end on stderr, valid" "$T/err" 'd[0]["code"] == 3 and d[0]["status"] == 3'
expect "--json resolve of an unknown name" 1 pc --json resolve "$(printf 'x"\t')"
[ ! -s "$T/out" ] && ok "resolve refused: nothing on stdout" || bad "resolve refused: output on stdout"
"$BIN/elfcheck" --json "$HOSTILE" /etc/passwd "$T" >"$T/out" 2>/dev/null
json_ok "elfcheck --json: hostile path, a rejection, an error" "$T/out" \
    '[x["result"] for x in d] == ["ok", "rejected", "error"] and d[0]["file"].endswith("\ufffd")'

# --- the host pid, and the ring of recent ends (spec/daemon.md section 9, items 9-10) ---
expect "spawn sleep infinity" 0 pc spawn -- /bin/sleep infinity
SID=$(cat "$T/out")
expect "ps, for the PID column" 0 pc ps
SPID=$(awk -v id="$SID" '$1 == id { print $6 }' "$T/out")
if [ -n "$SPID" ] && [ -r "/proc/$SPID/cmdline" ] &&
   [ "$(tr '\0' ' ' <"/proc/$SPID/cmdline")" = "/bin/sleep infinity " ] &&
   [ "$(awk '{ print $4 }' "/proc/$SPID/stat")" = "$DPID" ]; then
    ok "ps: PID $SPID is the process (/proc: its argv, procmgrd its parent)"
else
    bad "ps: PID '$SPID' of koid $SID is not the process"; sed 's/^/#   /' "$T/out"
fi
expect "--json ps, for the pid" 0 pc --json ps
json_ok "ps --json: every entry has a pid, this one the text's" "$T/out" \
    'all("pid" in p for p in d[0]) and [p["pid"] for p in d[0] if p["koid"] == '"$SID"'] == ['"${SPID:-0}"']'
expect "info, for the pid" 0 pc info "$SID"
has "info: the pid line" "$T/out" "^pid: *$SPID\$"
expect "--json info, for the pid" 0 pc --json info "$SID"
json_ok "info --json: pid, not collected, no end time" "$T/out" \
    'd[0]["pid"] == '"${SPID:-0}"' and d[0]["collected"] is False and d[0]["end_time"] is None'
expect "kill the sleep" 0 pc kill "$SID"
# spawn keeps no handle: once wait closes its handle the record is
# collected, and only the ring of recent ends still knows the process
expect "spawn sh -c 'exit 7'" 0 pc spawn -- /bin/sh -c 'exit 7'
EID=$(cat "$T/out")
expect "wait for it (its record is collected when wait closes its handle)" 7 pc wait "$EID"
expect "ps without --all" 0 pc ps
if grep -q "^$EID " "$T/out"; then bad "ps: a collected process listed without --all"
else ok "ps: a collected process is not listed without --all"; fi
expect "ps --all" 0 pc ps --all
has "ps --all: the collected process, exited 7, its pid and name" "$T/out" \
    "^$EID  *0  *$EID  *exited  *7  *[1-9][0-9]*  */bin/sh\$"
expect "--json ps --all" 0 pc --json ps --all
json_ok "ps --all --json: exited 7, collected, a pid" "$T/out" \
    '[(p["state"], p["exit_code"], p["collected"], p["pid"] > 0) for p in d[0] if p["koid"] == '"$EID"'] == [("exited", 7, True, True)]'
expect "info of the collected process" 0 pc info "$EID"
has "info: the record, exited 7" "$T/out" "^$EID  *0  *$EID  *exited  *7\$"
has "info: how it ended" "$T/out" "^end: *exited 7\$"
has "info: from the ring of recent ends" "$T/out" "^collected: yes"
has "info: when it ended (UTC)" "$T/out" "^ended at: *20[0-9-]*T[0-9:.]*Z\$"
expect "--json info of the collected process" 0 pc --json info "$EID"
json_ok "info --json: exited 7, collected, pid, end time, status" "$T/out" \
    'd[0]["koid"] == '"$EID"' and d[0]["end"] == "exited" and d[0]["code"] == 7 and d[0]["status"] == 7 and d[0]["collected"] is True and d[0]["pid"] > 0 and d[0]["end_time"].endswith("Z") and d[0]["name"] == "/bin/sh"'
expect "wait on the collected process: its status again" 7 pc wait "$EID"
has "wait: how it ended" "$T/out" "^exited 7\$"
expect "spawn sh -c 'kill -USR1 \$\$'" 0 pc spawn -- /bin/sh -c 'kill -USR1 $$'
KID=$(cat "$T/out")
expect "wait for the signalled one (collected after)" 138 pc wait "$KID"
expect "--json ps --all, the signalled one" 0 pc --json ps --all
json_ok "ps --all --json: killed by signal 10" "$T/out" \
    '[(p["state"], p["exit_code"], p["collected"]) for p in d[0] if p["koid"] == '"$KID"'] == [("killed", 10, True)]'
expect "--json info of the collected signalled one" 0 pc --json info "$KID"
json_ok "info --json: killed by SIGUSR1, status 138, wait status 10" "$T/out" \
    'd[0]["end"] == "killed" and d[0]["signal_name"] == "SIGUSR1" and d[0]["status"] == 138 and d[0]["wait_status"] == 10 and d[0]["collected"] is True'
expect "--json wait on the collected signalled one" 138 pc --json wait "$KID"
json_ok "wait --json: the end from the ring" "$T/out" 'd[0]["signal"] == 10 and d[0]["status"] == 138'

# --- errors a person can act on --------------------------------------------------------
expect "info of an unknown id" 1 pc info 999999
[ ! -s "$T/out" ] && ok "info 999999: no table header before the error" || bad "info 999999 printed on stdout"
has "info 999999: names the process, plain words, the code" "$T/err" \
    "^procctl: process 999999: no such process .*(NO_SUCH_PROCESS 314)\$"
expect "run a directory" 1 pc run -- /tmp
has "a directory: said so, the code kept" "$T/err" \
    "^procctl: /tmp: is a directory, not a program (K_TYPE 404)\$"
# /etc/passwd has no execute bit: refused as execve refuses it (EACCES);
# an executable copy is a text file without #!
expect "run /etc/passwd" 1 pc run -- /etc/passwd
has "/etc/passwd: named, no execute permission" "$T/err" \
    "^procctl: /etc/passwd: has no execute permission for you (mode 0644, .*(LINUX_EXEC_DENIED 530)\$"
cp /etc/passwd "$T/passwd"; chmod 755 "$T/passwd"
expect "run an executable text file" 1 pc run -- "$T/passwd"
has "text file: named, a text file without #!" "$T/err" \
    "^procctl: $T/passwd: is a text file without a '#!' line, not a program (ELF_[A-Z]* 10[12])\$"
expect "run --cwd a file" 1 pc run --cwd /etc/passwd -- /bin/true
has "--cwd FILE: names the option and its value" "$T/err" \
    "^procctl: --cwd /etc/passwd: is not a directory (K_NOT_DIRECTORY 419)\$"
expect "run --mount on a missing mount point" 1 pc run --mount "$T/nope=$T" -- /bin/true
has "--mount: names the option and its value" "$T/err" \
    "^procctl: --mount $T/nope=$T: PATH is not an existing directory to mount on (LINUX_NAME_MOUNTPOINT 518)\$"
# execute permission as execve answers it, for this client (issue 15;
# spec/security-model.md, "Execute permission"): execve refuses a program
# and a script of mode 0644 (EACCES, exit 126 from sh), procmgrd too.
cp /bin/true "$T/t644"; chmod 644 "$T/t644"
printf '#!/bin/sh\necho hi\n' >"$T/s644.sh"; chmod 644 "$T/s644.sh"
expect "execve refuses a program of mode 0644" 126 sh -c "\"$T/t644\""
expect "run a program of mode 0644" 1 pc run -- "$T/t644"
has "mode 0644: names the file, the mode, what to do, the code" "$T/err" \
    "^procctl: $T/t644: has no execute permission for you (mode 0644, owner [0-9]*, group [0-9]*): chmod +x it, as execve would need (LINUX_EXEC_DENIED 530)\$"
expect "execve refuses a script of mode 0644" 126 sh -c "\"$T/s644.sh\""
expect "run a script of mode 0644" 1 pc run -- "$T/s644.sh"
has "script of mode 0644: named, the code" "$T/err" \
    "^procctl: $T/s644.sh: has no execute permission for you (mode 0644, .*(LINUX_EXEC_DENIED 530)\$"
chmod 755 "$T/t644" "$T/s644.sh"
expect "the same program once executable" 0 pc run -- "$T/t644"
expect "the same script once executable" 0 pc run -- "$T/s644.sh"
has "the script ran" "$T/out" "^hi\$"
if [ "$(id -u)" -eq 0 ]; then
    # uid 0 needs one execute bit, any: as execve (CAP_DAC_OVERRIDE)
    cp /bin/true "$T/t010"; chmod 010 "$T/t010"
    expect "execve as root runs mode 0010" 0 sh -c "\"$T/t010\""
    expect "run as root a program of mode 0010" 0 pc run -- "$T/t010"
fi
# a program, a script and a #! interpreter on a noexec mount (where this
# machine lets us make one)
mkdir "$T/nx"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o noexec,size=4m tmpfs "$T/nx" 2>/dev/null; then
    NX=$T/nx
    cp /bin/true "$NX/true"
    printf '#!/bin/sh\necho hi\n' >"$NX/s.sh"; chmod 755 "$NX/s.sh"
    expect "execve refuses a program on a noexec mount" 126 sh -c "\"$NX/true\""
    expect "run a program on a noexec mount" 1 pc run -- "$NX/true"
    has "noexec: said so, the code" "$T/err" \
        "^procctl: $NX/true: is on a file system mounted noexec, where programs may not run (LINUX_NOEXEC 531)\$"
    expect "execve refuses a script on a noexec mount" 126 sh -c "\"$NX/s.sh\""
    expect "run a script on a noexec mount" 1 pc run -- "$NX/s.sh"
    has "script on noexec: said so, the code" "$T/err" \
        "^procctl: $NX/s.sh: is on a file system mounted noexec, where programs may not run (LINUX_NOEXEC 531)\$"
    # the #! interpreter on the noexec mount: a second daemon allows it
    cp "$(readlink -f /bin/sh)" "$NX/sh"
    printf '#!%s\necho hi\n' "$NX/sh" >"$T/nxi.sh"; chmod 755 "$T/nxi.sh"
    SOCK2=$T/second.sock
    "$BIN/procmgrd" --foreground --socket "$SOCK2" --script-interp "$NX/sh" \
        >"$T/d2.out" 2>"$T/d2.err" &
    D2=$!
    wait_for "$T/d2.out" "ready on" || bad "second daemon not ready"
    expect "execve refuses a script whose interpreter is on a noexec mount" 126 sh -c "\"$T/nxi.sh\""
    expect "run a script whose interpreter is on a noexec mount" 1 \
        "$BIN/procctl" --socket "$SOCK2" run -- "$T/nxi.sh"
    has "interpreter on noexec: names it, the code" "$T/err" \
        "^procctl: $T/nxi.sh: its #! interpreter $NX/sh is on a file system mounted noexec, where programs may not run (LINUX_NOEXEC 531)\$"
    kill "$D2"; wait "$D2" 2>/dev/null
    umount "$NX" && NX=
else
    ok "# skip noexec mount (not root, or mount refused)"
fi
# set-id programs (issue 18 item 9): execve runs them with the file's
# owner or group as effective (and saved) id, the real ids kept, and
# AT_SECURE 1.  procmgrd as root gives them the same (it ran them as
# root); where execve would raise privilege it refuses (below, as nobody).
if [ "$(id -u)" -eq 0 ] && [ -x /usr/bin/id ] && [ -x /usr/bin/env ] && [ -x /usr/bin/grep ]; then
    # same_as_execve DESC PROG ARGS...: procctl run prints what execve does
    same_as_execve() {
        d=$1; shift
        "$@" >"$T/sx.exec" 2>&1
        pc run -- "$@" >"$T/sx.run" 2>&1
        if cmp -s "$T/sx.exec" "$T/sx.run"; then ok "$d: as under execve ($(head -1 "$T/sx.run"))"
        else bad "$d: differs from execve"; sed 's/^/#   execve: /' "$T/sx.exec"; sed 's/^/#   run:    /' "$T/sx.run"; fi
    }
    cp /usr/bin/id "$T/id-su"; chown 65534 "$T/id-su"; chmod 4755 "$T/id-su"
    same_as_execve "set-uid nobody: id" "$T/id-su"
    has "set-uid nobody: effective uid 65534, real uid 0" "$T/sx.run" "^uid=0(root) gid=0(root) euid=65534"
    cp /usr/bin/id "$T/id-sg"; chgrp 65534 "$T/id-sg"; chmod 2755 "$T/id-sg"
    same_as_execve "set-gid 65534: id" "$T/id-sg"
    has "set-gid 65534: effective gid 65534" "$T/sx.run" "egid=65534"
    # the saved ids and the capabilities (permitted kept, effective none)
    cp /usr/bin/grep "$T/grep-su"; chown 65534 "$T/grep-su"; chmod 4755 "$T/grep-su"
    same_as_execve "set-uid nobody: /proc/self/status" "$T/grep-su" -E "^(Uid|Gid|CapPrm|CapEff)" /proc/self/status
    has "set-uid nobody: real, effective, saved, fs uid" "$T/sx.run" "^Uid:.0.65534.65534.65534\$"
    # /proc/self/exe is the program (the trampoline's PR_SET_MM_MAP comes
    # before the ids change: after it, the capability it needs is gone)
    cp /usr/bin/readlink "$T/rl-su"; chown 65534 "$T/rl-su"; chmod 4755 "$T/rl-su"
    same_as_execve "set-uid nobody: /proc/self/exe" "$T/rl-su" /proc/self/exe
    # AT_SECURE 1: glibc drops LD_LIBRARY_PATH from a secure program's
    # environment (it stayed: AT_SECURE was 0)
    cp /usr/bin/env "$T/env-su"; chown 65534 "$T/env-su"; chmod 4755 "$T/env-su"
    LD_LIBRARY_PATH=/nonexistent pc run -- "$T/env-su" >"$T/out" 2>&1
    if grep -q LD_LIBRARY_PATH "$T/out"; then bad "set-uid: AT_SECURE 0 (LD_LIBRARY_PATH kept)"
    else ok "set-uid: AT_SECURE 1 (glibc dropped LD_LIBRARY_PATH, as under execve)"; fi
    LD_LIBRARY_PATH=/nonexistent pc run -- /usr/bin/env >"$T/out" 2>&1
    has "a plain program keeps LD_LIBRARY_PATH (AT_SECURE 0)" "$T/out" "^LD_LIBRARY_PATH=/nonexistent\$"
    # set-uid root run by root changes nothing
    cp /usr/bin/id "$T/id-sr"; chmod 4755 "$T/id-sr"
    same_as_execve "set-uid root as root: id" "$T/id-sr"
    # on a nosuid mount execve ignores the bits: so does procmgr
    mkdir "$T/ns"
    if mount -t tmpfs -o nosuid,size=4m tmpfs "$T/ns" 2>/dev/null; then
        cp -p "$T/id-su" "$T/ns/id-su"
        same_as_execve "set-uid nobody on a nosuid mount: id" "$T/ns/id-su"
        has "the bit ignored there" "$T/sx.run" "^uid=0(root) gid=0(root) groups="
        umount "$T/ns"
    else
        ok "# skip nosuid mount (mount refused)"
    fi
else
    ok "# skip set-id programs (not root, or no id, env, grep)"
fi
# a daemon and its client as nobody: a set-uid-root program (execve would
# make it root) and a program with file capabilities (execve would raise
# them) are refused; a plain program runs as nobody
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && command -v setcap >/dev/null &&
    [ -x /usr/bin/id ]; then
    NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
    NB=$T/nb; mkdir "$NB"; chown 65534:65534 "$NB"; chmod 755 "$T"
    cp /usr/bin/id "$NB/id-sr"; chmod 4755 "$NB/id-sr"
    cp /bin/true "$NB/true-cap"; setcap cap_net_raw+ep "$NB/true-cap"
    $NOBODY "$BIN/procmgrd" --foreground --socket "$NB/s" >"$NB/d.out" 2>"$NB/d.err" &
    D3=$!
    if wait_for "$NB/d.out" "ready on"; then
        expect "as nobody: execve of a set-uid-root id" 0 $NOBODY "$NB/id-sr" -u
        has "execve makes it root" "$T/out" "^0\$"
        expect "as nobody: run a set-uid-root program" 1 $NOBODY "$BIN/procctl" --socket "$NB/s" run -- "$NB/id-sr" -u
        has "as nobody: set-uid root refused, the code" "$T/err" "is set-user-ID (mode 4755, owner 0, .*(LINUX_SETID_REFUSED 522)\$"
        expect "as nobody: run a program with file capabilities" 1 \
            $NOBODY "$BIN/procctl" --socket "$NB/s" run -- "$NB/true-cap"
        has "as nobody: file capabilities refused, the code" "$T/err" \
            "true-cap: has file capabilities (security.capability): .*(LINUX_SETID_REFUSED 522)\$"
        expect "as nobody: run id" 0 $NOBODY "$BIN/procctl" --socket "$NB/s" run -- /usr/bin/id -u
        has "it runs as nobody" "$T/out" "^65534\$"
    else
        bad "procmgrd as nobody not ready"; sed 's/^/#   /' "$NB/d.err"
    fi
    kill "$D3"; wait "$D3" 2>/dev/null
else
    ok "# skip set-id as nobody (not root, or no setpriv, setcap or id)"
fi
printf '#!/nonexistent/interp\necho hi\n' >"$T/noint.sh"; chmod +x "$T/noint.sh"
expect "run a script whose interpreter is missing" 1 pc run -- "$T/noint.sh"
has "missing interpreter: its own message" "$T/err" \
    "^procctl: $T/noint.sh: its #! interpreter /nonexistent/interp does not exist (SCRIPT_NOT_ALLOWED 346)\$"
if [ -x /usr/bin/perl ]; then
    printf '#!/usr/bin/perl\nprint "hi\\n";\n' >"$T/p.pl"; chmod +x "$T/p.pl"
    expect "run a perl script" 1 pc run -- "$T/p.pl"
    has "perl: names the interpreter and --script-interp" "$T/err" \
        "^procctl: $T/p.pl: its #! interpreter /usr/bin/perl is not allowed .*--script-interp /usr/bin/perl) (SCRIPT_NOT_ALLOWED 346)\$"
fi
"$BIN/procctl" --socket "$T/none.sock" ps >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 4 ] && grep -q "^procctl: $T/none.sock: cannot connect to procmgrd: .*(NOT_CONNECTED 342)\$" "$T/err" \
    && ok "no daemon: names the socket, exit 4" || { bad "no daemon: exit $rc"; sed 's/^/#   /' "$T/err"; }
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
    AS_USER="setpriv --reuid=65534 --regid=65534 --clear-groups"
elif [ "$(id -u)" -ne 0 ]; then
    AS_USER=
else
    AS_USER=none
fi
if [ "$AS_USER" != none ]; then
    env -u XDG_RUNTIME_DIR -u PROCMGR_SOCKET $AS_USER "$BIN/procctl" ps >"$T/out" 2>"$T/err"; rc=$?
    [ $rc -eq 2 ] && grep -q "use --socket PATH or set PROCMGR_SOCKET" "$T/err" \
        && ok "no XDG_RUNTIME_DIR: says how to give a socket (exit 2)" \
        || { bad "no XDG_RUNTIME_DIR: exit $rc"; sed 's/^/#   /' "$T/err"; }
else
    ok "# skip no XDG_RUNTIME_DIR as a non-root user (no setpriv)"
fi

kill -TERM "$DPID"; wait "$DPID"; DPID=
tap_end daemon-cli
