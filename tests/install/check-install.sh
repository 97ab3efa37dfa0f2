#!/bin/sh
# check-install (mk/install.mk): `make install DESTDIR=$T/root PREFIX=/usr`,
# then, in that tree:
#   - every file `make install-list` names is there;
#   - every man page renders with man -l, without a warning;
#   - procmgr.pc (the installed one, through PKG_CONFIG_SYSROOT_DIR) has
#     the project's version, and a program built with its flags -- linked
#     with the shared library (its soname in NEEDED) and with the static
#     one -- runs /bin/true and /bin/false through the installed procmgrd;
#   - the installed procctl and elfcheck run, and their bash completion
#     completes (when bash-completion is installed);
#   - the units pass systemd-analyze verify (when available; systemd is
#     not PID 1 here, so the unit itself is not started: the socket
#     activation path is tests/daemon/activation.sh);
#   - make uninstall leaves no file.
#
#   tests/install/check-install.sh MAKE O CC
set -u
MAKE=$1 O=$2 CC=$3
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../daemon/lib.sh"
tap_begin pm-install
R=$T/root
VERSION=$(sed -n 's/^#define PROCMGR_VERSION "\(.*\)"/\1/p' include/procmgr/version.h)

expect "make install DESTDIR=... PREFIX=/usr" 0 \
    $MAKE -s --no-print-directory O="$O" CC="$CC" install DESTDIR="$R" PREFIX=/usr
missing=0
for f in $($MAKE -s --no-print-directory O="$O" install-list PREFIX=/usr); do
    if [ ! -e "$R$f" ]; then missing=$((missing + 1)); echo "#   missing: $f"; fi
done
[ "$missing" -eq 0 ] && ok "every file of install-list is installed" ||
    bad "$missing files of install-list are missing"
readelf -d "$R/usr/lib/libprocmgr.so" | grep -q 'SONAME.*\[libprocmgr\.so\.[0-9]*\]' &&
    ok "libprocmgr.so has a versioned soname" || bad "libprocmgr.so: no versioned soname"

# --- man pages ----------------------------------------------------------------
for m in "$R"/usr/share/man/man*/*; do
    name=$(basename "$m")
    LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" >"$T/man.out" 2>"$T/man.err"
    rc=$?
    if [ $rc -eq 0 ] && [ ! -s "$T/man.err" ] && grep -q '^NAME' "$T/man.out" &&
       grep -q '^SYNOPSIS' "$T/man.out"; then ok "man -l $name renders (NAME, SYNOPSIS, no warning)"
    else bad "man -l $name: exit $rc"; sed 's/^/#   /' "$T/man.err"; fi
done

# --- a program built against the installed procmgr.pc ----------------------
export PKG_CONFIG_SYSROOT_DIR="$R" PKG_CONFIG_LIBDIR="$R/usr/lib/pkgconfig"
v=$(pkg-config --modversion procmgr)
[ "$v" = "$VERSION" ] && ok "procmgr.pc: Version $v" || bad "procmgr.pc: Version '$v', want $VERSION"
flags=$(pkg-config --cflags --libs procmgr)
case "$flags" in
    *"-I$R/usr/include"*"-L$R/usr/lib"*) ok "procmgr.pc points into the installed tree" ;;
    *) bad "procmgr.pc flags: $flags" ;;
esac
# shellcheck disable=SC2086  # the flags are words
expect "build against procmgr.pc (shared)" 0 \
    $CC -std=c11 -Wall -Wextra -Werror -o "$T/pmhello" "$HERE/pmhello.c" $flags
readelf -d "$T/pmhello" 2>/dev/null | grep -q 'NEEDED.*\[libprocmgr\.so\.[0-9]*\]' &&
    ok "the program needs libprocmgr.so by its soname" || bad "the program does not need libprocmgr.so.N"
expect "build against procmgr.pc (static library)" 0 \
    $CC -std=c11 -Wall -Wextra -Werror -o "$T/pmhello-static" "$HERE/pmhello.c" \
    $(pkg-config --cflags procmgr) -L"$R/usr/lib" -l:libprocmgr.a
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR

start_daemon "$R/usr/sbin/procmgrd"
LD_LIBRARY_PATH="$R/usr/lib" expect "shared: /bin/true through the installed procmgrd" 0 \
    "$T/pmhello" "$SOCK" /bin/true
has "shared: its end" "$T/out" "^/bin/true: exit 0$"
LD_LIBRARY_PATH="$R/usr/lib" expect "shared: /bin/false through it (exit 1 seen)" 1 \
    "$T/pmhello" "$SOCK" /bin/false
expect "static: /bin/true through it" 0 "$T/pmhello-static" "$SOCK" /bin/true
expect "installed procctl runs /bin/true" 0 "$R/usr/bin/procctl" --socket "$SOCK" run -- /bin/true
expect "installed procctl --version" 0 "$R/usr/bin/procctl" --version
has "installed procctl --version: $VERSION" "$T/out" "$VERSION"
expect "installed svcctl --version" 0 "$R/usr/bin/svcctl" --version
has "installed svcctl --version: $VERSION" "$T/out" "$VERSION"
mkdir "$T/services"
expect "installed svcmgr --check of an empty directory" 0 "$R/usr/sbin/svcmgr" --check --dir "$T/services"
expect "installed elfcheck accepts /bin/true" 0 "$R/usr/bin/elfcheck" /bin/true
kill "$DPID"; wait "$DPID"; DPID=

# --- bash completion --------------------------------------------------------
BC=/usr/share/bash-completion/bash_completion
if [ -r "$BC" ] && command -v bash >/dev/null; then
    # complete_words COMPLETION WORDS...: what bash completes for the last word
    complete_words() {
        f=$1; shift
        bash -c '. "$1"; . "$2"; shift 2
                 COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
                 $(complete -p "$1" | sed "s/.*-F \([^ ]*\) .*/\1/") "$1" "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
                 printf "%s\n" "${COMPREPLY[@]}"' _ "$BC" "$f" "$@"
    }
    C=$R/usr/share/bash-completion/completions
    complete_words "$C/procctl" procctl wa >"$T/c" 2>&1
    has "completion: procctl wa -> wait, wait-any" "$T/c" "^wait-any$"
    complete_words "$C/procctl" procctl run --pri >"$T/c" 2>&1
    has "completion: procctl run --pri -> --priority" "$T/c" "^--priority$"
    complete_words "$C/procctl" procctl priority 5 rea >"$T/c" 2>&1
    has "completion: procctl priority ID rea -> realtime" "$T/c" "^realtime$"
    complete_words "$C/elfcheck" elfcheck --on >"$T/c" 2>&1
    has "completion: elfcheck --on -> --only-exec" "$T/c" "^--only-exec$"
else
    echo "# bash completion not tested: no $BC (Debian package bash-completion)"
fi

# --- the units --------------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
    # verify checks that ExecStart= is executable: copies of the units
    # whose ExecStart= names the procmgrd of the DESTDIR tree (--root would
    # also hide the machine's sysinit.target); --man=no: the pages are not
    # in the machine's man path
    U=$T/units
    mkdir -p "$U"
    cp "$R/usr/lib/systemd/system/procmgrd.socket" "$U/"
    sed "s|^ExecStart=/usr/sbin/|ExecStart=$R/usr/sbin/|" \
        "$R/usr/lib/systemd/system/procmgrd.service" >"$U/procmgrd.service"
    expect "systemd-analyze verify procmgrd.socket procmgrd.service" 0 \
        systemd-analyze verify --man=no "$U/procmgrd.socket" "$U/procmgrd.service"
    [ ! -s "$T/err" ] && ok "systemd-analyze verify: no warning" ||
        { bad "systemd-analyze verify warned:"; sed 's/^/#   /' "$T/err"; }
else
    echo "# units not verified: no systemd-analyze"
fi

expect "make uninstall" 0 $MAKE -s --no-print-directory O="$O" CC="$CC" uninstall DESTDIR="$R" PREFIX=/usr
left=$(find "$R" ! -type d | wc -l)
[ "$left" -eq 0 ] && ok "uninstall left no file" ||
    { bad "uninstall left $left files"; find "$R" ! -type d | sed 's/^/#   /'; }

tap_end check-install
