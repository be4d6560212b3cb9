#!/usr/bin/env bash
# Registration latency benchmark: from POSTing a task's RUNNING event to the controller (release
# build, child process) until the instance is listed passing in Consul's /v1/health/service/<name>,
# over 50 services x 20 tasks (tokens warm: each task's PROVISIONING event came first) plus 50 new
# services whose first event is RUNNING (token, DescribeTasks and DescribeTaskDefinition in the path).
# Prints Markdown table rows with p50/p99, and a comparison with consul-ecs's 10 s poll.
#
# Usage: deploy/local/bench-registration.sh
# Env:   BENCH_SERVICES (50), BENCH_TASKS_PER_SERVICE (20), BENCH_RATE (events/s, 100),
#        BENCH_CONCURRENCY (the controller's work.concurrency, 64), MESH_CONTROLLER_BIN (the
#        controller to measure; default: this checkout's release build)
# Stops by itself: the test has a 15-minute limit and this script a 25-minute one.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

"$here/deps.sh" >/dev/null

# A private stack (own Consul dev agent and moto on free ports, own state directory), so that other
# test runs and the state they leave behind do not share the servers being measured.
state="$(mktemp -d /tmp/mesh-bench-stack.XXXXXX)"
chmod 755 "$state"  # PostgreSQL's cluster below it is made as the postgres user
cleanup() {
  STACK_STATE_DIR="$state" "$here/stack.sh" stop >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT
# shellcheck source=deploy/local/bench-lib.sh
source "$here/bench-lib.sh"  # free_port, bench_settle_disk
STACK_STATE_DIR="$state" CONSUL_PORT="$(free_port)" MOTO_PORT="$(free_port)" PG_PORT="$(free_port)" \
  STACK_PG_DIR="$state/postgres" "$here/stack.sh" start
# shellcheck disable=SC1091
source "$state/env"

# MESH_CONTROLLER_BIN, when set, names the controller to measure (e.g. an A/B pair of release
# builds measured in one window); otherwise this checkout's release build is made and measured.
if [[ -z "${MESH_CONTROLLER_BIN:-}" ]]; then
  echo "building the controller (release)..." >&2
  swift build -c release --product ecs-mesh-controller >&2
  MESH_CONTROLLER_BIN="$(swift build -c release --show-bin-path)/ecs-mesh-controller"
fi
echo "building the tests..." >&2
swift build --build-tests >&2
export MESH_CONTROLLER_BIN BENCH=1

bench_settle_disk
log="$(mktemp /tmp/mesh-bench-registration.XXXXXX.log)"
echo "running (log: $log)..." >&2
status=0
timeout 1500 swift test --skip-build --filter WorkerRegistrationBenchmarkTests >"$log" 2>&1 || status=$?

echo
echo "Registration latency, $(date -u +%Y-%m-%d), controller $MESH_CONTROLLER_BIN, $(nproc) cores, $(uname -m), load average $(cut -d' ' -f1-3 /proc/loadavg), Consul 1.8.7 dev agent and moto on loopback"
echo
sed -n 's/^BENCH| \{0,1\}//p' "$log"
if ((status != 0)); then
  echo "benchmark failed (exit $status); last lines of $log:" >&2
  tail -n 40 "$log" >&2
  exit "$status"
fi
