# Shared freestanding code: the status tables.
CORE_SRCS  += src/common/status.c
UNIT_TESTS += $(O)/tests/test_status
