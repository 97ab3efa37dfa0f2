# spec/proof-perimeter.md: every file under src/ and include/ has a row and
# its line count and the totals are current (tools/perimeter.sh).
CHECKS += check-perimeter
.PHONY: check-perimeter
check-perimeter:
	@tools/perimeter.sh
