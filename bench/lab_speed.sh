#!/usr/bin/env bash
# Issue 7's benchmark: simulated time per wall second (and per CPU second) of
# the lab running the whole halabd stack. Two runs, each against real time
# measured in the same run:
#   - scenarios/chaos5-halabd.scn: five nodes, a group, a clone and a promotable
#     clone, random node and link failures (goal: >= 10,000x real time on one core);
#   - the same five nodes without failures for a day (the idle cost of the stack);
#   - webservice-year cut to 30 days: the main job's two-node web service.
# Usage: bench/lab_speed.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build}/bin/halab
[ -x "$bin" ] || { echo "lab_speed: $bin not built (cmake --build build --target halab)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
measure() {  # NAME FILE
  local start end user sim
  start=$(date +%s.%N)
  /usr/bin/time -f '%U' -o "$tmp/cpu" "$bin" sim "$2" --no-trace --quiet > "$tmp/out" || true
  end=$(date +%s.%N)
  user=$(cat "$tmp/cpu")
  sim=$(awk '/^duration /{print $2}' "$2")
  awk -v name="$1" -v sim="$sim" -v wall="$(echo "$end - $start" | bc)" -v cpu="$user" \
      -v hash="$(tail -n1 "$tmp/out")" 'function secs(d,  n,u){n=d+0;u=substr(d,length(n "")+1);
        return u=="s"?n:u=="m"?n*60:u=="h"?n*3600:u=="d"?n*86400:n}
      BEGIN{s=secs(sim); printf "%-22s %9.0f s simulated  %7.2f s wall  %7.2f s cpu  %9.0fx real time (wall)  %9.0fx per cpu second  %s\n",
            name, s, wall, cpu, s/wall, (cpu>0?s/cpu:0), hash}'
}
measure chaos5-halabd scenarios/chaos5-halabd.scn
grep -v '^failures' scenarios/chaos5-halabd.scn | sed 's/^duration .*/duration 1d/' > "$tmp/calm5.scn"
measure calm5-halabd-1d "$tmp/calm5.scn"
sed 's/^duration 365d/duration 30d/' scenarios/webservice-year.scn > "$tmp/ws30.scn"
measure webservice-30d "$tmp/ws30.scn"
