#!/usr/bin/env bash
# Installs the Debian packages procmgr needs when any is missing, then makes
# sure why3 knows the provers.  Idempotent and quiet when all is present.
set -euo pipefail
pkgs=(make gcc clang libclang-rt-14-dev frama-c-base why3 z3 cvc4 cvc5
      afl++ libcmocka-dev libelf-dev musl-tools python3 binutils strace)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# WP finds no prover until why3 has detected them.
if ! why3 config list-provers 2>/dev/null | grep -q '^Z3 4'; then
  why3 config detect >/dev/null
fi
echo "deps: all present"
