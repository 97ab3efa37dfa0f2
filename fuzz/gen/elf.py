#!/usr/bin/env python3
"""Seeds for the policy mode of fuzz/fuzz_elf.c (see the harness comment):
one small valid image (ET_EXEC and ET_DYN) validated and biased under
policies that each break one rule of pm_elf_check_policy, under roles that
are not roles, with buffers longer than the file, and with biases that hit
each refusal of pm_elf_plan_apply_bias.  Usage: elf_policy.py OUTDIR"""
import os, struct, sys

def image(etype, vaddr, entry, nload=1, phdr_type=1, flags=5):
    phnum = nload
    eh = b'\x7fELF' + bytes([2, 1, 1, 0]) + bytes(8)
    eh += struct.pack('<HHIQQQIHHHHHH', etype, 62, 1, entry, 64, 0, 0, 64, 56,
                      phnum, 64, 0, 0)
    ph = b''
    for i in range(nload):
        ph += struct.pack('<IIQQQQQQ', phdr_type if i == 0 else 1, flags,
                          0x1000 * i, vaddr + 0x1000 * i, vaddr + 0x1000 * i,
                          0x1000, 0x1000, 0x1000)
    return eh + ph

def policy(machines=1, flags=1, page=4096, min_vaddr=0x10000,
           user_limit=0x7ffffffff000, max_span=0x40000000, max_loads=16):
    return struct.pack('<IIQQQQI', machines, flags, page, min_vaddr,
                       user_limit, max_span, max_loads)

def seed(size, opts, pol, bias, img, field=0xff, value=0, field2=0xff, value2=0):
    # The caller reads min(file size, header area) bytes: pad to that.
    if len(img) < size <= 0x10000:
        img += bytes(size - len(img))
    return (struct.pack('<Q', (0x50 << 56) | size) + bytes([opts]) + pol +
            struct.pack('<QBQBQ', bias, field, value, field2, value2) + img)

def forged(field, value, bias=0x10000, pol=None, img=None, seg=0, field2=0xf, value2=0):
    # validated under the default policy, biased under `pol` after one or
    # two fields of the plan were overwritten (opts bit 1)
    return seed(0x3000, 2, pol or policy(), bias, img or DYN, field | (seg << 4), value,
                field2 | (seg << 4), value2)

EXE = image(2, 0x400000, 0x400100)
DYN = image(3, 0, 0x100)
TWO = image(3, 0, 0x100, nload=2)
WX = image(2, 0x400000, 0x400100, flags=7)
seeds = {
    # pm_elf_check_policy: each conjunct false once
    'pol-machines0': seed(0x2000, 1, policy(machines=0), 0, EXE),
    'pol-machines8': seed(0x2000, 1, policy(machines=8), 0, EXE),
    'pol-flags2': seed(0x2000, 1, policy(flags=2), 0, EXE),
    'pol-page3000': seed(0x2000, 1, policy(page=3000), 0, EXE),
    'pol-page8k': seed(0x2000, 1, policy(page=8192), 0, EXE),
    'pol-page16k': seed(0x2000, 1, policy(page=16384), 0, EXE),
    'pol-page32k': seed(0x2000, 1, policy(page=32768), 0, EXE),
    'pol-page64k': seed(0x2000, 1, policy(page=65536), 0, EXE),
    'pol-minva-odd': seed(0x2000, 1, policy(min_vaddr=0x10001), 0, EXE),
    'pol-limit-odd': seed(0x2000, 1, policy(user_limit=0x7ffffffff001), 0, EXE),
    'pol-min-above-limit': seed(0x2000, 1, policy(min_vaddr=0x800000000000), 0, EXE),
    'pol-loads0': seed(0x2000, 1, policy(max_loads=0), 0, EXE),
    'pol-loads99': seed(0x2000, 1, policy(max_loads=99), 0, EXE),
    'pol-loads1-two': seed(0x3000, 1, policy(max_loads=1), 0, TWO),
    'pol-nowx': seed(0x2000, 1, policy(flags=0), 0, WX),
    # arguments: buffer longer than the file, roles 2 and 3
    'args-buf-gt-file': seed(0x10, 0, policy(), 0, EXE),
    'args-role2': seed(0x2000, 2 << 2, policy(), 0, EXE),
    'args-both-roles': seed(0x2000, 3 << 2, policy(), 0x10000, DYN),
    # bias: each refusal, then success and a second (refused) application
    'bias-ok-dyn': seed(0x2000, 16 | (3 << 2), policy(), 0x555555554000, DYN),
    'bias-ok-exec0': seed(0x2000, 16, policy(), 0, EXE),
    'bias-exec-nonzero': seed(0x2000, 0, policy(), 0x1000, EXE),
    'bias-misaligned': seed(0x2000, 0, policy(), 0x10001, DYN),
    'bias-limit-below-span': seed(0x2000, 1, policy(user_limit=0x20000, min_vaddr=0x1000), 0x20000, DYN),
    'bias-refused-plan': seed(0x2000, 1, policy(page=0), 0x10000, DYN),
    'bias-over-limit': seed(0x2000, 0, policy(), 0x7ffffffff000, DYN),
    'bias-below-min': seed(0x2000, 0, policy(), 0, DYN),
    'bias-near-top': seed(0x2000, 1, policy(user_limit=0xfffffffffffff000), 0xffffffffffff0000, DYN),
    # apply_bias on plans and policies it must not trust (opts bit 1)
    'forge-none': forged(0xf, 0),
    'forge-invalid': forged(0, 0),
    'forge-biased': forged(1, 0x1000),
    'forge-nseg0': forged(2, 0),
    'forge-nseg-over': forged(2, 17),
    'forge-align0': forged(3, 0),
    'forge-align-odd': forged(3, 0x3000, bias=0x3000),
    'forge-exec': forged(4, 2),
    'forge-span-start': forged(5, 0xffffffffffff0000),
    'forge-span-end': forged(6, 0xffffffffffff0000),
    'forge-span-start-low': forged(5, 0, bias=0),
    'forge-entry': forged(7, 0xffffffffffff0000),
    'forge-phdr': forged(8, 0xffffffffffff0000),
    'forge-phdr-ok': forged(8, 0x40),
    'forge-tls': forged(9, 0xffffffffffff0000),
    'forge-tls-ok': forged(9, 0x100),
    'forge-dynamic': forged(10, 0xffffffffffff0000),
    'forge-dynamic-ok': forged(10, 0x200),
    'forge-relro': forged(11, 0xffffffffffff0000),
    'forge-relro-ok': forged(11, 0x300),
    'forge-map-start': forged(12, 0xffffffffffff0000),
    'forge-map-start-low': forged(12, 0, bias=0, pol=policy(min_vaddr=0x1000)),
    'forge-map-len': forged(13, 0xffffffffffff0000),
    'forge-map-len-edge': forged(13, 0x7ffffffff000 - 0x10000 + 0x1000),
    'forge-zero-start': forged(14, 0x5000),
    'forge-seg-below-min': forged(12, 0x1000, bias=0, img=EXE, field2=14, value2=0x1000),
    'forge-first-of-two': forged(12, 0xffffffffffff0000, img=TWO),
    'forge-page0': forged(0xf, 0, pol=policy(page=0)),
    'forge-page-odd': forged(0xf, 0, bias=0x11000, pol=policy(page=0x10000)),
    'forge-limit-low': forged(0xf, 0, bias=0x10000, pol=policy(user_limit=0x800)),
    'forge-bias-over-limit': forged(0xf, 0, bias=0x800000000000),
    'forge-bias-at-limit': forged(0xf, 0, bias=0x7ffffffff000),
    # pm_elf_on_region with a type that is no region
    'region-load': seed(0x2000, 32, policy(), 0, struct.pack('<IIQQQQQQ', 1, 5, 0, 0, 0, 1, 1, 1)),
    'region-tls': seed(0x2000, 32, policy(), 0, struct.pack('<IIQQQQQQ', 7, 4, 0, 0, 0, 1, 1, 8)),
}
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, 'gen-' + name), 'wb') as f:
        f.write(data)
