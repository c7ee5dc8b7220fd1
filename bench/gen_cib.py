#!/usr/bin/env python3
"""Generates a pacemaker CIB for benchmarks: N nodes, R primitives
(ocf:pacemaker:Dummy, a fifth of them in groups of three), location,
colocation and order constraints, stickiness, and about 60% of the
resources already running. With --fail-node, the first node has failed
(cleanly offline; fencing is disabled) while its resources were running.

Shapes that stress one pass of a scheduler (bench/compare_simulate.py --shapes):
  --coloc-chain           every top-level resource colocated with the previous one
  --order-chain           every top-level resource ordered after the previous one
  --constraints-per-rsc K K extra random constraints per top-level resource
  --clones K              K anonymous clones (running on about 60% of the nodes),
                          a tenth of the primitives colocated with and ordered after one
  --bundles K             K bundles (docker, control-port, a Dummy inside, up to 3
                          replicas), not running yet (bench/compare_simulate.py
                          settles them with crm_simulate -S -O, which writes the
                          operation digests pacemaker expects)

usage: gen_cib.py NODES RESOURCES [--seed S] [--fail-node] [shape flags] > cib.xml
"""
import argparse
import random

START_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"   # Dummy, no parameters
MONITOR_DIGEST = "4811cef7f7f94e3a35a70be7916cb2fd"  # Dummy, monitor 10s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("nodes", type=int)
    ap.add_argument("resources", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fail-node", action="store_true")
    ap.add_argument("--coloc-chain", action="store_true")
    ap.add_argument("--order-chain", action="store_true")
    ap.add_argument("--constraints-per-rsc", type=int, default=0)
    ap.add_argument("--clones", type=int, default=0)
    ap.add_argument("--bundles", type=int, default=0)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    nodes = [f"node{i + 1}" for i in range(a.nodes)]
    rscs = [f"rsc{i + 1}" for i in range(a.resources)]
    groups = []
    i = 0
    while i + 3 <= len(rscs) and len(groups) * 3 < len(rscs) // 5:
        groups.append(rscs[i:i + 3])
        i += 3
    grouped = {r: f"grp{gi}" for gi, g in enumerate(groups) for r in g}
    top = [f"grp{gi}" for gi in range(len(groups))] + [r for r in rscs if r not in grouped]

    out = []
    w = out.append
    w('<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" '
      'admin_epoch="0" have-quorum="1" dc-uuid="1">')
    w('  <configuration>\n    <crm_config>\n      <cluster_property_set id="cib-bootstrap-options">')
    w('        <nvpair id="o1" name="stonith-enabled" value="false"/>')
    w('        <nvpair id="o2" name="no-quorum-policy" value="ignore"/>')
    w('      </cluster_property_set>\n    </crm_config>\n    <nodes>')
    for n_i, n in enumerate(nodes):
        w(f'      <node id="{n_i + 1}" uname="{n}"/>')
    w('    </nodes>\n    <resources>')

    def prim(r, indent):
        w(f'{indent}<primitive id="{r}" class="ocf" provider="pacemaker" type="Dummy">')
        w(f'{indent}  <operations><op id="{r}-mon" name="monitor" interval="10s"/></operations>')
        w(f'{indent}</primitive>')

    for gi, g in enumerate(groups):
        w(f'      <group id="grp{gi}">')
        for r in g:
            prim(r, "        ")
        w('      </group>')
    for r in rscs:
        if r not in grouped:
            prim(r, "      ")
    clones = [f"cln{k}" for k in range(a.clones)]
    for k, c in enumerate(clones):
        w(f'      <clone id="{c}">')
        prim(f"cp{k}", "        ")
        w('      </clone>')
    bundles = [f"bnd{k}" for k in range(a.bundles)]
    replicas = min(3, len(nodes))
    for k, b in enumerate(bundles):
        w(f'      <bundle id="{b}">')
        w(f'        <docker image="img:{k}" replicas="{replicas}" network="host"/>')
        w(f'        <network control-port="{3121 + k}"/>')
        prim(f"bp{k}", "        ")
        w('      </bundle>')
    w('    </resources>\n    <constraints>')
    cid = 0
    for t in top:
        roll = rnd.random()
        if roll < 0.10:
            w(f'      <rsc_location id="c{cid}" rsc="{t}" node="{rnd.choice(nodes)}" '
              f'score="{rnd.choice(["100", "200", "-INFINITY", "INFINITY", "50"])}"/>')
            cid += 1
    for _ in range(len(top) // 20):
        d, p = rnd.sample(top, 2)
        if top.index(d) < top.index(p):
            d, p = p, d
        w(f'      <rsc_colocation id="c{cid}" rsc="{d}" with-rsc="{p}" score="{rnd.choice(["INFINITY", "100", "-100"])}"/>')
        cid += 1
    for _ in range(len(top) // 20):
        f, t = rnd.sample(top, 2)
        if top.index(f) > top.index(t):
            f, t = t, f
        w(f'      <rsc_order id="c{cid}" first="{f}" then="{t}" kind="{rnd.choice(["Mandatory", "Optional"])}"/>')
        cid += 1
    for i in range(1, len(top)):
        if a.coloc_chain:
            w(f'      <rsc_colocation id="c{cid}" rsc="{top[i]}" with-rsc="{top[i - 1]}" '
              f'score="{rnd.choice(["INFINITY", "100", "200"])}"/>')
            cid += 1
        if a.order_chain:
            w(f'      <rsc_order id="c{cid}" first="{top[i - 1]}" then="{top[i]}" '
              f'kind="{rnd.choice(["Mandatory", "Mandatory", "Optional"])}"/>')
            cid += 1
    for i, t in enumerate(top):
        for _ in range(a.constraints_per_rsc):
            kind = rnd.random()
            o = top[rnd.randrange(len(top))]
            if o == t:
                continue
            lo, hi = (t, o) if top.index(t) < top.index(o) else (o, t)
            if kind < 0.3:
                w(f'      <rsc_location id="c{cid}" rsc="{t}" node="{rnd.choice(nodes)}" '
                  f'score="{rnd.choice(["100", "-50", "30", "-INFINITY"])}"/>')
            elif kind < 0.65:
                w(f'      <rsc_colocation id="c{cid}" rsc="{hi}" with-rsc="{lo}" '
                  f'score="{rnd.choice(["100", "-100", "50", "INFINITY"])}"/>')
            else:
                w(f'      <rsc_order id="c{cid}" first="{lo}" then="{hi}" '
                  f'kind="{rnd.choice(["Mandatory", "Optional"])}"/>')
            cid += 1
    for r in rscs:
        if clones and r not in grouped and rnd.random() < 0.1:
            c = rnd.choice(clones)
            w(f'      <rsc_colocation id="c{cid}" rsc="{r}" with-rsc="{c}" score="INFINITY"/>')
            w(f'      <rsc_order id="c{cid + 1}" first="{c}" then="{r}" kind="Mandatory"/>')
            cid += 2
    w('    </constraints>\n    <rsc_defaults>\n      <meta_attributes id="rsc-options">')
    w('        <nvpair id="rsc-options-stickiness" name="resource-stickiness" value="100"/>')
    w('      </meta_attributes>\n    </rsc_defaults>\n  </configuration>\n  <status>')
    placement = {}
    for t in top:
        if rnd.random() < 0.6:
            placement[t] = rnd.choice(nodes)
    running = {}
    for r in rscs:
        node = placement.get(grouped.get(r, r))
        if node:
            running.setdefault(node, []).append(r)
    for k in range(len(clones)):
        for n in nodes:
            if rnd.random() < 0.6:
                running.setdefault(n, []).append(f"cp{k}")
    for n_i, n in enumerate(nodes):
        failed = a.fail_node and n_i == 0
        state = ('in_ccm="false" crmd="offline" join="down" expected="down"' if failed
                 else 'in_ccm="true" crmd="online" join="member" expected="member"')
        w(f'    <node_state id="{n_i + 1}" uname="{n}" {state}>')
        w(f'      <lrm id="{n_i + 1}">\n        <lrm_resources>')
        for r in running.get(n, []):
            w(f'          <lrm_resource id="{r}" class="ocf" provider="pacemaker" type="Dummy">')
            w(f'            <lrm_rsc_op id="{r}_last_0" operation_key="{r}_start_0" operation="start" '
              f'transition-key="1:1:0:b" transition-magic="0:0;1:1:0:b" call-id="2" rc-code="0" '
              f'op-status="0" interval="0" op-digest="{START_DIGEST}"/>')
            w(f'            <lrm_rsc_op id="{r}_monitor_10000" operation_key="{r}_monitor_10000" '
              f'operation="monitor" transition-key="2:1:0:b" transition-magic="0:0;2:1:0:b" call-id="3" '
              f'rc-code="0" op-status="0" interval="10000" op-digest="{MONITOR_DIGEST}"/>')
            w('          </lrm_resource>')
        w('        </lrm_resources>\n      </lrm>\n    </node_state>')
    w('  </status>\n</cib>')
    print("\n".join(out))


if __name__ == "__main__":
    main()
