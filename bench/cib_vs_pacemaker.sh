#!/usr/bin/env bash
# Benchmark: parse + validate + serialize a 5,000-resource CIB with halab's
# CIB layer, against pacemaker's own tools on the same file in the same run:
#   crm_verify -x FILE            (parse, RelaxNG validation, unpack)
#   CIB_file=FILE cibadmin -Q     (parse, serialize)
# Prints best-of-N wall times and the ratios.
# Usage: bench/cib_vs_pacemaker.sh [BUILD_DIR] [RESOURCES] [RUNS]
set -euo pipefail
build=${1:-build}
n=${2:-5000}
runs=${3:-5}
bin=$build/bin/halab_cib_bench
[ -x "$bin" ] || { echo "build $bin first (cmake --build $build)" >&2; exit 2; }
for t in crm_verify cibadmin python3; do command -v $t >/dev/null || { echo "$t not installed" >&2; exit 2; }; done
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cib=$work/cib.xml
python3 - "$n" > "$cib" <<'PY'
import sys
n = int(sys.argv[1])
print('<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">')
print('  <configuration>\n    <crm_config>\n      <cluster_property_set id="cib-bootstrap-options">')
print('        <nvpair name="stonith-enabled" value="false" id="cib-bootstrap-options-stonith-enabled"/>')
print('      </cluster_property_set>\n    </crm_config>\n    <nodes>')
for i in range(1, 5):
    print(f'      <node uname="node{i}" id="{i}"/>')
print('    </nodes>\n    <resources>')
for i in range(n):
    r = f"r{i}"
    print(f'      <primitive id="{r}" class="ocf" provider="pacemaker" type="Dummy">')
    print(f'        <instance_attributes id="{r}-instance_attributes">')
    print(f'          <nvpair name="state" value="/run/{r}.state" id="{r}-instance_attributes-state"/>')
    print(f'        </instance_attributes>\n        <meta_attributes id="{r}-meta_attributes">')
    print(f'          <nvpair name="target-role" value="Started" id="{r}-meta_attributes-target-role"/>')
    print(f'        </meta_attributes>\n        <operations>')
    print(f'          <op name="monitor" interval="10s" timeout="20s" id="{r}-monitor-10s"/>')
    print(f'          <op name="start" timeout="20s" interval="0" id="{r}-start-0"/>')
    print(f'        </operations>\n      </primitive>')
print('    </resources>\n    <constraints>')
for i in range(0, n, 10):
    print(f'      <rsc_location id="l{i}" rsc="r{i}" score="100" node="node{i % 4 + 1}"/>')
    if i + 1 < n:
        print(f'      <rsc_colocation id="c{i}" score="INFINITY" rsc="r{i+1}" with-rsc="r{i}"/>')
        print(f'      <rsc_order id="o{i}" kind="Mandatory" first="r{i}" then="r{i+1}"/>')
print('    </constraints>\n  </configuration>\n  <status/>\n</cib>')
PY
echo "CIB: $n primitives, $(grep -c '<rsc_' "$cib") constraints, $(wc -c < "$cib") bytes"
best() {  # best wall ms of $runs runs of "$@"
  local b=999999999 s e ms
  for _ in $(seq "$runs"); do
    s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
    ms=$(( (e - s) / 1000000 )); [ $ms -lt $b ] && b=$ms
  done
  echo $b
}
halab_line=$("$bin" "$cib" "$runs")
echo "$halab_line"
h=$(echo "$halab_line" | sed -E 's/.*best ([0-9.]+) ms.*/\1/')
h_proc=$(best "$bin" "$cib" 1)
v=$(best crm_verify -x "$cib")
c=$(best env CIB_file="$cib" cibadmin -Q)
echo "halab (whole process, 1 run): ${h_proc} ms"
echo "crm_verify -x:                ${v} ms"
echo "CIB_file=... cibadmin -Q:     ${c} ms"
python3 - "$h" "$h_proc" "$v" "$c" <<'PY'
import sys
h, hp, v, c = map(float, sys.argv[1:])
print(f"ratio crm_verify / halab (in-process): {v / h:.2f}x")
print(f"ratio crm_verify / halab (process):    {v / max(hp, 1):.2f}x")
print(f"ratio cibadmin   / halab (process):    {c / max(hp, 1):.2f}x")
PY
