# The hosted shell's helpers shared by the CLIs (src/shell): the JSON
# writer of every --json output (json.h), and its unit test.
SHELL_JSON_OBJ := $(call obj-of,src/shell/json.c)
UNIT_TESTS     += $(O)/tests/test_json
$(O)/tests/test_json: $(SHELL_JSON_OBJ)

# Command-line conventions and --json through a JSON parser (issue 20):
# a real procmgrd, so only with the Linux backend.
.PHONY: check-cli
CHECKS     += check-cli
SAN_CHECKS += check-cli
check-cli: $$(if $$(KLINUX_LIB),$(O)/bin/procmgrd) $(O)/bin/procctl $(O)/bin/elfcheck
	@if [ -n "$(KLINUX_LIB)" ]; then tests/daemon/cli.sh $(O)/bin; \
	 else echo "check-cli: skipped, no Linux backend (KLINUX_LIB)"; fi
