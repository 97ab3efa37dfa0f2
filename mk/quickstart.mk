# check-quickstart: the README's quick start, run as written on a bare
# Debian 12 that tests/quickstart/bare-debian.sh makes with debootstrap (as
# root; QUICKSTART_* variables in its header).  Not part of `make check` or
# `make test`: it downloads a base system and packages.
.PHONY: check-quickstart
check-quickstart:
	tests/quickstart/bare-debian.sh
