#!/bin/sh
# The lab's commands end to end: a campaign ends with the pinned summary;
# shards merged equal the whole; a failing scenario exits 1 and writes a
# shrunk replay file that `halab replay` reproduces bit for bit (and a
# tampered hash is caught); `halab report` writes its three files.
set -eu
halab="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"

"$halab" campaign mtbf --seeds 6 --jobs 2 --out all > out1 2> err1
test "$(tail -n 1 out1)" = "seeds: 6 violations: 0"
grep -q '6/6 seeds' err1
test "$(wc -l < all/results.jsonl)" -eq 6

"$halab" campaign mtbf --seeds 6 --shard 0/2 --out s0 --quiet > /dev/null
"$halab" campaign mtbf --seeds 6 --shard 1/2 --out s1 --quiet > /dev/null
test "$(wc -l < s1/results.jsonl)" -eq 3
"$halab" campaign merge s1/results.jsonl s0/results.jsonl -o merged.jsonl > out2
test "$(tail -n 1 out2)" = "seeds: 6 violations: 0"
cmp merged.jsonl all/results.jsonl

cat > fails.scn <<'SCN'
duration 30s
network lan 10.0.0.0/24
nodes a b c
service heartbeat period=100ms timeout=600ms
at 2s pause c for 1s
at 5s crash b
at 8s partition a | c
at 9s heal
expect state b up at 6s
SCN
set +e; "$halab" campaign fails.scn --seeds 2 --jobs 2 --out bad --quiet > out3; rc=$?; set -e
test $rc -eq 1
test "$(tail -n 1 out3)" = "seeds: 2 violations: 2"
grep -q 'seed 1: shrunk in .* 4 -> 1 fault statements' out3
test -s bad/replay-seed-1.replay
grep -q '^at 5s crash b$' bad/replay-seed-1.replay
grep -q '^# (shrunk) at 8s partition' bad/replay-seed-1.replay
"$halab" replay bad/replay-seed-1.replay > out4
grep -q "recorded failure 'state b up at 6s': reproduced" out4
tail -n 1 out4 | grep -Eq '^trace-hash: ([0-9a-f]{16}) \(recorded \1: reproduced\)$'
sed 's/^trace-hash \(.*\)./trace-hash \10/;s/^trace-hash \(.*\)00$/trace-hash \11/' bad/replay-seed-1.replay > tampered.replay
! cmp -s tampered.replay bad/replay-seed-1.replay
set +e; "$halab" replay tampered.replay > out5; rc=$?; set -e
test $rc -eq 1
tail -n 1 out5 | grep -q 'DIFFERENT'
printf 'nonsense\n' > junk.replay
set +e; "$halab" replay junk.replay 2> err6; rc=$?; set -e
test $rc -eq 2
grep -q 'junk.replay:1: not a halab replay file' err6

"$halab" report all/results.jsonl -o rep > out7
test -s rep/index.html && test -s rep/figures.json && test -s rep/nodes.csv
grep -q 'analytic 96.0000%' out7
set +e; "$halab" report nowhere.jsonl -o rep2 2> err8; rc=$?; set -e
test $rc -eq 2
grep -q 'cannot read nowhere.jsonl' err8
# halab run: plain progress lines without a terminal, the same hash as halab sim,
# a violation's replay file and trace window, reproduced by halab replay.
"$halab" run default > out9
grep -q '100.0%  simulated 40.000s of 40.000s' out9
grep -q '^verdict: every audit and expectation held$' out9
test "$(tail -n 1 out9)" = "$("$halab" sim default --no-trace | tail -n 1)"
cat > split.scn <<'SCN'
duration 60s
network lan 10.0.0.0/24
nodes n1 n2
service toy-failover resources=web:apache fencing=no
at 20s partition n1 | n2
audit max-active
SCN
set +e; "$halab" run split.scn --seed 3 --out runs > out10; rc=$?; set -e
test $rc -eq 1
grep -q '^verdict: VIOLATION: audit max-active$' out10
grep -q '^fault at 20000ms partition n1 | n2$' runs/replay-seed-3.replay
grep -q '"state":"active"' runs/replay-seed-3.trace.jsonl
"$halab" replay runs/replay-seed-3.replay > out11
grep -q "recorded failure 'audit max-active': reproduced" out11
tail -n 1 out11 | grep -Eq '^trace-hash: ([0-9a-f]{16}) \(recorded \1: reproduced\)$'
if command -v script > /dev/null; then  # on a terminal: one line redrawn in place, ending at 100%
  script -qec "'$halab' run mtbf" /dev/null > tty.out
  tr '\r' '\n' < tty.out | grep -aq '^  100.0%  simulated 30d00h00m of 30d00h00m'
  test "$(grep -ac '%  simulated' tty.out)" -le 2
fi
# a campaign's replay of an audit violation comes with its schedule and trace window
set +e; "$halab" campaign split.scn --seeds 1 --out camp --quiet > out14; rc=$?; set -e
test $rc -eq 1
grep -q '^fault at 20000ms partition n1 | n2$' camp/replay-seed-1.replay
test -s camp/replay-seed-1.trace.jsonl
"$halab" replay camp/replay-seed-1.replay | tail -n 1 | grep -q 'reproduced)$'
sed 's/fencing=no/fencing=yes/' split.scn > fenced.scn
"$halab" run fenced.scn --quiet > out12
grep -q '^verdict: every audit and expectation held$' out12
set +e; "$halab" run nowhere 2> err13; rc=$?; set -e
test $rc -eq 2
grep -q "neither a file nor a built-in scenario" err13
echo ok
