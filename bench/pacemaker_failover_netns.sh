#!/bin/bash
# The peer of crm_failover_netns: real corosync 3 + pacemaker 2.1 on the same
# topology (three network namespaces on one bridge, 10.77.0.1-3/24), with
# the same resources: ocf:pacemaker:Dummy (monitor 1 s, stickiness 100) and
# stonith:fence_dummy (type=file, stonith-action=off). As root.
#
# Each node runs corosync and pacemakerd inside `ip netns exec NS`, which
# gives it a mount namespace of its own: /var/lib/pacemaker,
# /var/lib/corosync and /etc/corosync are bind-mounted from the node's
# directory, /run and /dev/shm are fresh tmpfs (libqb's IPC is abstract
# sockets, per network namespace, plus /dev/shm files). The Dummy's state
# file lives in that /run, read through /proc/PID/root.
#
# Usage: pacemaker_failover_netns.sh RUNS TOKEN_MS [TOKEN_COEFFICIENT_MS]
#        (TOKEN_MS 0: corosync's default; no coefficient: corosync's default)
# Prints: "formation_s X" once and "failover_s X" per run; "error: ..." on failure.
set -u
RUNS=${1:-3}
TOKEN=${2:-0}
COEFF=${3:-}
TAG="pmk-$$"
D="/tmp/$TAG"
NS_BR="$TAG-br"
ns() { echo "$TAG-n$1"; }

die() { echo "error: $*"; exit 1; }
for b in corosync pacemakerd cibadmin crm_attribute ip; do command -v "$b" >/dev/null || die "$b is not installed"; done
[ "$(id -u)" = 0 ] || die "needs root"
id hacluster >/dev/null 2>&1 || die "no hacluster user (pacemaker's package makes it)"

node_pids() { ip netns pids "$(ns "$1")" 2>/dev/null; }
kill_node() { local p; for p in $(node_pids "$1"); do kill -9 "$p" 2>/dev/null; done; }
cleanup() {
  for i in 1 2 3; do kill_node $i; done
  sleep 0.2
  for i in 1 2 3; do ip netns del "$(ns $i)" 2>/dev/null; done
  ip netns del "$NS_BR" 2>/dev/null
  [ -n "${HALAB_KEEP_LAB:-}" ] || rm -rf "$D"
}
trap cleanup EXIT

mkdir -p "$D"
ip netns add "$NS_BR" || die "ip netns add"
ip -n "$NS_BR" link add br0 type bridge
ip -n "$NS_BR" link set br0 type bridge mcast_snooping 0
ip -n "$NS_BR" link set br0 up
for i in 1 2 3; do
  a="p$$n$i"; b="p$$b$i"
  a=${a:0:15}; b=${b:0:15}
  ip netns add "$(ns $i)"
  ip link add "$a" type veth peer name "$b"
  ip link set "$a" netns "$(ns $i)"
  ip link set "$b" netns "$NS_BR"
  ip -n "$NS_BR" link set "$b" master br0
  ip -n "$NS_BR" link set "$b" up
  ip -n "$(ns $i)" link set lo up
  ip -n "$(ns $i)" addr add "10.77.0.$i/24" dev "$a"
  ip -n "$(ns $i)" link set "$a" up
  n="$D/n$i"
  mkdir -p "$n"/lib-pacemaker/{cib,pengine,blackbox,cores} "$n"/lib-corosync "$n"/etc-corosync "$n"/log
  chown -R hacluster:haclient "$n"/lib-pacemaker "$n"/log
  chmod 750 "$n"/lib-pacemaker/*
  {
    echo "totem {"
    echo "  version: 2"
    echo "  cluster_name: pmklab"
    echo "  transport: knet"
    echo "  crypto_cipher: none"
    echo "  crypto_hash: none"
    [ "$TOKEN" != 0 ] && echo "  token: $TOKEN"
    [ -n "$COEFF" ] && echo "  token_coefficient: $COEFF"
    echo "}"
    echo "logging {"
    echo "  to_logfile: yes"
    echo "  logfile: $n/log/corosync.log"
    echo "  to_syslog: no"
    echo "  to_stderr: no"
    echo "  timestamp: on"
    echo "}"
    echo "quorum {"
    echo "  provider: corosync_votequorum"
    echo "}"
    echo "nodelist {"
    for j in 1 2 3; do
      echo "  node {"
      echo "    ring0_addr: 10.77.0.$j"
      echo "    nodeid: $j"
      echo "    name: node$j"
      echo "  }"
    done
    echo "}"
  } > "$n/etc-corosync/corosync.conf"
done
for t in $(seq 100); do ip netns exec "$(ns 1)" ping -c1 -W1 10.77.0.3 >/dev/null 2>&1 && break; sleep 0.1; done

start_node() {
  local i=$1 n="$D/n$1"
  ip netns exec "$(ns $i)" sh -c "
    mount --bind '$n/lib-pacemaker' /var/lib/pacemaker &&
    mount --bind '$n/lib-corosync' /var/lib/corosync &&
    mount --bind '$n/etc-corosync' /etc/corosync &&
    mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /dev/shm &&
    mkdir -p /run/crm /run/resource-agents && chown hacluster:haclient /run/crm || exit 1
    corosync -f >>'$n/log/corosync.out' 2>&1 &
    for k in \$(seq 100); do corosync-cfgtool -s >/dev/null 2>&1 && break; sleep 0.05; done
    PCMK_logfile='$n/log/pacemaker.log' PCMK_debug=no exec pacemakerd -f >>'$n/log/pacemakerd.out' 2>&1
  " &
}
# A process of the node (any: they share the mount namespace).
any_pid() { node_pids "$1" | head -1; }
in_node() { local p; p=$(any_pid "$1"); shift; [ -n "$p" ] && nsenter -t "$p" -m -n "$@"; }
dummy_on() { local p; p=$(any_pid "$1"); [ -n "$p" ] && [ -e "/proc/$p/root/run/Dummy-dummy.state" ]; }
where() { local i w=0; for i in 1 2 3; do dummy_on $i && w=$i; done; echo $w; }
now() { date +%s.%N; }
wait_until() {  # SECONDS COMMAND...
  local end; end=$(echo "$(now) + $1" | bc); shift
  while [ "$(echo "$(now) < $end" | bc)" = 1 ]; do "$@" && return 0; sleep 0.01; done
  return 1
}
online3() { in_node "$1" crm_mon -1 2>/dev/null | grep -q "Online: \[ node1 node2 node3 \]"; }
dummy_anywhere() { [ "$(where)" != 0 ]; }

for i in 1 2 3; do start_node $i; done
wait_until 90 online3 1 || die "pacemaker did not form (see $D)"
# The CIB may refuse writes for a moment after the DC is elected: retry.
retry() { local k; for k in $(seq 20); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done; return 1; }
retry in_node 1 crm_attribute -t crm_config -n stonith-enabled -v true || die "crm_attribute"
retry in_node 1 crm_attribute -t crm_config -n stonith-action -v off
retry in_node 1 crm_attribute -t rsc_defaults -n resource-stickiness -v 100
printf on > "$D/fence.status"
# Created, or there already (an attempt that failed late may have written it).
create() { in_node 1 cibadmin -C -o resources -X "$2" || in_node 1 cibadmin -Q -o resources | grep -q "id=\"$1\""; }
retry create fence "<primitive id=\"fence\" class=\"stonith\" type=\"fence_dummy\"><instance_attributes id=\"fence-ia\"><nvpair id=\"fence-type\" name=\"type\" value=\"file\"/><nvpair id=\"fence-sf\" name=\"status_file\" value=\"$D/fence.status\"/><nvpair id=\"fence-hl\" name=\"pcmk_host_list\" value=\"node1 node2 node3\"/></instance_attributes><operations><op id=\"fence-mon\" name=\"monitor\" interval=\"60s\" timeout=\"20s\"/></operations></primitive>" || die "cibadmin fence"
retry create dummy '<primitive id="dummy" class="ocf" provider="pacemaker" type="Dummy"><operations><op id="dummy-mon" name="monitor" interval="1s" timeout="20s"/></operations></primitive>' || die "cibadmin dummy"
wait_until 60 dummy_anywhere || die "the Dummy did not start (see $D)"

for r in $(seq "$RUNS"); do
  sleep 2
  v=$(where)
  [ "$v" != 0 ] || die "the Dummy runs nowhere"
  printf on > "$D/fence.status"
  t0=$(now)
  kill_node "$v"
  elsewhere() { local i; for i in 1 2 3; do [ $i != "$v" ] && dummy_on $i && return 0; done; return 1; }
  wait_until 90 elsewhere || die "the Dummy did not fail over (see $D)"
  echo "failover_s $(echo "$(now) - $t0" | bc)"
  sleep 0.5
  start_node "$v"
  wait_until 120 online3 1 || wait_until 60 online3 2 || die "node$v did not rejoin"
done

# Formation: kill everything, start all three at once (the CIBs are on disk).
for i in 1 2 3; do kill_node $i; done
sleep 1
t0=$(now)
for i in 1 2 3; do start_node $i; done
if wait_until 120 dummy_anywhere; then echo "formation_s $(echo "$(now) - $t0" | bc)"; else echo "formation_s nan"; fi
