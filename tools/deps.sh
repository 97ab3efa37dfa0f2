#!/usr/bin/env bash
# Installs the Debian packages procmgr needs when any is missing, then makes
# sure why3 knows the provers.  Idempotent and quiet when all is present.
#
#   tools/deps.sh          everything `make test` needs (proofs, fuzzers, tests;
#                          scdoc for the man pages of `make install`, man-db,
#                          pkgconf and bash-completion for check-install)
#   tools/deps.sh --run    the light set `make run` needs (a compiler and make)
#
# As root it calls apt-get directly; otherwise through sudo when sudo exists,
# else it names the packages to install and fails.
set -euo pipefail
if [ "${1:-}" = "--run" ]; then
  pkgs=(make gcc libc6-dev binutils)
else
  pkgs=(make gcc clang libclang-rt-14-dev frama-c-base why3 z3 cvc4 cvc5
        afl++ libcmocka-dev libelf-dev musl-tools python3 binutils strace
        scdoc man-db pkgconf bash-completion
        g++ lld mold patchelf)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "deps: missing Debian packages: ${missing[*]}" >&2
      echo "deps: install them as root: apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "deps: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# WP finds no prover until why3 has detected them.
if [ "${1:-}" != "--run" ] && ! why3 config list-provers 2>/dev/null | grep -q '^Z3 4'; then
  why3 config detect >/dev/null
fi
echo "deps: all present"
