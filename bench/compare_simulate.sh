#!/usr/bin/env bash
# halab simulate vs crm_simulate on the same generated CIBs, in the same run.
# For each size (NODESxRESOURCES) and mode (-R, -S): both wall times, the
# ratio crm_simulate/halab, and whether the Transition Summaries agree
# (whitespace folded, sorted).
#
# usage: bench/compare_simulate.sh [-R SIZES] [-S SIZES] [--halab PATH]
#   SIZES: comma-separated NxR, e.g. 3x10,8x100,32x1000
#   defaults keep the run short on a shared 2-core machine:
#     -R 3x10,8x100,16x500,32x1000   -S 3x10,8x50,16x100 (-S sizes also run after a node failure)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
halab="$here/../build/bin/halab"
r_sizes="3x10,8x100,16x500,32x1000"
s_sizes="3x10,8x50,16x100"
while [ $# -gt 0 ]; do
  case "$1" in
    -R) r_sizes="$2"; shift 2 ;;
    -S) s_sizes="$2"; shift 2 ;;
    --halab) halab="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v crm_simulate >/dev/null || { echo "crm_simulate is not installed" >&2; exit 2; }
[ -x "$halab" ] || { echo "halab not built at $halab" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

summary() {  # the Transition Summary, folded and sorted
  sed -n '/^Transition Summary:/,/^$/p' "$1" | tail -n +2 | sed 's/[[:space:]]\+/ /g; s/^ //; s/ $//' | grep . | sort
}

seconds() { date +%s.%N; }

run() {  # mode size extra-generator-flags label
  local mode=$1 size=$2 flags=$3 label=$4
  local n=${size%x*} r=${size#*x}
  python3 "$here/gen_cib.py" "$n" "$r" $flags > "$tmp/cib.xml"
  local t0 t1 t2
  t0=$(seconds)
  "$halab" simulate -x "$tmp/cib.xml" "$mode" > "$tmp/halab.txt" 2>/dev/null
  t1=$(seconds)
  crm_simulate --output-as=text -x "$tmp/cib.xml" "$mode" > "$tmp/crm.txt" 2>/dev/null
  t2=$(seconds)
  local agree=no
  if diff <(summary "$tmp/halab.txt") <(summary "$tmp/crm.txt") > /dev/null; then agree=yes; fi
  local lines
  lines=$(summary "$tmp/crm.txt" | wc -l)
  python3 - "$mode" "$label" "$t0" "$t1" "$t2" "$agree" "$lines" <<'PY'
import sys
mode, label, t0, t1, t2, agree, lines = sys.argv[1:]
h = float(t1) - float(t0); c = float(t2) - float(t1)
print(f"{mode:3} {label:<22} halab {h:8.3f}s  crm_simulate {c:8.3f}s  ratio {c / max(h, 1e-6):8.1f}x  "
      f"summaries agree: {agree} ({lines} lines)")
PY
}

echo "halab simulate vs crm_simulate ($(crm_simulate --version | head -1))"
for size in ${r_sizes//,/ }; do run -R "$size" "" "${size} nodes x rsc"; done
for size in ${s_sizes//,/ }; do
  run -S "$size" "" "${size} nodes x rsc"
  run -S "$size" "--fail-node" "${size} +node failure"
done
