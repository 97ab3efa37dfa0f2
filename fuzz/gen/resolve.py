#!/usr/bin/env python3
"""Seeds for fuzz/fuzz_resolve.c (input format in the harness comment):
tables holding the query, a prefix of it, a one-byte variant, fresh names,
duplicates (the first must win), empty and full tables, and queries the
codec refuses (empty, NUL inside); each alone and through RESOLVE with
every kind of image.  Usage: resolve.py OUTDIR"""
import hashlib, os, sys

MAX_TABLE = 16

def copy(img=0):       return bytes([0 | img << 2])
def prefix(img=0):     return bytes([1 | img << 2])
def variant(at, x, img=0): return bytes([2 | img << 2, at, x])
def fresh(name, img=0):    return bytes([3 | img << 2, len(name)]) + name

def case(mode, entries, query):
    return bytes([mode, len(entries)]) + b''.join(entries) + query

CASES = []
for mode in (0, 1):
    CASES += [
        case(mode, [fresh(b'bin/x'), copy(0)], b'bin/true'),
        case(mode, [prefix(), variant(3, 1), copy(1)], b'bin/dyn'),
        case(mode, [copy(2), copy(0)], b'lib/ld'),            # first of two wins
        case(mode, [variant(0, 0x20, 1), copy(3)], b'notelf'),
        case(mode, [fresh(b'a'), fresh(b'b')], b'c'),         # not found
        case(mode, [], b'bin/true'),                          # empty table
        case(mode, [fresh(b'n%d' % i) for i in range(MAX_TABLE - 1)] + [copy(1)], b'last'),
        case(mode, [copy()] * (MAX_TABLE + 1), b'over'),
        case(mode, [copy()], b''),                            # empty name
        case(mode, [copy()], b'a\x00b'),                      # NUL inside
    ]

def main(out):
    os.makedirs(out, exist_ok=True)
    for data in CASES:
        name = 'gen-' + hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)

if __name__ == '__main__':
    main(sys.argv[1])
