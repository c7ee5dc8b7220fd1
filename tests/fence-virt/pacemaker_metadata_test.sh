#!/usr/bin/env bash
# Pacemaker's own tools read fence_halab_virt the way the fencer does: from the fence-agents
# directory (/usr/sbin). The agent is placed there only inside a private mount namespace
# (an overlay on /usr/sbin that vanishes with this process), so the system is not touched.
# Checks: stonith_admin --list-installed finds it; stonith_admin --metadata and
# crm_resource --show-metadata parse its XML (they re-emit it) with plug and the actions.
# Exit 77 = skipped (ctest SKIP_RETURN_CODE).
set -u
AGENT=${1:?usage: $0 path/to/fence_halab_virt}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (mount namespace)"; exit 77; }
for b in unshare stonith_admin crm_resource; do
  command -v $b >/dev/null || { echo "SKIP: $b not installed (pacemaker-cli-utils)"; exit 77; }
done
T=$(mktemp -d /tmp/fv-pcmk.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/u" "$T/w"
unshare -m bash -s "$AGENT" "$T" <<'INNER'
set -u
AGENT=$1; T=$2
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
exit $fail
INNER
