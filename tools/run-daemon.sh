#!/bin/sh
# run-daemon.sh BINDIR: the second half of `make run`.  Starts procmgrd in
# the foreground on its default socket (spec/daemon.md: $PROCMGR_SOCKET,
# else /run/procmgr/procmgr.sock as root, else $XDG_RUNTIME_DIR) and, once
# it prints its ready line, an example procctl command to try from another
# terminal.  Ctrl-C (SIGINT) or SIGTERM stops it (spec/daemon.md, shutdown).
set -u
bin=${1:-build/bin}
"$bin/procmgrd" --foreground | while IFS= read -r line; do
    printf '%s\n' "$line"
    case $line in
    "procmgrd: ready on "*)
        sock=${line#procmgrd: ready on }
        printf 'try, from another terminal:\n'
        printf '  %s/procctl --socket %s run -- /bin/echo hello from procmgr\n' "$bin" "$sock"
        printf '  %s/procctl --socket %s ps\n' "$bin" "$sock"
        printf 'stop it with Ctrl-C.\n'
        ;;
    esac
done
