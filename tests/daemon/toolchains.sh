#!/bin/sh
# The toolchain matrix (issue 15): small programs built with every linker
# available (GNU ld, gold, lld, mold) in each mode (PIE, non-PIE, static,
# static-PIE where the linker has it), C with TLS and C++ (exceptions,
# iostream, thread_local), musl, Rust where rustc exists, plus patchelf
# rewrites (--set-interpreter, --set-rpath, --add-needed) and glibc's
# libc.so.6 run as a program (its PT_INTERP lies past the header area).
# Each is run through procmgrd (`procctl run`) and directly: same stdout,
# stderr and exit status; for some, the maps at the entry against a
# kernel execve's (mapscmp).  elfcheck must accept each one.
#
#   tests/daemon/toolchains.sh BINDIR
#
# A linker or tool that is not installed is skipped and said so ("# skip").
set -u
BIN=$(cd "$1" && pwd)
. "$(dirname "$0")/lib.sh"
tap_begin pmd-tc
SAME_IN=/dev/null

# --- sources ------------------------------------------------------------------------
cat >"$T/tls.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
__thread int tls_init = 42;            /* .tdata */
__thread char tls_zero[64];            /* .tbss  */
static const char *msg = "relro";      /* .data.rel.ro under PIE */
int main(int argc, char **argv)
{
    char *h = malloc(100);
    tls_zero[3] = (char)argc;
    snprintf(h, 100, "%s %d %d", msg, tls_init, tls_zero[3]);
    printf("tls: %s argv1=%s\n", h, argc > 1 ? argv[1] : "-");
    fprintf(stderr, "to stderr\n");
    free(h);
    return 7;
}
EOF
cat >"$T/cxx.cc" <<'EOF'
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>
struct Counter { int n = 5; ~Counter() {} };
thread_local Counter counter;
static int thrower(int x) { if (x > 0) throw std::runtime_error("boom"); return x; }
int main(int argc, char **argv)
{
    std::vector<std::string> v(argv, argv + argc);
    try { thrower(argc); } catch (const std::exception &e) {
        std::cout << "caught " << e.what() << " tls " << counter.n << " args " << v.size() << std::endl;
    }
    return 9;
}
EOF
cat >"$T/hello.rs" <<'EOF'
use std::cell::Cell;
thread_local!(static T: Cell<u32> = Cell::new(11));
fn main() {
    T.with(|t| t.set(t.get() + 1));
    let v: Vec<String> = std::env::args().collect();
    println!("rust tls {} args {}", T.with(|t| t.get()), v.len());
    std::process::exit(4);
}
EOF

# --- builds ---------------------------------------------------------------------------
PROGS=""
build() {  # build NAME CMD...: build into $T/NAME, skip when it fails
    name=$1; shift
    if "$@" -o "$T/$name" >"$T/build.err" 2>&1; then PROGS="$PROGS $name"; else
        echo "# skip $name: $(head -n 1 "$T/build.err")"; fi
}
gcc -O1 -fPIE -c "$T/tls.c" -o "$T/tls.o" || { bad "gcc cannot compile"; exit 1; }
HAVE_CXX=0
command -v g++ >/dev/null 2>&1 && g++ -O1 -fPIE -c "$T/cxx.cc" -o "$T/cxx.o" && HAVE_CXX=1
for ld in bfd gold lld mold; do
    if ! gcc -fuse-ld=$ld "$T/tls.o" -o "$T/probe-$ld" >/dev/null 2>&1; then
        echo "# skip linker $ld: not installed"; continue
    fi
    build c-pie-$ld        gcc -fuse-ld=$ld -pie "$T/tls.o"
    build c-nopie-$ld      gcc -fuse-ld=$ld -no-pie "$T/tls.o"
    build c-static-$ld     gcc -fuse-ld=$ld -static "$T/tls.o"
    [ $ld = gold ] || build c-static-pie-$ld gcc -fuse-ld=$ld -static-pie "$T/tls.o"
    if [ $HAVE_CXX = 1 ]; then
        build cxx-pie-$ld    g++ -fuse-ld=$ld -pie "$T/cxx.o"
        build cxx-nopie-$ld  g++ -fuse-ld=$ld -no-pie "$T/cxx.o"
        build cxx-static-$ld g++ -fuse-ld=$ld -static "$T/cxx.o"
    fi
done
if command -v musl-gcc >/dev/null 2>&1; then
    build c-musl-dyn    musl-gcc -O1 "$T/tls.c"
    build c-musl-static musl-gcc -O1 -static "$T/tls.c"
fi
RUSTC=$(command -v rustc || ls "$HOME/.cargo/bin/rustc" 2>/dev/null || true)
if [ -n "$RUSTC" ]; then
    build rust-pie     "$RUSTC" -O "$T/hello.rs"
    build rust-pie-lld "$RUSTC" -O -C link-arg=-fuse-ld=lld "$T/hello.rs"
else
    echo "# skip rust: no rustc"
fi
# Go: static (its own linker) and cgo linked by lld, offline (GOPROXY=off,
# GO111MODULE=off: the standard library only).
if command -v go >/dev/null 2>&1; then
    mkdir -p "$T/go/plain" "$T/go/cgo"
    printf 'package main\nimport ("fmt"; "os")\nfunc main() { fmt.Println("go", len(os.Args)); os.Exit(3) }\n' \
        >"$T/go/plain/main.go"
    printf 'package main\n// #include <stdlib.h>\nimport "C"\nimport ("fmt"; "os")\nfunc main() { fmt.Println("cgo", C.abs(-2), len(os.Args)); os.Exit(5) }\n' \
        >"$T/go/cgo/main.go"
    goenv() { env GOPROXY=off GO111MODULE=off GOFLAGS= GOCACHE="$T/gocache" GOPATH="$T/gopath" "$@"; }
    if (cd "$T/go/plain" && goenv CGO_ENABLED=0 go build -o "$T/go-static" .) >"$T/build.err" 2>&1
    then PROGS="$PROGS go-static"; else echo "# skip go-static: $(head -n 1 "$T/build.err")"; fi
    if (cd "$T/go/cgo" && goenv CGO_ENABLED=1 go build \
            -ldflags '-linkmode=external -extldflags=-fuse-ld=lld' -o "$T/go-cgo-lld" .) \
            >"$T/build.err" 2>&1
    then PROGS="$PROGS go-cgo-lld"; else echo "# skip go-cgo-lld: $(head -n 1 "$T/build.err")"; fi
else
    echo "# skip go: not installed"
fi
if command -v patchelf >/dev/null 2>&1; then
    for src in c-pie-bfd c-nopie-bfd c-pie-lld cxx-pie-bfd; do
        case " $PROGS " in *" $src "*) ;; *) continue ;; esac
        cp "$T/$src" "$T/$src-pe-interp"
        patchelf --set-interpreter /lib64/ld-linux-x86-64.so.2 "$T/$src-pe-interp" &&
            PROGS="$PROGS $src-pe-interp"
        cp "$T/$src" "$T/$src-pe-rpath"
        patchelf --set-rpath '/opt/nowhere/lib:$ORIGIN/lib' "$T/$src-pe-rpath" &&
            PROGS="$PROGS $src-pe-rpath"
        cp "$T/$src" "$T/$src-pe-needed"
        patchelf --add-needed libm.so.6 "$T/$src-pe-needed" &&
            PROGS="$PROGS $src-pe-needed"
    done
else
    echo "# skip patchelf: not installed"
fi

# --- elfcheck, then run against direct execution --------------------------------------
start_daemon "$BIN/procmgrd"
n=0
for p in $PROGS; do
    n=$((n + 1))
    if "$BIN/elfcheck" "$T/$p" >"$T/ec.out" 2>&1; then ok "elfcheck accepts $p"; else
        bad "elfcheck refuses $p: $(cat "$T/ec.out")"; fi
    same "$p" "$T/$p" arg1
done
LIBC=/lib/x86_64-linux-gnu/libc.so.6
if [ -x "$LIBC" ]; then
    n=$((n + 1))
    expect "elfcheck accepts $LIBC (PT_INTERP past the header area)" 0 "$BIN/elfcheck" "$LIBC"
    same "$LIBC as a program" "$LIBC"
fi
# The maps at the entry against a kernel execve's, for the layouts GNU ld
# does not make (lld's page-rounded RELRO, patchelf's appended segment).
# mapscmp needs a hardware execution breakpoint (DR0); where the machine
# has none (some VMs), even /bin/true gets no stop: then this part is
# skipped and said so.
MAPS=1
if ! timeout 60 "$BIN/mapscmp" "$SOCK" "$DPID" /bin/true </dev/null >"$T/maps.out" 2>&1; then
    echo "# skip maps comparison: mapscmp fails on /bin/true here: $(tail -n 1 "$T/maps.out")"
    MAPS=0
fi
[ $MAPS = 1 ] && for p in c-pie-lld c-static-lld c-static-pie-lld c-nopie-mold c-pie-bfd-pe-interp cxx-pie-bfd-pe-needed; do
    case " $PROGS " in *" $p "*) ;; *) continue ;; esac
    # from $T as ./NAME: AT_EXECFN is the process name, at most 32 bytes
    # (spec/linux-fidelity.md section 3); /tmp/pmd-tc.XXXXXX/NAME can be longer
    (cd "$T" && timeout 120 "$BIN/mapscmp" "$SOCK" "$DPID" "./$p") </dev/null >"$T/maps.out" 2>&1; rc=$?
    grep -v '^# known:\|^# gap:\|^# \./\|^# /' "$T/maps.out" | sed 's/^/#   /'
    [ $rc -eq 0 ] && ok "maps at the entry of $p: as after execve, up to the known differences" \
        || bad "maps at the entry of $p: exit $rc"
done
echo "# toolchain matrix: $n programs"
tap_end toolchains
