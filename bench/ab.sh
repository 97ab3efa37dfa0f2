#!/usr/bin/env bash
# Two trees side by side (bench/README.md, "Before and after"): each tree's
# procmgrd (PROCMGR_STUB_POOL=4) with its own client library
# (bench/spawn_loop), blocks of COUNT spawns alternating between them,
# ROUNDS times per program, so that a drift of the machine's load hits
# both alike.  Build both first: make O=DIR bench-ab-tools.
#
#   bench/ab.sh OUT_A OUT_B [ROUNDS [COUNT]]   (OUT_*: a tree's build dir)
set -euo pipefail
A=$1; B=$2; R=${3:-5}; N=${4:-200}
dir=$(mktemp -d /tmp/pmab.XXXXXX)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
start() {   # $1 build dir, $2 socket
    PROCMGR_STUB_POOL=4 "$1/bin/procmgrd" --socket "$2" --foreground > "$2.out" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do grep -q "ready on" "$2.out" 2>/dev/null && return; sleep 0.05; done
    echo "ab.sh: $1/bin/procmgrd did not become ready" >&2; exit 1
}
start "$A" "$dir/a.sock"
start "$B" "$dir/b.sock"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for p in hello-nolibc hello-static hello-pie; do
    for r in $(seq "$R"); do
        echo "$p A $("$A/bench/spawn_loop" "$dir/a.sock" "$B/tests/elf/progs/$p" "$N")"
        echo "$p B $("$B/bench/spawn_loop" "$dir/b.sock" "$B/tests/elf/progs/$p" "$N")"
    done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
