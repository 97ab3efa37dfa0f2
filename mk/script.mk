# `#!` scripts through procmgrd over the Linux backend (spec/scripts.md):
# tests/daemon/script.sh runs scripts with `procctl run` and compares them
# with direct execution, and checks each refusal's code.  Like
# check-daemon-linux it needs the Linux backend (a notice otherwise); the
# list it depends on is deferred with $$(...) (this fragment is read before
# the Linux backend's).
.PHONY: check-script
CHECKS     += check-script
SAN_CHECKS += check-script
check-script: $$(if $$(KLINUX_LIB),$(O)/bin/procmgrd $(O)/bin/procctl)
	@if [ -n "$(KLINUX_LIB)" ]; then tests/daemon/script.sh $(O)/bin; \
	 else echo "check-script: skipped, no Linux backend (KLINUX_LIB)"; fi
