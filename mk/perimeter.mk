# spec/proof-perimeter.md: every file under src/ and include/ has a row and
# its line count and the totals are current (tools/perimeter.sh).
CHECKS += check-perimeter
.PHONY: check-perimeter
check-perimeter:
	@tools/perimeter.sh

# spec/status-codes.md: every code of include/procmgr/status.h with its
# number, name and message (tools/status-table.sh; issue 18 item 12).
CHECKS += check-status-table
.PHONY: check-status-table
check-status-table:
	@tools/status-table.sh
