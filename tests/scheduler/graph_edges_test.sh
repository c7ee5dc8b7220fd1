#!/bin/bash
# Transition-graph orderings against pacemaker's own: for every case of the
# 2.1.5 corpus, the edges of `halab simulate -D` (pseudo-actions, styles and
# all) must equal crm_simulate's on the same CIB and arguments. The summary
# and executed-action comparisons of scheduler_conformance cannot see a
# missing ordering (a start not waiting for fencing ran both sides of a split
# in the lab); this rate can. Fails when it drops below the floor "edges N"
# in conformance_floor.txt. Exit 77 (skip) without crm_simulate or corpus.
# usage: graph_edges_test.sh HALAB CORPUS_DIR FLOOR_FILE [--list]
set -u
halab=$1 corpus=$2 floor_file=$3 list=${4:-}
command -v crm_simulate >/dev/null || { echo "SKIP: crm_simulate not installed"; exit 77; }
[ -f "$corpus/MANIFEST.tsv" ] || { echo "SKIP: no corpus at $corpus"; exit 77; }
floor=$(awk '$1 == "edges" {print $2}' "$floor_file")
[ -n "$floor" ] || { echo "no 'edges' floor in $floor_file"; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
same=0 total=0 differ=()
while IFS=$'\t' read -r name _ args; do
  [ -f "$corpus/xml/$name.xml" ] || continue
  total=$((total + 1))
  # shellcheck disable=SC2086 # MANIFEST's extra arguments are words
  timeout 30 crm_simulate -x "$corpus/xml/$name.xml" -S $args -D "$work/p.dot" >/dev/null 2>&1
  # shellcheck disable=SC2086
  timeout 30 "$halab" simulate -x "$corpus/xml/$name.xml" -S $args -D "$work/h.dot" >/dev/null 2>&1
  if cmp -s <(grep -- '->' "$work/p.dot" 2>/dev/null | sort) <(grep -- '->' "$work/h.dot" 2>/dev/null | sort); then
    same=$((same + 1))
  else
    differ+=("$name")
  fi
  rm -f "$work/p.dot" "$work/h.dot"
done < <(grep -v '^#' "$corpus/MANIFEST.tsv")
echo "graph edges equal to crm_simulate's: $same/$total = $(awk -v s=$same -v t=$total 'BEGIN{printf "%.1f", 100*s/t}')%"
[ "$list" = --list ] && printf '  differs: %s\n' "${differ[@]}"
if [ "$same" -lt "$floor" ]; then echo "FAIL: $same below the committed floor $floor"; exit 1; fi
echo "floor edges $floor: met"
