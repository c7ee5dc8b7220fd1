#!/bin/sh
# The required negative of issue 7, on the real stack (halabd, not
# toy-failover): a two-node split with fencing disabled
# (scenarios/negative/split2-unfenced.scn) runs the service twice, so the
# max-active audit fires — on every seed tried — and `halab replay` of the
# replay file reproduces the violation bit for bit (the same trace hash, the
# same failed audit at the same instant). The same cluster with fencing
# (scenarios/split2-fencing.scn) holds: the audit is not firing on anything.
set -eu
halab="$1"
src="$2"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"

for seed in 1 2 3; do
  set +e; "$halab" run "$src/scenarios/negative/split2-unfenced.scn" --seed $seed --out neg$seed > run$seed; rc=$?; set -e
  test $rc -eq 1
  grep -q '^verdict: VIOLATION: audit max-active$' run$seed
  violated=$(grep 'audit max-active .*VIOLATED' run$seed | sed 's/  */ /g')
  echo "$violated" | grep -q 'active copies (at most 1)'
  recorded=$(sed -n 's/^trace-hash: //p' run$seed)
  replay=neg$seed/replay-seed-$seed.replay
  test -s "$replay"
  grep -q "^trace-hash $recorded\$" "$replay"
  grep -q '^failure audit max-active' "$replay"
  "$halab" replay "$replay" > rep$seed
  grep -q "^trace-hash: $recorded (recorded $recorded: reproduced)\$" rep$seed
  grep -q "^recorded failure 'audit max-active': reproduced\$" rep$seed
  test "$(grep 'audit max-active .*VIOLATED' rep$seed | sed 's/  */ /g')" = "$violated"
done

"$halab" run "$src/scenarios/split2-fencing.scn" --out pos > pos
grep -q '^verdict: every audit and expectation held$' pos
