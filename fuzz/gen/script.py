#!/usr/bin/env python3
"""Seeds for fuzz/fuzz_script.c (input format in the harness comment): the
parser at each rule of spec/scripts.md (blanks, the one argument, NUL,
relative and empty interpreters, the 256-byte line limit on each side), and
script launches over the sim (allowed, not allowed, nested, startup ids
taken, no id or argument bytes left, a kernel failure at each call).  Usage: script.py OUTDIR"""
import hashlib, os, sys

LIMIT = 256

def long_line(newline_at=None, total=300):
    b = bytearray(b'#!/bin/sh ' + b'a' * (total - 10))
    if newline_at is not None:
        b[newline_at] = ord('\n')
    return bytes(b)

PARSE = [
    b'#!/bin/sh\necho hi\n', b'#!/bin/sh -e\n', b'#! \t/bin/sh  a b \t\n',
    b'#!/usr/bin/env python3 -u\n', b'#!/bin/sh', b'#!/', b'#!', b'#!\n',
    b'#!  \t\n', b'#!sh\n', b'#! ./x -e\n', b'#!/bin/sh\0x\n', b'#!\0\n',
    b'#!/bin/sh\r\n', b'#!/bin/sh\n\0\0', b'\x7fELF\x02\x01\x01', b'#', b'',
    long_line(LIMIT - 1), long_line(LIMIT), long_line(None, LIMIT),
    long_line(None, LIMIT - 1), b'#!/' + b'b' * 300,
]
LAUNCH = [
    (1, b'#!/bin/sh -e\necho\n'), (1, b'#!/bin/static\n'), (1, b'#!/bin/static  x y \n'),
    (1, b'#!/bin/nested\n'), (1, b'#!/bin/badnest -x\n'), (1, b'#!/usr/bin/perl\n'), (1, b'#!sh\n'),
    (1, long_line(LIMIT)), (3, b'#!/bin/static\n'), (3, b'#!/bin/perl\n'),
    (1, b'not a script'),
    # startup ids 3.. taken by 1, 10, 28, 29 handles (ids 4, 13, 31, none)
    (1 | 1 << 2, b'#!/bin/static\n'), (1 | 4 << 2, b'#!/bin/sh -e\n'),
    (1 | 5 << 2, b'#!/bin/static\n'), (1 | 6 << 2, b'#!/bin/static\n'),
    # argument bytes full but for 0, 20, 255 (the room byte comes first)
    (0x21, b'\x00#!/bin/static\n'), (0x21, b'\x14#!/bin/static -x\n'),
    (0x21, b'\xff#!/bin/sh -e\n'),
]
# a kernel failure at each call of a script launch (the fail byte first)
LAUNCH += [(0x41, bytes([n]) + b'#!/bin/sh -e\n') for n in range(1, 48)]

def main(out):
    os.makedirs(out, exist_ok=True)
    inputs = [b'\x00' + p for p in PARSE] + [bytes([m]) + p for m, p in LAUNCH]
    for data in inputs:
        name = 'gen-' + hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)

if __name__ == '__main__':
    main(sys.argv[1])
