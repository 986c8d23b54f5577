#!/usr/bin/env bash
# The main job: a local cluster that upgrades, rolls back by itself, and resets with --preserve.
# Runs from a fresh clone: builds, creates a cluster of machined processes on loopback, exercises the A/B engine,
# and destroys the cluster (every process and file) at the end, whatever happened.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
NAME="${NAME:-talos-demo}"
STATE="${STATE:-$(mktemp -d /tmp/talos-demo.XXXXXX)}"
export TALOSCONFIG="$STATE/talosconfig"

echo "==> building (Release)"
dotnet build Talos.sln -c Release -nologo -clp:ErrorsOnly >/dev/null
talosctl() { dotnet talosctl/bin/Release/net10.0/talosctl.dll "$@"; }
export TALOS_MACHINED="$PWD/machined/bin/Release/net10.0/machined.dll"
trap 'echo "==> talosctl cluster destroy"; talosctl cluster destroy --name "$NAME" --state "$STATE" || true; rm -rf "$STATE"' EXIT

echo "==> talosctl cluster create --name $NAME --controlplanes ${CONTROLPLANES:-1} --workers ${WORKERS:-0}"
talosctl cluster create --name "$NAME" --state "$STATE" --controlplanes "${CONTROLPLANES:-1}" --workers "${WORKERS:-0}"
talosctl cluster show --name "$NAME" --state "$STATE"
NODE="$(talosctl config info | awk '/^Nodes:/ {print $2}')"
TAG="$(talosctl version --client | awk '/Tag:/ {print $2}')"
NEXT="$(echo "$TAG" | awk -F. '{printf "%s.%s.%d", $1, $2, $3 + 1}')"

echo "==> talosctl version / services"
talosctl -n "$NODE" version
talosctl -n "$NODE" services

echo "==> upgrade to $NEXT: the new slot boots as a trial and is confirmed once healthy"
talosctl -n "$NODE" upgrade --image "ghcr.io/siderolabs/installer:$NEXT" --preserve --wait

echo "==> manual rollback to the previous confirmed slot ($TAG), then forward again to $NEXT"
talosctl -n "$NODE" rollback
wait_running() { for _ in $(seq 1 120); do talosctl -n "$NODE" version >/dev/null 2>&1 && return 0; sleep 1; done; return 1; }
sleep 3; wait_running
talosctl -n "$NODE" get bootslots
talosctl -n "$NODE" upgrade --image "ghcr.io/siderolabs/installer:$NEXT" --preserve --wait

echo "==> upgrade to a faulty image (kubelet never healthy): the node rolls back by itself"
if talosctl -n "$NODE" upgrade --image "ghcr.io/siderolabs/installer:$NEXT-kubelet-never-healthy" --preserve --wait; then
  echo "expected the faulty upgrade to roll back" >&2; exit 1
fi

echo "==> reset --preserve: EPHEMERAL wiped, the machine config (STATE) kept"
talosctl -n "$NODE" reset --preserve --reboot --wait

echo "==> the history, from the node's META log"
# events follows the stream like upstream's; stop it after a few seconds
timeout 10 dotnet talosctl/bin/Release/net10.0/talosctl.dll -n "$NODE" events --tail 25 || true
timeout 10 dotnet talosctl/bin/Release/net10.0/talosctl.dll -n "$NODE" dmesg | tail -n 10 || true
echo "==> done"
