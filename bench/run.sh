#!/usr/bin/env bash
# `make bench`: runs the validator benchmark (run-elf.sh), the spawn
# benchmark (bench_spawn with the arguments given) and the backend's
# create with and without the stub pool (bench_kcreate), keeps their raw output
# in $O/bench/{elf,spawn,kcreate}.txt and prints one table with the targets of the
# benchmark issue marked met / NOT met.  bench/README.md explains it.
#
#   bench/run.sh O BENCH_SPAWN_ARGS...
set -euo pipefail
O=$1; shift
out=$O/bench
mkdir -p "$out"

load=$(cut -d' ' -f1-3 /proc/loadavg)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
echo "procmgr benchmarks: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($cpu)," \
     "load average before: $load"
echo "raw output: $out/elf.txt, $out/spawn.txt, $out/kcreate.txt"

bench/run-elf.sh "$O/bench/bench_elf" "$O" > "$out/elf.txt"
"$O/bench/bench_spawn" "$@" > "$out/spawn.txt"
"$O/bench/bench_kcreate" --pool "${BENCH_POOL:-4}" > "$out/kcreate.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

awk '
/^validator:/ { summary = $0 }
/^e_phnum/ { inphnum = 1; next }
inphnum && NF == 3 { pn[++np] = $1; pp[np] = $2; pl[np] = $3; next }
!inphnum && NF >= 7 && $NF != "verdict" && $6 ~ /x$/ {
    r = $6; sub(/x$/, "", r); r += 0
    if (nf == 0 || r < worst) { worst = r; wname = $1; wp = $2; wl = $4 }
    nf++; if (r >= 5.0) nok++
}
END {
    print "VALIDATOR  time per file, procmgr full validation + plan vs libelf (elf_memory,"
    print "           gelf_getehdr, every gelf_getphdr), same in-memory header buffers"
    if (summary != "") {
        n = split(summary, w, " ")
        printf "  %-44s %s\n", "files (machine executables + test programs)", nf
        s = summary; sub(/^validator: [0-9]+ files \([0-9]+ accepted\); /, "", s)
        printf "  %s\n", s
        printf "  %-44s %s procmgr %s libelf %s  ratio %.1fx\n", "slowest relative file", wname, wp, wl, worst
        printf "  %-44s %d of %d files  -> %s\n", "target libelf/procmgr >= 5x on every file", nok, nf,
               nok == nf ? "met" : "NOT met"
    }
    if (np > 1) {
        print ""
        print "  e_phnum scaling (synthetic ET_EXEC, 1 PT_LOAD + PT_NOTEs), ns per call:"
        line = "   "
        for (i = 1; i <= np; i++) {
            line = line sprintf(" %s:%s", pn[i], pp[i])
            if (i % 9 == 0 || i == np) { print line; line = "   " }
        }
        slope = (pp[np] - pp[1]) / (pn[np] - pn[1])
        lslope = (pl[np] - pl[1]) / (pn[np] - pn[1])
        maxdev = 0
        for (i = 1; i <= np; i++) {
            d = pp[i] - (pp[1] + slope * (pn[i] - pn[1])); if (d < 0) d = -d
            if (d / pp[np] > maxdev) maxdev = d / pp[np]
        }
        printf "    procmgr %.1f ns per header (libelf %.1f); largest deviation from the line %.0f%% of the max;\n",
               slope, lslope, maxdev * 100
        printf "    bounded: e_phnum > %s is refused (PM_ELF_MAX_PHNUM)\n", pn[np]
    }
}' "$out/elf.txt"

echo
awk '
function verdict(ratio, op, lim) {
    if (op == "<=") return ratio <= lim ? "met" : "NOT met"
    return ratio >= lim ? "met" : "NOT met"
}
/^spawn/ {
    if (!hdr) {
        print "SPAWN LATENCY  request -> exit observed: median, interquartile range, 10th percentile with"
        print "               its ratio, ratio of medians to posix_spawn+waitpid (the one the targets use);"
        print "               procmgr = libprocmgr over an open connection to procmgrd with the stub pool,"
        print "               procmgr-pool0 = PROCMGR_STUB_POOL=0, procmgr-1req = one CREATE_PROCESS request"
        hdr = 1
    }
    r = $NF; sub(/x$/, "", r); r += 0
    r10 = $12; sub(/x$/, "", r10); r10 += 0
    t = ""
    if ($3 == "procmgr") {
        lim = $2 == "glibc-dynamic" ? 1.2 : 1.0
        v = verdict(r, "<=", lim); v10 = verdict(r10, "<=", lim)
        # a verdict the 10th percentiles contradict is the noise speaking
        if (v != v10) v = "unclear (median " v ", p10 " v10 ": noise)"
        t = sprintf("target <= %.1fx: %s", lim, v)
        res[++nres] = sprintf("spawn %-14s median %.2fx, p10 %.2fx (target <= %.1fx) %s", $2, r, r10, lim, v)
    }
    printf "  %-14s %-14s %9s us  iqr %8s us  p10 %8s us %6s  %6s  %s\n", $2, $3, $4, $7, $10, $12, $NF, t
    next
}
/^tput/ {
    if (!thdr) {
        print ""
        print "THROUGHPUT  processes created and reaped per second (no-libc program), N clients each with"
        print "            its own connection vs N threads calling posix_spawn+waitpid; median of 3 runs, range"
        thdr = 1
    }
    r = $NF; sub(/x$/, "", r); r += 0
    t = ""
    if ($4 == "procmgr") {
        t = "target >= 1.0x: " verdict(r, ">=", 1.0)
        res[++nres] = sprintf("throughput %2d clients %.2fx (target >= 1.0x) %s", $2, r, verdict(r, ">=", 1.0))
    }
    printf "  %2s clients     %-14s %9s procs/s  range %11s  %6s  %s\n", $2, $4, $5, $8, $NF, t
    next
}
/^kcreate/ {
    if (!khdr) {
        print ""
        print "STUB POOL, backend alone  pm_k_as_create + pm_k_as_get_info (a stub ready for its build),"
        print "                          pool disabled vs pool, alternating (bench_kcreate)"
        khdr = 1
    }
    sub(/^kcreate  /, "")
    printf "  %s\n", $0
    next
}
/^memory/ {
    if (!mhdr) {
        print ""
        print "DAEMON MEMORY  procmgrd VmRSS with N processes created without starting (then killed);"
        print "               idle pooled stubs: resident and proportional size each (smaps_rollup)"
        mhdr = 1
    }
    sub(/^memory   /, "")
    printf "  %s\n", $0
    next
}
{ print }
END {
    print ""
    print "TARGETS (spawn side)"
    for (i = 1; i <= nres; i++) print "  " res[i]
}' "$out/spawn.txt" "$out/kcreate.txt"
