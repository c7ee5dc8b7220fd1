#!/usr/bin/env bash
# Pacemaker's own tools read fence_halab_virt the way the fencer does: from the fence-agents
# directory (/usr/sbin). The agent is placed there only inside a private mount namespace
# (an overlay on /usr/sbin that vanishes with this process), so the system is not touched.
# Checks: stonith_admin --list-installed finds it; stonith_admin --metadata and
# crm_resource --show-metadata parse its XML (they re-emit it) with plug and the actions;
# stonith_admin --validate runs its validate-all (offline) and reports a bad option.
# Then halab's crmsh (`halab crm`, which reads agents from /usr/sbin like crmsh) checks a
# `primitive fence_vm stonith:fence_halab_virt ... pcmk_host_map=...` against that metadata
# (an unknown parameter is refused, so the metadata really is read), and pacemaker's
# crm_verify accepts the CIB it writes.
# Exit 77 = skipped (ctest SKIP_RETURN_CODE).
set -u
AGENT=${1:?usage: $0 path/to/fence_halab_virt [path/to/halab]}
HALAB=${2:-}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (mount namespace)"; exit 77; }
for b in unshare stonith_admin crm_resource crm_verify; do
  command -v $b >/dev/null || { echo "SKIP: $b not installed (pacemaker-cli-utils)"; exit 77; }
done
T=$(mktemp -d /tmp/fv-pcmk.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/u" "$T/w"
unshare -m bash -s "$AGENT" "$T" "$HALAB" <<'INNER'
set -u
AGENT=$1; T=$2; HALAB=$3
mount --make-rprivate / || exit 77
mount -t overlay overlay -o "lowerdir=/usr/sbin,upperdir=$T/u,workdir=$T/w" /usr/sbin || { echo "SKIP: overlay mount failed"; exit 77; }
cp "$AGENT" /usr/sbin/fence_halab_virt
fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
installed=$(timeout 20 stonith_admin --list-installed 2>&1)
check "stonith_admin --list-installed lists fence_halab_virt" 'grep -qx "fence_halab_virt" <<<"$installed"'
md=$(timeout 20 stonith_admin --metadata --agent fence_halab_virt 2>&1); rc=$?
check "stonith_admin --metadata exits 0" '[ $rc = 0 ]'
check "stonith_admin re-emits the parsed resource-agent element" 'grep -q "<resource-agent name=\"fence_halab_virt\"" <<<"$md"'
check "metadata has the plug parameter (pacemaker's host argument)" 'grep -q "<parameter name=\"plug\"" <<<"$md"'
for a in list status reboot on off monitor; do
  check "metadata has action $a" 'grep -q "<action name=\"$a\"" <<<"$md"'
done
rmd=$(timeout 20 crm_resource --show-metadata stonith:fence_halab_virt 2>&1); rc=$?
check "crm_resource --show-metadata stonith:fence_halab_virt exits 0" '[ $rc = 0 ]'
check "crm_resource sees the same XML" 'grep -q "<parameter name=\"key_file\"" <<<"$rmd"'
out=$(timeout 20 stonith_admin --validate --agent fence_halab_virt --option key_file=/etc/cluster/fence_xvm.key \
      --option pcmk_host_map="node1:vm1;node2:vm2" 2>&1); rc=$?
check "stonith_admin --validate with key_file and pcmk_host_map succeeds" '[ $rc = 0 ]'
out=$(timeout 20 stonith_admin --validate --agent fence_halab_virt --option hash=md5 2>&1); rc=$?
check "stonith_admin --validate reports a bad hash from the agent" '[ $rc != 0 ] && grep -q "md5" <<<"$out"'
if [ -n "$HALAB" ]; then
  cat >"$T/cib.xml" <<'CIB'
<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/>
</cib>
CIB
  out=$(CIB_file=$T/cib.xml "$HALAB" crm configure primitive fence_vm stonith:fence_halab_virt \
        params key_file=/etc/cluster/fence_xvm.key pcmk_host_map="node1:vm1;node2:vm2" op monitor interval=60s 2>&1); rc=$?
  check "halab crm configure primitive fence_vm stonith:fence_halab_virt ... pcmk_host_map=... exits 0" '[ $rc = 0 ]'
  check "halab crm found the agent's meta-data (no warning)" '! grep -q "meta-data" <<<"$out"'
  out=$(CIB_file=$T/cib.xml "$HALAB" crm configure primitive bad stonith:fence_halab_virt params colour=blue 2>&1); rc=$?
  check "halab crm refuses a parameter the meta-data does not have" '[ $rc != 0 ] && grep -q "colour" <<<"$out"'
  CIB_file=$T/cib.xml "$HALAB" crm configure property stonith-enabled=true >/dev/null 2>&1
  check "the CIB holds fence_vm with its host map" 'grep -q "pcmk_host_map\" value=\"node1:vm1;node2:vm2" "$T/cib.xml"'
  out=$(crm_verify -x "$T/cib.xml" -V 2>&1); rc=$?
  check "crm_verify accepts the CIB with fence_vm (rc 0, no error)" '[ $rc = 0 ] && ! grep -qi "error" <<<"$out"'
  [ $rc = 0 ] || echo "$out"
fi
exit $fail
INNER
