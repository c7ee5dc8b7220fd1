#!/usr/bin/env bash
# halab simulate vs crm_simulate on the same generated CIBs, in the same run:
# see bench/compare_simulate.py (grids, shapes, verdict). This wrapper keeps
# the historical entry point.
#   bench/compare_simulate.sh --quick            # seconds
#   bench/compare_simulate.sh                    # the full grid (minutes; not in CI)
#   bench/compare_simulate.sh --shapes --keep /tmp/differ
exec python3 "$(cd "$(dirname "$0")" && pwd)/compare_simulate.py" "$@"
