#!/bin/sh
# `halab sim`: the default scenario runs, holds its expectations, writes its
# trace, ends with a trace-hash line that repeats for the same seed and
# changes with another; scenario errors name file:line.
set -eu
halab="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"

"$halab" sim default > out1
tail -n 1 out1 | grep -Eq '^trace-hash: [0-9a-f]{16}$'
grep -q 'partition {n1 n2 n3} | {n4 n5}' out1
grep -q 'node n1: peer n4 lost' out1
grep -q 'node n1: peer n4 back' out1
test -s halab-sim-trace.jsonl
"$halab" sim default --quiet --trace other.jsonl > out2
test "$(wc -l < out2)" -eq 1
test "$(tail -n 1 out1)" = "$(cat out2)"
cmp -s halab-sim-trace.jsonl other.jsonl
"$halab" sim default --quiet --no-trace --seed 2 > out3
test "$(cat out3)" != "$(cat out2)"

printf 'network lan 10.0.0.0/24\nnodes a b\nat 1s explode a\n' > bad.scn
set +e; "$halab" sim bad.scn > out4 2> err4; test $? -eq 2 || exit 1; set -e
grep -q 'bad.scn:3: unknown action' err4

printf 'duration 2s\nnetwork lan 10.0.0.0/24\nnodes a b\nservice heartbeat\nat 1s crash b\nexpect state b up at 1500ms\n' > fails.scn
set +e; "$halab" sim fails.scn --quiet --no-trace > out5; test $? -eq 1 || exit 1; set -e
grep -q 'fails.scn:6: expectation failed' out5
echo ok
