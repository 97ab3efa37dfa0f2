#!/usr/bin/env bash
# Keeps spec/proof-perimeter.md honest (make check-perimeter, part of
# make check).
#
#   tools/perimeter.sh            check: fails if a .c/.h/.S file under src/
#                                 or include/ has no row, a row names a file
#                                 that does not exist, a row's line count is
#                                 not the file's `wc -l`, a status is not one
#                                 of the words below, or the totals block is
#                                 not what the rows add up to
#   tools/perimeter.sh --update   rewrites the line counts and the totals
#                                 block from the files (then review the diff)
#
# A row is a table line whose first cell is a back-quoted path:
#   | `src/x.c` | LINES | PART | OUTSIDE | STATUS | how proven / why trusted |
# PART:    daemon (on procmgrd's path), client (libprocmgr, procctl),
#          tool (elfcheck), sim (the microkernel model: procmgrd-sim, tests)
# OUTSIDE: yes when the file handles outside bytes or values derived from
#          them, else no
# STATUS:  proven | partly-proven | being-proven | unproven | trusted | header
set -euo pipefail
cd "$(dirname "$0")/.."
table=spec/proof-perimeter.md
mode=${1:-check}
statuses='proven partly-proven being-proven unproven trusted header'
parts='daemon client tool sim'

rows=$(awk -F'|' '$2 ~ /^ *`[^`]+` *$/ {
  f=$2; gsub(/[ `]/, "", f);
  for (i = 3; i <= 6; i++) gsub(/^ +| +$/, "", $i);
  print f "\t" $3 "\t" $4 "\t" $5 "\t" $6 }' "$table")
[ -n "$rows" ] || { echo "perimeter: no rows in $table" >&2; exit 1; }

# Totals computed from the files themselves (wc -l), per part and status.
totals() {
  while IFS=$'\t' read -r f _n part outside status; do
    printf '%s\t%s\t%s\t%s\t%s\n' "$f" "$(wc -l <"$f")" "$part" "$outside" "$status"
  done <<<"$rows" | awk -F'\t' '
    { n = $2; part = $3; out = $4; st = $5; hdr = ($1 ~ /\.h$/) || st == "header";
      if (hdr) { h[part] += n; next }
      code[part] += n;
      if (st == "proven") pr[part] += n;
      else if (st == "partly-proven") pp[part] += n;
      else if (out == "yes") uo[part] += n;
      else un[part] += n;
      if (st == "being-proven") bp[part] += n }
    END {
      print "| part | code lines (.c, .S) | proven | partly proven | unproven, handle outside bytes | unproven or trusted, no outside bytes | of which being proven now (issue 14 helpers) | header lines |";
      print "|---|---|---|---|---|---|---|---|";
      split("daemon client tool sim", ps, " ");
      for (i = 1; i <= 4; i++) { p = ps[i];
        printf "| %s | %d | %d | %d | %d | %d | %d | %d |\n", p, code[p], pr[p], pp[p], uo[p], un[p], bp[p], h[p] } }'
}

if [ "$mode" = "--update" ]; then
  tmp=$(mktemp)
  new_totals=$(totals)
  awk -F'|' -v OFS='|' -v T="$new_totals" '
    /<!-- totals:begin -->/ { print; print T; skip = 1; next }
    /<!-- totals:end -->/   { skip = 0 }
    skip { next }
    $2 ~ /^ *`[^`]+` *$/ { f = $2; gsub(/[ `]/, "", f);
      cmd = "wc -l < \"" f "\""; n = ""; cmd | getline n; close(cmd);
      if (n != "") $3 = " " n + 0 " " }
    { print }' "$table" >"$tmp"
  mv "$tmp" "$table"
  echo "perimeter: counts and totals of $table updated"
  exit 0
fi

fail=0
listed=$(cut -f1 <<<"$rows" | sort)
dups=$(uniq -d <<<"$listed")
[ -z "$dups" ] || { echo "perimeter: listed twice: $dups" >&2; fail=1; }
actual=$(find src include -type f \( -name '*.c' -o -name '*.h' -o -name '*.S' \) | sort)
missing=$(comm -13 <(uniq <<<"$listed") <(echo "$actual"))
gone=$(comm -23 <(uniq <<<"$listed") <(echo "$actual"))
if [ -n "$missing" ]; then
  echo "perimeter: files with no row in $table (add them, with how they are proven or why trusted):" >&2
  sed 's/^/  /' <<<"$missing" >&2; fail=1
fi
if [ -n "$gone" ]; then
  echo "perimeter: rows for files that do not exist:" >&2; sed 's/^/  /' <<<"$gone" >&2; fail=1
fi
while IFS=$'\t' read -r f n part outside status; do
  [ -f "$f" ] || continue
  real=$(wc -l <"$f")
  if [ "$n" != "$real" ]; then
    echo "perimeter: $f: table says $n lines, wc -l says $real (tools/perimeter.sh --update)" >&2; fail=1
  fi
  [[ " $statuses " == *" $status "* ]] || { echo "perimeter: $f: status '$status' not one of: $statuses" >&2; fail=1; }
  [[ " $parts " == *" $part "* ]] || { echo "perimeter: $f: part '$part' not one of: $parts" >&2; fail=1; }
  [[ $outside == yes || $outside == no ]] || { echo "perimeter: $f: outside '$outside' not yes or no" >&2; fail=1; }
done <<<"$rows"
if [ "$fail" -eq 0 ]; then
  want=$(totals)
  have=$(awk '/<!-- totals:begin -->/ { s = 1; next } /<!-- totals:end -->/ { s = 0 } s' "$table")
  if [ "$want" != "$have" ]; then
    echo "perimeter: the totals block of $table is stale (tools/perimeter.sh --update); it should read:" >&2
    echo "$want" >&2; fail=1
  fi
fi
[ "$fail" -eq 0 ] || exit 1
echo "perimeter: $(wc -l <<<"$rows") files listed, counts and totals current"
