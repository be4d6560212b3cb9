#!/usr/bin/env bash
# Checks the README's run command the way a newcomer uses it: `deploy/local/run.sh` starts Consul,
# moto and the controller, starts mesh tasks in moto and posts their events (run.sh itself fails
# unless both sample services and their sidecar proxies appear in Consul's catalog); then
# `deploy/local/run.sh stop` must leave no process behind.
# Usage: deploy/local/smoke.sh   (BUILD_CONFIGURATION=debug by default, to reuse the test build)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="$here/.state"

export BUILD_CONFIGURATION="${BUILD_CONFIGURATION:-debug}"
"$here/run.sh" start
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
