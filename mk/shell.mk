# The hosted shell's helpers shared by the CLIs (src/shell): the JSON
# writer of every --json output (json.h), and its unit test.
SHELL_JSON_OBJ := $(call obj-of,src/shell/json.c)
UNIT_TESTS     += $(O)/tests/test_json
$(O)/tests/test_json: $(SHELL_JSON_OBJ)
