#!/usr/bin/env bash
# Checks the README's run command the way a newcomer uses it: `deploy/local/run.sh` starts Consul,
# moto and the controller, starts mesh tasks in moto and posts their events (run.sh itself fails
# unless both sample services and their sidecar proxies appear in Consul's catalog); every CLI and
# curl line it prints must work as printed (exit 0, and the explain lines must say what they should);
# then `deploy/local/run.sh stop` must leave no process behind.
# Env: MESH_SERVER_PUBLIC_PORT, MESH_SERVER_ADMIN_PORT, CONSUL_PORT, MOTO_PORT as run.sh takes them.
# Usage: deploy/local/smoke.sh   (BUILD_CONFIGURATION=debug by default, to reuse the test build)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="$here/.state"

export BUILD_CONFIGURATION="${BUILD_CONFIGURATION:-debug}"
output="$(mktemp)"
trap 'rm -f "$output"' EXIT
fail() { echo "smoke: $*" >&2; "$here/run.sh" stop >/dev/null 2>&1 || true; exit 1; }
"$here/run.sh" start | tee "$output"
# The printed lines, run exactly as printed.
explained=""
mapfile -t lines < <(grep -E '^  (MESH_ADMIN_ADDR=|curl )' "$output")
((${#lines[@]} >= 8)) || fail "run.sh printed ${#lines[@]} CLI/curl lines, expected at least 8"
for line in "${lines[@]}"; do
  result="$(bash -c "$line" 2>&1)" || fail "printed line failed: $line"$'\n'"$result"
  case "$line" in
    *" explain "*)
      echo "$result" | grep -qE 'registered in the mesh|not in the mesh' || fail "explain said: $result"
      explained+="$result"$'\n' ;;
  esac
done
grep -q 'consul.hashicorp.com/mesh' <<<"$explained" || fail "no explain line named the consul.hashicorp.com/mesh tag"
echo "smoke: ${#lines[@]} printed CLI and curl lines work as printed"
controller_pid="$(cat "$state/controller.pid")"
consul_pid="$(cat "$state/consul.pid")"
moto_pid="$(cat "$state/moto.pid")"

"$here/run.sh" stop
stray=()
for pid in "$controller_pid" "$consul_pid" "$moto_pid"; do
  kill -0 "$pid" 2>/dev/null && stray+=("$pid")
done
if ((${#stray[@]} > 0)); then
  echo "smoke: processes left running after run.sh stop: ${stray[*]}" >&2
  ps -o pid,args -p "$(IFS=,; echo "${stray[*]}")" >&2 || true
  exit 1
fi
echo "smoke: run.sh registered the sample tasks in Consul and stopped cleanly"
