#!/usr/bin/env bash
# tests/quickstart/bare-debian.sh: the README's quick start, run as written
# on a bare Debian 12 made by the test itself (`make check-quickstart`).
#
# Not part of `make check` or `make test`: it downloads a Debian base system
# and the packages the quick start installs.  Needs root (debootstrap,
# chroot, mounts), the network path to a Debian mirror, and about 1 GB.
#
#  1. A minbase Debian 12 (bookworm) root made with debootstrap (installed
#     with apt-get when missing) from the mirror this machine's
#     /etc/apt/sources.list* name for bookworm, or unpacked from the tarball
#     of it a previous run left in $QUICKSTART_CACHE; its package lists are
#     removed, as in a fresh container image.
#  2. A clean export of the source tree (`git archive $QUICKSTART_REV`, so
#     what is committed, not the working tree) in /root/procmgr of it.
#  3. Inside it -- a private mount and PID namespace (unshare), /proc, /sys,
#     /sys/fs/cgroup, /dev and a tmpfs /run mounted as on a booted machine,
#     nothing of which the host sees -- the commands of the README's
#     section "Quick start", read from the README itself: the apt-get line,
#     then `make run` in the background; it waits for procmgrd's ready line,
#     runs the example command `make run` prints and checks it says "hello
#     from procmgr", spawns a `sleep 600` through procctl (beyond the
#     README: something for the stop to kill), then stops `make run` as the
#     README says (Ctrl-C: SIGINT to its process group) and checks procmgrd
#     logged its stop, that no process is left in the namespace and that
#     procmgrd's cgroup directories are gone.
#  4. With QUICKSTART_FULL=1, `make test` too (30+ minutes; it installs the
#     proof and fuzz toolchain).
#  5. On exit (trap) it kills what it started, checks no mount of the root is
#     left on the host, removes the root, and prints TAP lines and a summary
#     "N passed, N failed"; exit 0 only when all passed.
#
# Variables:
#   QUICKSTART_CACHE   where the base tarball is kept
#                      (default /var/cache/procmgr-quickstart; remove the
#                      tarball to make a fresh base)
#   QUICKSTART_WORK    where the root is made, as WORK/root, which must not
#                      exist (default: a new directory in /var/tmp); the
#                      root is removed at the end
#   QUICKSTART_MIRROR  a Debian mirror URL, instead of the one read from
#                      /etc/apt/sources.list*
#   QUICKSTART_REV     the git revision exported (default HEAD)
#   QUICKSTART_TIMEOUT seconds to wait for the ready line (default 1800)
#   QUICKSTART_FULL=1  also run `make test`
#   QUICKSTART_KEEP=1  keep the root afterwards (for a look inside)
set -uo pipefail
# The whole script is one block, read before it runs: editing the file
# while a run is going on cannot change that run.
{

here=$(cd "$(dirname "$0")/../.." && pwd)
cache=${QUICKSTART_CACHE:-/var/cache/procmgr-quickstart}
rev=${QUICKSTART_REV:-HEAD}
timeout=${QUICKSTART_TIMEOUT:-1800}
full=${QUICKSTART_FULL:-0}
keep=${QUICKSTART_KEEP:-0}
suite=bookworm
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
tarball=$cache/debian-$suite-minbase-$arch.tar.gz

pass=0 fail=0 n=0
ok()     { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }
note()   { echo "# $*"; }

work="" inner_pid="" made_work=0
cleanup() {
    local rc=$?
    if [ -n "$inner_pid" ] && kill -0 "$inner_pid" 2>/dev/null; then
        note "killing the namespace (pid $inner_pid)"
        kill -KILL "$inner_pid" 2>/dev/null
        wait "$inner_pid" 2>/dev/null
    fi
    if [ -n "$work" ] && [ -d "$work" ]; then
        # Every mount was made in the private namespace: none may show here.
        if grep -q " ${work%/}/" /proc/self/mountinfo; then
            not_ok "no mount of the root is left on the host"
            grep " ${work%/}/" /proc/self/mountinfo | sed 's/^/# /'
            note "root $work kept: mounts remain"
        else
            ok "no mount of the root is left on the host"
            # A process whose root is in the chroot outlived the namespace?
            left=""
            for p in /proc/[0-9]*; do
                r=$(readlink "$p/root" 2>/dev/null) || continue
                case $r in "$work"/root*) left="$left ${p#/proc/}";; esac
            done
            if [ -z "$left" ]; then ok "no process is left in the root"
            else not_ok "no process is left in the root (left:$left)"; fi
            if [ "$keep" = 1 ]; then note "root kept in $work/root"
            else
                rm -rf --one-file-system "$work/root"
                rm -f "$work/out" "$work/debootstrap.log"
                [ "$made_work" = 1 ] && rmdir "$work"
            fi
        fi
    fi
    [ "$rc" -eq 0 ] || [ "$fail" -gt 0 ] || not_ok "the script ran to its end (exit status $rc)"
    echo "1..$n"
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ] && [ "$rc" -eq 0 ] && exit 0
    exit 1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { not_ok "$*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "runs as root (debootstrap, chroot, mounts)"
cd "$here" || die "cd $here"

# --- the README's commands -------------------------------------------------
# The indented lines of the section "Quick start" of the exported README,
# comments removed.
readme_cmds=$(git show "$rev:README.md" | awk '/^## Quick start/ { on = 1; next } /^## / { on = 0 }
                   on && /^    [^ ]/ { sub(/^    /, ""); sub(/[ \t]+#.*$/, ""); print }')
apt_line=$(printf '%s\n' "$readme_cmds" | grep '^apt-get\|apt-get install' | head -n 1)
note "README quick start commands:"
printf '%s\n' "$readme_cmds" | sed 's/^/#   /'
{ [ -n "$apt_line" ] && printf '%s\n' "$readme_cmds" | grep -qx 'make run' &&
  printf '%s\n' "$readme_cmds" | grep -qx 'make test'; } ||
    die "README quick start has an apt-get line, 'make run' and 'make test'"
ok "README quick start read: '$apt_line', 'make run', 'make test'"

# --- 1. the base system ----------------------------------------------------
# The mirror this machine uses for bookworm (one-line or deb822 sources).
find_mirror() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk -v s="$suite" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) while (i <= NF && $i !~ /\]$/) i++;
                             if ($2 ~ /^\[/) i++;
                             if ($(i + 1) == s) { print $i; exit } }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk -v s="$suite" 'function flush() { if (deb && uris != "" && (" " suites " ") ~ (" " s " ")) { split(uris, u, " "); print u[1]; found = 1 }
                                               deb = 0; uris = ""; suites = "" }
                           found { exit }
                           /^[ \t]*$/ { flush(); next }
                           /^Types:/ { deb = ($0 ~ /[ \t]deb([ \t]|$)/) }
                           /^URIs:/ { uris = $0; sub(/^URIs:[ \t]*/, "", uris) }
                           /^Suites:/ { suites = $0; sub(/^Suites:[ \t]*/, "", suites) }
                           END { if (!found) flush() }' "$f"
    done
}
mirror=${QUICKSTART_MIRROR:-$(find_mirror | head -n 1)}
[ -n "$mirror" ] || die "a Debian mirror for $suite in /etc/apt/sources.list* (or QUICKSTART_MIRROR)"
note "mirror: $mirror"

# $work is set (and so cleaned up by the trap) only once its root is ours.
if [ -n "${QUICKSTART_WORK:-}" ]; then
    mkdir -p "$QUICKSTART_WORK" || die "mkdir $QUICKSTART_WORK"
    w=$(cd "$QUICKSTART_WORK" && pwd) || die "cd $QUICKSTART_WORK"
    [ ! -e "$w/root" ] && [ ! -e "$w/out" ] || die "$w/root and $w/out do not exist yet"
else
    w=$(mktemp -d /var/tmp/procmgr-quickstart.XXXXXX) || die "mktemp -d"
    made_work=1
fi
mkdir "$w/root" || die "mkdir $w/root"
work=$w root=$w/root
mkdir -p "$cache" || die "mkdir $cache"

t0=$(date +%s)
if [ -s "$tarball" ]; then
    tar -xzpf "$tarball" -C "$root" || die "unpack $tarball"
    ok "base system unpacked from $tarball ($(($(date +%s) - t0)) s)"
else
    if ! command -v debootstrap >/dev/null 2>&1; then
        note "installing debootstrap"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null ||
            die "apt-get install debootstrap"
    fi
    note "debootstrap --variant=minbase $suite $root $mirror"
    if ! debootstrap --variant=minbase "$suite" "$root" "$mirror" > "$work/debootstrap.log" 2>&1; then
        tail -n 20 "$work/debootstrap.log" | sed 's/^/# /'
        die "debootstrap of $suite"
    fi
    tar -czpf "$tarball.tmp" -C "$root" . && mv "$tarball.tmp" "$tarball" ||
        die "cache the base in $tarball"
    ok "base system made by debootstrap ($(($(date +%s) - t0)) s), cached in $tarball"
fi
# No package lists, as in a fresh container image (debootstrap leaves the
# ones it used; a cached base's would also grow stale).
find "$root/var/lib/apt/lists" -maxdepth 1 -type f -delete
# What a booted machine has that a chroot does not: a resolver configuration
# (the one of this machine) and an apt proxy when this machine uses one.
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
for f in /etc/apt/apt.conf.d/*; do
    [ -f "$f" ] && grep -qi 'proxy' "$f" && cp "$f" "$root/etc/apt/apt.conf.d/"
done
note "base: $(cat "$root/etc/debian_version"), $(chroot "$root" dpkg-query -W -f='.\n' | wc -l) packages;" \
     "make: $(chroot "$root" sh -c 'command -v make || echo none'), gcc: $(chroot "$root" sh -c 'command -v gcc || echo none')"

# --- 2. the source tree ----------------------------------------------------
mkdir -p "$root/root/procmgr"
git -C "$here" archive --format=tar "$rev" | tar -x -C "$root/root/procmgr" ||
    die "git archive $rev into the root"
ok "source tree exported (git archive $rev = $(git -C "$here" rev-parse --short "$rev"))"

# --- 3. the quick start, inside ---------------------------------------------
# The script run in the chroot: TAP lines on stdout, numbered by the outer
# script.  $1 the apt-get line, $2 the ready timeout, $3 1 for `make test`.
cat > "$root/root/quickstart-inner.sh" <<'INNER'
#!/bin/bash
set -u
apt_line=$1 timeout=$2 full=$3
T() { echo "T $*"; }        # T ok|fail DESCRIPTION
cd /root/procmgr || { T fail "cd /root/procmgr"; exit 1; }
export DEBIAN_FRONTEND=noninteractive
case $apt_line in
*"apt-get update"*) ;;
*)  echo "# \$ apt-get update      (the README's line does not update the lists)"
    if apt-get update -q > /root/apt-update.log 2>&1; then T ok "apt-get update"
    else sed 's/^/#   /' /root/apt-update.log | tail -n 20; T fail "apt-get update"; fi ;;
esac
echo "# \$ $apt_line"
if bash -c "$apt_line" > /root/apt-install.log 2>&1; then
    grep -h '^Need to get\|newly installed' /root/apt-install.log | sed 's/^/#   /'
    T ok "$apt_line"
else sed 's/^/#   /' /root/apt-install.log | tail -n 20; T fail "$apt_line"; exit 1; fi

echo "# \$ make run"
# Job control: make gets its own process group, with SIGINT not ignored,
# as in a terminal, so that "Ctrl-C" is SIGINT to that group.
set -m
make run > /root/make-run.log 2>&1 &
make_pid=$!
set +m
ready="" waited=0
while [ "$waited" -lt "$timeout" ]; do
    ready=$(grep -m1 '^procmgrd: ready on ' /root/make-run.log)
    [ -n "$ready" ] && break
    kill -0 "$make_pid" 2>/dev/null || break
    sleep 1; waited=$((waited + 1))
done
if [ -n "$ready" ]; then
    sleep 1     # the lines run-daemon.sh prints after the ready line
    T ok "make run: '$ready' after ${waited} s"
else
    sed 's/^/#   /' /root/make-run.log | tail -n 40
    T fail "make run: ready line within $timeout s"
    kill -INT -- -"$make_pid" 2>/dev/null; wait "$make_pid"
    exit 1
fi
grep -n 'elfcheck summary\|procmgrd\[\|^procmgrd:\|^try\|procctl --socket\|stop it' /root/make-run.log | sed 's/^/#   /'
example=$(sed -n 's/^  \(.*procctl --socket .* run -- \/bin\/echo hello from procmgr\)$/\1/p' /root/make-run.log | head -n 1)
if [ -n "$example" ]; then T ok "make run printed the example command: $example"
else T fail "make run printed the example command"; fi
if [ -n "$example" ]; then
    echo "# \$ $example"
    out=$(bash -c "$example" 2>&1); rc=$?
    printf '%s\n' "$out" | sed 's/^/#   /'
    if [ "$rc" -eq 0 ] && [ "$out" = "hello from procmgr" ]; then
        T ok "the example command printed 'hello from procmgr', exit 0"
    else T fail "the example command printed 'hello from procmgr', exit 0 (exit $rc)"; fi
    sock=${ready#procmgrd: ready on }
    # Beyond the README: a process still running at Ctrl-C, which procmgrd
    # must kill (README: "SIGTERM kills what it runs and exits").
    echo "# \$ build/bin/procctl --socket $sock spawn -- /bin/sleep 600"
    # (its output to a file: the sleep gets procctl's stdout and keeps it)
    build/bin/procctl --socket "$sock" spawn -- /bin/sleep 600 > /root/spawn.out 2>&1; rc=$?
    id=$(cat /root/spawn.out)
    printf '%s\n' "$id" | sed 's/^/#   /'
    if [ "$rc" -eq 0 ] && [ -n "$id" ]; then T ok "procctl spawn -- /bin/sleep 600 (left running for Ctrl-C)"
    else T fail "procctl spawn -- /bin/sleep 600 (exit $rc)"; fi
    echo "# \$ build/bin/procctl --socket $sock ps"
    build/bin/procctl --socket "$sock" ps 2>&1 | sed 's/^/#   /'
fi

# Ctrl-C, as the README says: SIGINT to make's process group.
pmd=$(for p in /proc/[0-9]*; do [ "$(cat "$p/comm" 2>/dev/null)" = procmgrd ] && echo "${p#/proc/}"; done)
cgfind() { find /sys/fs/cgroup -maxdepth 6 -type d \( -name "procmgr-$pmd" -o -name "procmgr-$pmd.*" \) 2>/dev/null; }
cgrun=""
[ -n "$pmd" ] && [ -d /sys/fs/cgroup ] && cgrun=$(cgfind)
echo "# procmgrd's cgroup directories while it runs:"
printf '%s\n' "${cgrun:-none}" | sed 's/^/#   /'
echo "# procmgrd pid(s): ${pmd:-none}; Ctrl-C (SIGINT to process group $make_pid)"
kill -INT -- -"$make_pid"
waited=0
while kill -0 "$make_pid" 2>/dev/null && [ "$waited" -lt 20 ]; do sleep 1; waited=$((waited + 1)); done
if kill -0 "$make_pid" 2>/dev/null; then
    T fail "make run ended within 20 s of Ctrl-C"
    kill -KILL -- -"$make_pid"
fi
wait "$make_pid"; mrc=$?
echo "# make run exit status after Ctrl-C: $mrc; last lines of its output:"
tail -n 4 /root/make-run.log | sed 's/^/#   /'
if grep -q '^procmgrd: .*stopped (' /root/make-run.log || grep -q 'procmgrd.*stopped (' /root/make-run.log; then
    T ok "procmgrd logged its clean stop: $(grep -m1 'stopped (' /root/make-run.log)"
else T fail "procmgrd logged its clean stop"; fi
if grep -qi 'segmentation\|core dumped\|Abort' /root/make-run.log; then
    T fail "no crash in make run's output"
else T ok "no crash in make run's output"; fi
# Every process of this PID namespace: ours (this script, its ancestors
# and the subshell listing) and nothing else.
sleep 1
others=""
for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [ "$pid" = 1 ] || [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
    pp=$(awk '/^PPid:/ { print $2 }' "$p/status" 2>/dev/null) || continue
    [ -n "$pp" ] || continue
    [ "$pp" = $$ ] && [ "$(cat "$p/comm" 2>/dev/null)" = bash ] && continue
    others="$others $pid($(cat "$p/comm" 2>/dev/null))"
done
if [ -z "$others" ]; then T ok "no process left after Ctrl-C (procmgrd and the sleep it ran gone)"
else T fail "no process left after Ctrl-C: left$others"; fi
[ -S "${sock:-/nonexistent}" ] && echo "# note: socket $sock still exists"
# procmgrd's job cgroups ("procmgr-PID[.N]" below its own cgroup, in the
# host's hierarchy bound at /sys/fs/cgroup): all removed when it stops.
if [ -n "$cgrun" ]; then
    cgleft=$(cgfind)
    if [ -z "$cgleft" ]; then T ok "procmgrd's cgroup directories (procmgr-$pmd*) all removed"
    else printf '%s\n' "$cgleft" | sed 's/^/#   /'; T fail "procmgrd's cgroup directories (procmgr-$pmd*) all removed"; fi
else
    echo "# no cgroup directory of procmgrd seen while it ran: removal not checked"
fi

if [ "$full" = 1 ]; then
    echo "# \$ make test"
    if make test > /root/make-test.log 2>&1; then T ok "make test ($(tail -n 1 /root/make-test.log))"
    else tail -n 40 /root/make-test.log | sed 's/^/#   /'; T fail "make test"; fi
fi
exit 0
INNER
chmod +x "$root/root/quickstart-inner.sh"

# The namespace: unshare's child is PID 1 of a new PID namespace; it mounts
# what a booted machine has, then runs the script in the chroot.  Killing it
# (the trap) kills everything in it; the mounts die with the namespace.
# SIGINT, ignored in a background job of this script, is reset to its
# default in the chroot (env --default-signal), as in a terminal.
setup='set -e
r=$1; shift
mount --make-rprivate /
mount -t proc proc "$r/proc"
mount -t sysfs sysfs "$r/sys"
if [ -d /sys/fs/cgroup ]; then mount --rbind /sys/fs/cgroup "$r/sys/fs/cgroup"; fi
mount --rbind /dev "$r/dev"
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$r/run"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$r/dev/shm" 2>/dev/null || true
set +e
chroot "$r" /usr/bin/env --default-signal=INT,QUIT -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/bash /root/quickstart-inner.sh "$@"'
note "entering the chroot (unshare --mount --pid --fork)"
t0=$(date +%s)
mkfifo "$work/out" || die "mkfifo $work/out"
# --kill-child: should unshare die (the trap kills it), its child, PID 1 of
# the namespace, dies with it, and with that every process in the namespace.
unshare --mount --pid --fork --kill-child --propagation private \
    sh -c "$setup" sh "$root" "$apt_line" "$timeout" "$full" > "$work/out" 2>&1 &
inner_pid=$!
while IFS= read -r line; do
    case $line in
    "T ok "*)   ok "${line#T ok }" ;;
    "T fail "*) not_ok "${line#T fail }" ;;
    *)          echo "$line" ;;
    esac
done < "$work/out"
wait "$inner_pid"; irc=$?
inner_pid=""
note "the chroot part took $(($(date +%s) - t0)) s"
if [ "${irc:-1}" = 0 ]; then ok "the chroot script ran to its end"
else not_ok "the chroot script ran to its end (status ${irc:-unknown})"; fi
exit
}
