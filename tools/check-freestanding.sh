#!/usr/bin/env bash
# Fails if a freestanding object imports any symbol other than the four
# functions GCC requires of a freestanding environment (memcpy, memmove,
# memset, memcmp) or the sanitizer runtime in a SAN build.  Symbols defined
# by the other core objects are allowed (they are core code themselves).
set -euo pipefail
[ $# -gt 0 ] || exit 0
defined=$(nm --defined-only -g "$@" 2>/dev/null | awk 'NF==3{print $3}' | sort -u)
bad=0
for o in "$@"; do
  for s in $(nm -u "$o" | awk '{print $2}'); do
    case "$s" in
      memcpy|memmove|memset|memcmp|__asan_*|__ubsan_*|__sanitizer_*|_GLOBAL_OFFSET_TABLE_) continue ;;
    esac
    if ! grep -qx -- "$s" <<<"$defined"; then
      echo "check-freestanding: $o imports $s" >&2; bad=1
    fi
  done
done
[ $bad -eq 0 ] && echo "check-freestanding: $# objects import nothing from libc"
exit $bad
