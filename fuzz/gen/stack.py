#!/usr/bin/env python3
"""Seeds for fuzz/fuzz_stack.c (input format in the harness comment): a
plain image, every refusal of pm_stack_build at and just past its limit,
and images that fit their buffer exactly.  Usage: stack_seeds.py OUTDIR"""
import os, re, struct, sys

def limits(path='include/procmgr/stack.h'):
    want = ('MAX_STRINGS', 'MAX_STRLEN', 'MAX_AUXV', 'MAX_EXECFN', 'MAX_PLATFORM')
    got = {}
    for line in open(path):
        m = re.match(r'#define PM_STACK_(\w+)\s+(\d+)u', line)
        if m and m.group(1) in want:
            got[m.group(1)] = int(m.group(2))
    return [got[k] for k in want]

# The bounds as the header has them today (run from the repository root).
LIMIT_STRINGS, LIMIT_STRLEN, LIMIT_AUXV, LIMIT_EXECFN, LIMIT_PLAT = limits()

def vec(count=0, length=0, stride=1, odd=0xffff, odd_off=0, odd_len=0):
    return struct.pack('<HHHHII', count, length, stride, odd, odd_off, odd_len)

def need(argc, alen, envc, elen, nauxv, xlen, plen, odd_len=None):
    up = lambda d: (d + 15) & ~15
    strings = argc * (alen + 1) + envc * (elen + 1)
    d = up(8 + xlen + 1 + strings)
    d += (plen + 1) if plen else 0
    d += 16
    aux = nauxv + (3 if plen else 2) + 1
    return up(d + 8 * (1 + argc + 1 + envc + 1 + 2 * aux))

def seed(flags=2, top=0, cap=4096, argv=vec(), envp=vec(), nauxv=0, bad=0xff,
         bad_type=0, xoff=0, xlen=0, poff=0, plen=0, pool=b'abcdefghij' * 20):
    return (bytes([flags]) + struct.pack('<QI', top, cap) + argv + envp +
            bytes([nauxv, bad, bad_type]) + struct.pack('<HHHB', xoff, xlen, poff, plen) +
            pool)

TOP = 0x7ffffffde000
n_plain = need(3, 5, 2, 4, 5, 9, 6)
n_min = need(0, 0, 0, 0, 0, 0, 0)
n_max = need(LIMIT_STRINGS, 4, LIMIT_STRINGS, 4, LIMIT_AUXV, LIMIT_EXECFN, LIMIT_PLAT)
seeds = {
    'plain': seed(argv=vec(3, 5, 7), envp=vec(2, 4, 3), nauxv=5, xlen=9, plen=6),
    'plain-exact': seed(cap=n_plain, argv=vec(3, 5, 7), envp=vec(2, 4, 3), nauxv=5, xlen=9, plen=6),
    'plain-short': seed(cap=n_plain - 1, argv=vec(3, 5, 7), envp=vec(2, 4, 3), nauxv=5, xlen=9, plen=6),
    'no-platform': seed(argv=vec(1, 3), nauxv=2, xlen=4),
    'empty': seed(cap=n_min),
    'empty-cap0': seed(cap=0),
    'empty-strings': seed(argv=vec(4, 0), envp=vec(4, 0), xlen=0, plen=1),
    'max-everything': seed(flags=6, cap=n_max, argv=vec(LIMIT_STRINGS, 4, 13),
                           envp=vec(LIMIT_STRINGS, 4, 17), nauxv=LIMIT_AUXV,
                           xlen=LIMIT_EXECFN, plen=LIMIT_PLAT),
    'max-string': seed(flags=6, cap=need(1, LIMIT_STRLEN, 0, 0, 0, 1, 0), argv=vec(1, 0, 0, 0, 0, LIMIT_STRLEN), xlen=1),
    # stack_top: misaligned, above the limit, below cap
    'top-misaligned': seed(flags=3, top=TOP + 8),
    'top-over': seed(flags=3, top=(1 << 56) + 16),
    'top-at-max': seed(flags=3, top=1 << 56, argv=vec(1, 3)),
    'top-below-cap': seed(flags=3, top=4080, cap=4096),
    'top-equals-cap': seed(flags=3, top=4096, cap=4096, argv=vec(1, 3)),
    # counts and lengths one past their bounds
    'argc-over': seed(argv=vec(LIMIT_STRINGS + 1, 1)),
    'envc-over': seed(envp=vec(LIMIT_STRINGS + 1, 1)),
    'auxv-over': seed(nauxv=LIMIT_AUXV + 1),
    'execfn-over': seed(flags=6, xlen=LIMIT_EXECFN + 1),
    'platform-over': seed(plen=LIMIT_PLAT + 1),
    'strlen-over-argv': seed(flags=6, argv=vec(2, 1, 1, 1, 0, LIMIT_STRLEN + 1)),
    'strlen-over-envp': seed(flags=6, envp=vec(2, 1, 1, 1, 0, LIMIT_STRLEN + 1)),
    # strings: outside the pool, NUL inside
    'span-outside': seed(argv=vec(2, 3, 1, 1, 0xfffffff0, 20)),
    'span-outside-envp': seed(envp=vec(2, 3, 1, 0, 190, 20)),
    'nul-in-argv': seed(flags=0, argv=vec(1, 8), pool=b'abc\0defghij' * 4),
    'nul-in-envp': seed(flags=0, envp=vec(1, 8), pool=b'abc\0defghij' * 4),
    'nul-in-execfn': seed(flags=0, xlen=8, pool=b'abc\0defghij' * 4),
    'nul-in-platform': seed(flags=0, poff=1, plen=8, pool=b'abc\0defghij' * 4),
    # reserved auxv types
    'auxv-null': seed(nauxv=3, bad=1, bad_type=0),
    'auxv-random': seed(nauxv=3, bad=2, bad_type=1),
    'auxv-execfn': seed(nauxv=3, bad=0, bad_type=2),
    'auxv-platform': seed(nauxv=3, bad=1, bad_type=3),
    'auxv-base-twice': seed(nauxv=6, bad=1, bad_type=4),
    'auxv-max': seed(nauxv=LIMIT_AUXV, xlen=3, plen=6),
}
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, 'gen-' + name), 'wb') as f:
        f.write(data)
