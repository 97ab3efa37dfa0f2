#!/bin/sh
# `#!` scripts through procmgrd over the Linux backend (spec/scripts.md):
# scripts run with `procctl run` and compared with direct execution
# (stdout, stderr, exit status), the optional argument of the #! line, the
# script reaching its interpreter as /dev/fd/N, and each refusal with its
# code: an interpreter not on the allowlist, a nested script, a line too
# long, a relative interpreter.  Then a daemon with the default allowlist
# (sh, bash, env, python3 where they are ELF) runs `#!/usr/bin/env sh`.
#
#   tests/daemon/script.sh BINDIR
#
# No timing assertion: waits are on a ready line or a process state.
set -u
BIN=$(cd "$1" && pwd)
. "$(dirname "$0")/lib.sh"
tap_begin pmd-script

# stop_daemon: SIGTERM, then wait for it (bounded).
stop_daemon() {
    kill -TERM "$DPID"
    i=0
    while kill -0 "$DPID" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 400 ] && break; sleep 0.05
    done
    if kill -0 "$DPID" 2>/dev/null; then bad "daemon stops on SIGTERM"; else
        ok "daemon stops on SIGTERM"; fi
    wait "$DPID" 2>/dev/null
    DPID=
    exec 3<&-
    rm -f "$T/ready"
}

# script NAME TEXT: an executable file $T/NAME holding TEXT (printf format).
script() { printf "$2" >"$T/$1"; chmod +x "$T/$1"; }

refused() {  # refused DESC CODE NAME CMD...: procctl run fails, stderr names the code
    desc=$1; code=$2; name=$3; shift 3
    pc run -- "$@" </dev/null >"$T/p.out" 2>"$T/p.err"; prc=$?
    if [ $prc -ne 0 ] && grep -q "($name $code)$" "$T/p.err"; then
        ok "refused $desc: $name ($code), exit $prc"
    else
        bad "refused $desc: exit $prc, want $name ($code)"; sed 's/^/#   /' "$T/p.err"
    fi
}

# --- an explicit allowlist: /bin/sh, and a script (for the nested case) ------
script inner '#!/bin/sh\necho inner\n'
start_daemon "$BIN/procmgrd" --script-interp /bin/sh --script-interp "$T/inner"

script args '#!/bin/sh\necho "$# args:"; for a in "$@"; do echo "[$a]"; done\nsort\nexit 3\n'
same "#!/bin/sh with arguments and stdin" "$T/args" one "two words" '' three
script opt_e '#!/bin/sh -e\necho before\nfalse\necho after\n'
same "#!/bin/sh -e (the optional argument)" "$T/opt_e"
script opt_none '#!/bin/sh\necho before\nfalse\necho after\n'
same "#!/bin/sh without -e goes on" "$T/opt_none"
script blanks '#!  /bin/sh  \t -e \t \necho x; false; echo y\n'
same "#! line with blanks and tabs" "$T/blanks"
script noeol '#!/bin/sh'
same "#! line that ends the file" "$T/noeol"
# The script reaches /bin/sh as /dev/fd/N (a startup handle): "$0" names
# it, and reading it gives the script itself.
script self '#!/bin/sh\ncat "$0"\n'
same "the script reads itself through \$0" "$T/self"
script dollar0 '#!/bin/sh\necho "$0"\n'
pc run -- "$T/dollar0" >"$T/p.out" 2>&1
has "\$0 is /dev/fd/3 (stdin, stdout, stderr given)" "$T/p.out" '^/dev/fd/3$'

script notallowed '#!/bin/cat\nhello\n'
refused "interpreter not on the allowlist" 346 SCRIPT_NOT_ALLOWED "$T/notallowed"
script nested "#!$T/inner\n"
refused "interpreter that is itself a script (one level only)" 347 SCRIPT_NESTED "$T/nested"
long=$(printf '%0300d' 0)
script longline "#!/bin/sh -$long\necho x\n"
refused "#! line not ended within 256 bytes" 344 SCRIPT_LINE "$T/longline"
script relative '#!sh\necho x\n'
refused "relative interpreter" 345 SCRIPT_INTERP "$T/relative"
# The daemon is unharmed: a script still runs.
same "#!/bin/sh after the refusals" "$T/args" a
stop_daemon

# --- the default allowlist ------------------------------------------------------
"$BIN/procmgrd" --help >"$T/help" 2>&1
has "usage documents --script-interp" "$T/help" '--script-interp PATH'
start_daemon "$BIN/procmgrd"
script env '#!/usr/bin/env sh\necho "via env: $1"\n'
if [ -x /usr/bin/env ]; then
    same "#!/usr/bin/env sh (default allowlist)" "$T/env" arg
fi
same "#!/bin/sh (default allowlist)" "$T/args" x y
if command -v python3 >/dev/null 2>&1 && [ -x /usr/bin/python3 ] &&
   head -c 4 "$(readlink -f /usr/bin/python3)" | grep -q ELF; then
    script py '#!/usr/bin/python3\nimport sys\nprint(sys.argv[1:], sum(range(10)))\n'
    same "#!/usr/bin/python3 (default allowlist)" "$T/py" p q
fi
stop_daemon

tap_end daemon-script
