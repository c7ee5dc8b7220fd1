#!/usr/bin/env bash
# `off` round trip, agent process start to exit, against halab-fence-virtd and the real
# fence_virtd in the same run, over the same libvirtd test driver (private netns, lo only).
#
#   sudo bench/fence-virt/off-round-trip.sh [runs] [build-dir]     (default 30, build)
#
# Rows: {fence_halab_virt, fence_xvm} x {halab-fence-virtd, fence_virtd}, multicast, plus
# fence_halab_virt -T against both tcp listeners. Each run: `virsh start vm1` (not timed), then
# the agent's `off` (timed with bash's $EPOCHREALTIME: no extra process in the interval).
# Prints min/median/max per row and the median ratios; the goal is <= 3 ms for
# fence_halab_virt -> halab-fence-virtd (reference: fence_xvm -> fence_virtd 6.2 ms).
set -u
RUNS=${1:-30}
BUILD=$(readlink -f "${2:-$(dirname "$0")/../../build}")
AGENT=$BUILD/bin/fence_halab_virt
HALABD=$BUILD/bin/halab-fence-virtd

if [ "${FV_BENCH_INNER:-0}" = 1 ]; then
  # ---------------------------------------------------------------- inside the namespace
  W=$FV_BENCH_WORK; URI=$FV_BENCH_URI; KEY=$W/key
  declare -A MED
  # Rows are interleaved (one run of each per round), so load from other processes on this
  # shared machine hits every row alike and the ratios stay meaningful.
  LABELS=(
    "fence_halab_virt -> halab-fence-virtd (mcast)"
    "fence_xvm        -> fence_virtd (mcast)"
    "fence_xvm        -> halab-fence-virtd (mcast)"
    "fence_halab_virt -> fence_virtd (mcast)"
    "fence_halab_virt -> halab-fence-virtd (tcp)"
    "fence_halab_virt -> fence_virtd (tcp)"
    "baseline: fence_halab_virt -o metadata"
    "baseline: fence_xvm -o metadata"
  )
  cmd() {
    case $1 in
      0) "$AGENT" -k "$KEY" -p 1329 -t 5 -o off -n vm1;;
      1) fence_xvm -k "$KEY" -p 1229 -t 5 -o off -H vm1;;
      2) fence_xvm -k "$KEY" -p 1329 -t 5 -o off -H vm1;;
      3) "$AGENT" -k "$KEY" -p 1229 -t 5 -o off -n vm1;;
      4) "$AGENT" -T 127.0.0.1 -p 1339 -k "$KEY" -t 5 -o off -n vm1;;
      5) "$AGENT" -T 127.0.0.1 -p 1239 -k "$KEY" -t 5 -o off -n vm1;;
      6) "$AGENT" -o metadata;;
      7) fence_xvm -o metadata;;
    esac
  }
  declare -A XS FAILS
  for (( r = 0; r < ${#LABELS[@]}; r++ )); do XS[$r]=""; FAILS[$r]=0; done
  echo "off round trip, agent process start to exit ($RUNS interleaved runs per row, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ))"
  for (( i = 0; i < RUNS; i++ )); do
    for (( r = 0; r < ${#LABELS[@]}; r++ )); do
      fences=1; [ $r -ge 6 ] && fences=0
      [ $fences = 1 ] && virsh -q -c "$URI" start vm1 >/dev/null 2>&1
      t0=$EPOCHREALTIME; cmd $r >/dev/null 2>&1; rc=$?; t1=$EPOCHREALTIME
      [ $rc = 0 ] || FAILS[$r]=$(( FAILS[$r] + 1 ))
      if [ $fences = 1 ] && [ "$(virsh -q -c "$URI" domstate vm1)" != "shut off" ]; then FAILS[$r]=$(( FAILS[$r] + 1 )); fi
      XS[$r]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)*1000}') "
    done
  done
  for (( r = 0; r < ${#LABELS[@]}; r++ )); do
    stats=$(tr ' ' '\n' <<<"${XS[$r]}" | grep . | sort -n | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2;
      printf "%.2f %.2f %.2f", a[1], m, a[NR]}')
    read -r mn md mx <<<"$stats"
    MED[${LABELS[$r]}]=$md
    printf '  %-46s n=%d min=%6.2f ms  median=%6.2f ms  max=%6.2f ms  failures=%d\n' "${LABELS[$r]}" "$RUNS" "$mn" "$md" "$mx" "${FAILS[$r]}"
  done
  ours=${MED["fence_halab_virt -> halab-fence-virtd (mcast)"]}
  ref=${MED["fence_xvm        -> fence_virtd (mcast)"]}
  awk -v o="$ours" -v r="$ref" 'BEGIN{
    printf "median ratio, halab pair / real pair (mcast): %.2f  (%.2f ms vs %.2f ms)\n", o/r, o, r;
    printf "goal <= 3 ms for fence_halab_virt -> halab-fence-virtd: %s\n", (o <= 3.0) ? "met" : "NOT met" }'
  awk -v a="${MED["fence_xvm        -> halab-fence-virtd (mcast)"]}" -v b="$ref" \
    'BEGIN{printf "same client (fence_xvm), daemon ratio halab / fence_virtd: %.2f\n", a/b}'
  exit 0
fi

# -------------------------------------------------------------------- set-up (root namespace)
[ "$(id -u)" = 0 ] || { echo "must run as root (network namespace, libvirtd)"; exit 1; }
for b in fence_virtd fence_xvm libvirtd virsh ip; do command -v $b >/dev/null || { echo "missing $b (scripts/bootstrap)"; exit 1; }; done
[ -x "$AGENT" ] && [ -x "$HALABD" ] || { echo "build first: cmake --build $BUILD"; exit 1; }
NS=fvbench$$
W=$(mktemp -d /tmp/fv-bench.XXXXXX)
PIDS=()
RUNLV_EXISTED=0; [ -e /run/libvirt ] && RUNLV_EXISTED=1
cleanup() {
  set +e
  local i
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do kill "${PIDS[$i]}" 2>/dev/null; done
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do
    for _ in $(seq 50); do kill -0 "${PIDS[$i]}" 2>/dev/null || break; sleep 0.1; done
    kill -9 "${PIDS[$i]}" 2>/dev/null; wait "${PIDS[$i]}" 2>/dev/null
  done
  ip netns del "$NS" 2>/dev/null
  if [ "$RUNLV_EXISTED" = 0 ]; then rm -f /run/libvirt/common/system.token; rmdir /run/libvirt/common /run/libvirt 2>/dev/null; fi
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS" || exit 1
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" ip route add 224.0.0.0/4 dev lo
mkdir -p "$W/run" "$W/nodrivers"
printf 'unix_sock_dir = "%s/run"\nunix_sock_rw_perms = "0700"\nauth_unix_ro = "none"\nauth_unix_rw = "none"\nlog_outputs = "3:file:%s/libvirtd.log"\n' "$W" "$W" > "$W/libvirtd.conf"
ip netns exec "$NS" env LIBVIRT_DRIVER_DIR="$W/nodrivers" libvirtd -f "$W/libvirtd.conf" -p "$W/libvirtd.pid" >"$W/libvirtd.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -S "$W/run/libvirt-sock" ] && break; sleep 0.1; done
URI="test+unix:///default?socket=$W/run/libvirt-sock"
ip netns exec "$NS" virsh -c "$URI" event --all --loop >/dev/null 2>&1 &
PIDS+=($!)
sleep 0.5
printf "<domain type='test'><name>vm1</name><memory>131072</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>\n" > "$W/vm1.xml"
ip netns exec "$NS" virsh -q -c "$URI" define "$W/vm1.xml" >/dev/null || { echo "virsh define failed"; exit 1; }
dd if=/dev/urandom of="$W/key" bs=4096 count=1 status=none; chmod 600 "$W/key"
conf() {  # $1 listener $2 port
  local iface=""; [ "$1" = multicast ] && iface="interface = \"lo\";"
  printf 'fence_virtd {\n listener = "%s";\n backend = "libvirt";\n module_path = "/usr/lib/x86_64-linux-gnu/fence-virt";\n}\nlisteners {\n %s {\n  key_file = "%s";\n  port = "%s";\n  %s\n }\n}\nbackends {\n libvirt {\n  uri = "%s";\n }\n}\n' \
    "$1" "$1" "$W/key" "$2" "$iface" "$URI"
}
for d in "halab multicast 1329" "halab tcp 1339" "real multicast 1229" "real tcp 1239"; do
  set -- $d
  conf "$2" "$3" > "$W/$1-$2.conf"; chmod 600 "$W/$1-$2.conf"
  bin=fence_virtd; [ "$1" = halab ] && bin=$HALABD
  ip netns exec "$NS" "$bin" -F -f "$W/$1-$2.conf" -p "$W/$1-$2.pid" >"$W/$1-$2.log" 2>&1 &
  PIDS+=($!)
done
for _ in $(seq 100); do
  n=$(ip netns exec "$NS" ss -Hlntu | grep -cE ':(1229|1239|1329|1339)\b')
  [ "$n" -ge 4 ] && break; sleep 0.1
done
ip netns exec "$NS" env FV_BENCH_INNER=1 FV_BENCH_WORK="$W" FV_BENCH_URI="$URI" bash "$0" "$RUNS" "$BUILD"
