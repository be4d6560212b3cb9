#!/usr/bin/env bash
# Deployment-storm benchmark (issue #16 item 4): against a private Consul 1.8.7 dev agent and moto
# and the controller (release build, child process):
#   - storm: N new tasks of 50 services whose tokens already exist (one task per service is
#     registered first, and the script waits until it passes and the controller's work has
#     settled) send their RUNNING events at once (deploy/local/storm.py: one event per request
#     from BENCH_CONNECTIONS threads). Measured from the last event's 2xx until the last
#     instance passes in Consul (blocking queries on /v1/health/state/any);
#   - the 10,000-task heartbeat warm-up of bench-heartbeats.sh (BENCH_WARMUP_ONLY=1): every task
#     registered (checks critical), then every task's first heartbeat journaled and its checks
#     set passing in Consul; both measured from outside.
# Prints a header line (date UTC, machine, commit) and a Markdown table:
#   - seconds to converge, tasks per second (N over the first POST to the last instance passing);
#   - Consul writes: the change of Consul's raft log index (/v1/agent/self Stats.raft.last_log_index,
#     one entry per write of any kind) across the storm;
#   - time waiting on moto and on Consul against the controller's own time, from the controller's
#     /metrics: the change of mesh_aws_request_duration_seconds_sum, of
#     mesh_consul_request_duration_seconds_sum and of mesh_work_attempt_duration_seconds_sum; "own"
#     is the work attempts' time minus the calls' (all summed over concurrent workers, so they are
#     busy-seconds, not wall time).
#
# Usage: deploy/local/bench-storm.sh [N ...]      (default: 1000 5000)
# Env:   BENCH_SERVICES (50), BENCH_CONNECTIONS (64), BENCH_WARMUP_TASKS (10000; 0 skips the warm-up),
#        BENCH_NOTE (appended to the header, e.g. "measured under load"),
#        MESH_CONTROLLER_BIN (use this binary instead of building the release one),
#        BENCH_CONSUL_PROFILE (a directory: Consul serves /debug/pprof, storm.py saves its CPU profile
#        of each storm there, and the script prints where Consul's CPU went; needs `go` to summarise),
#        CONSUL_PORT / MOTO_PORT (the private stack's ports; free ones by default)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
profile_dir="${BENCH_CONSUL_PROFILE:+$(realpath -m "$BENCH_CONSUL_PROFILE")}"  # before the cd below
cd "$repo"
sizes=("$@"); [ ${#sizes[@]} -eq 0 ] && sizes=(1000 5000)
services="${BENCH_SERVICES:-50}"
connections="${BENCH_CONNECTIONS:-64}"
warmup_tasks="${BENCH_WARMUP_TASKS:-10000}"

# shellcheck source=deploy/local/bench-lib.sh
source "$here/bench-lib.sh"
bench_init mesh-bench-storm
bench_controller_bin
header="Deployment storm, $(date -u '+%Y-%m-%d %H:%M UTC'), $(bench_header_machine), controller $build_label, Consul 1.8.7 dev agent and moto on loopback, $services services, $connections connections${BENCH_NOTE:+, $BENCH_NOTE}"

rows=()
latency_rows=()
curves=()
profile_lines=()
for n in "${sizes[@]}"; do
  # A fresh stack and journal per size, so one storm's catalog does not weigh on the next.
  if [ -n "$profile_dir" ]; then
    rm -f "$profile_dir"/consul-storm-"$n"-*.pprof  # an earlier run's would be read with these
  fi
  STACK_CONSUL_DEBUG="${profile_dir:+1}" bench_start_stack
  journal="$bench_work/journal-$n.sqlite"
  MESH_RESYNC_ENABLED=false bench_start_controller
  echo "storm of $n tasks (controller log: $bench_work/controller.log)..." >&2
  result="$(BENCH_WEBHOOK_KEY="$bench_webhook_key" BENCH_ADMIN_TOKEN="$bench_admin_token" \
            BENCH_PIDS="controller=$controller_pid consul=${CONSUL_PID:-} moto=${MOTO_PID:-}" \
            BENCH_CONSUL_PROFILE_DIR="$profile_dir" \
            python3 "$here/storm.py" "$n" "$services" "$connections" "http://127.0.0.1:$port" "http://127.0.0.1:$admin_port")"
  rows+=("$(python3 - "$result" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
own = r["work_seconds"] - r["aws_seconds"] - r["consul_seconds"]
print(f"| storm: {r['tasks']} new tasks, RUNNING at once | {r['converge_seconds']:.2f} s "
      f"| {r['tasks'] / r['end_to_end_seconds']:.0f} | {r['post_seconds']:.2f} s ({r['non_2xx']} non-2xx) "
      f"| {r['raft_after'] - r['raft_before']} ({r['raft_before']} → {r['raft_after']}) "
      f"| {r['aws_seconds']:.2f} s in {r['aws_calls']:.0f} calls | {r['consul_seconds']:.2f} s in {r['consul_calls']:.0f} calls "
      f"| {own:.2f} s of {r['work_seconds']:.2f} s in {r['work_attempts']:.0f} attempts "
      f"| {' / '.join('%.1f s' % r['cpu_seconds'].get(k, float('nan')) for k in ('controller', 'consul', 'moto', 'driver'))} |")
PY
)")
  latency_rows+=("$(python3 - "$result" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
t, a = r["task_latency_ms"], r["ack_latency_ms"]
cells = " | ".join(f"{t[k]:.0f} ms" for k in ("p50", "p90", "p99", "p99.9", "max"))
print(f"| storm: {r['tasks']} new tasks | {cells} | {a['p50']:.1f} ms / {a['p99']:.1f} ms / {a['max']:.1f} ms |")
PY
)")
  curves+=("<!-- storm-curve $n $(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])["passing_curve"], separators=(",", ":")))' "$result") -->")
  if [ -n "$profile_dir" ]; then
    profile_lines+=("$(python3 "$here/consul-profile.py" "Consul's CPU in the storm of $n tasks" \
                       "$profile_dir"/consul-storm-"$n"-*.pprof)")
  fi
  bench_stop_controller
  bench_stop_stack
  port="" admin_port=""
done

if [ "$warmup_tasks" -gt 0 ]; then
  echo "heartbeat warm-up of $warmup_tasks tasks (bench-heartbeats.sh)..." >&2
  warm_out="$(BENCH_WARMUP_ONLY=1 BENCH_TASKS="$warmup_tasks" MESH_CONTROLLER_BIN="$bin" "$here/bench-heartbeats.sh")"
  warm_seconds="$(sed -n 's/^Warm-up: .* after \([0-9.]*\)s\.$/\1/p' <<<"$warm_out")"
  registration_seconds="$(sed -n 's/^Registration: .* after \([0-9.]*\)s\.$/\1/p' <<<"$warm_out")"
  rows+=("| registration of $warmup_tasks tasks with work keys seeded (checks critical) | ${registration_seconds} s | $(python3 -c "print(round($warmup_tasks / max(0.1, float('${registration_seconds:-0}'))))") | – | – | – | – | – | – |")
  rows+=("| heartbeat warm-up: first heartbeat of those $warmup_tasks registered tasks | ${warm_seconds} s | $(python3 -c "print(round($warmup_tasks / max(0.1, float('${warm_seconds:-0}'))))") | – | – | – | – | – | – |")
fi

echo "$header"
echo
echo "| run | converge (last 2xx → last instance passing) | tasks/s (first POST → last passing) | posting the events | Consul writes (raft index change) | waiting on moto (AWS) | waiting on Consul | controller's own time (work attempts minus calls) | CPU: controller / Consul / moto / load generator |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
echo "AWS, Consul and work-attempt times are summed over concurrent calls and workers (busy-seconds, not wall time); a worker waiting for a batched call it shares counts the whole call, so the calls' sums are of the batched calls themselves and the own time includes waiting for a batch. The CPU column is each process's user + system CPU seconds across the storm (/proc/PID/stat): on 2 cores, what is ours and what is Consul's, moto's and the load generator's (storm.py: the events' senders and the Consul watcher). Load average at end $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "Per task: from its own RUNNING event's 2xx to its instance first seen passing in Consul (blocking queries on /v1/health/state/any), and the events' 2xx latency during the storm."
echo
echo "| run | p50 | p90 | p99 | p99.9 | max | 202 p50 / p99 / max |"
echo "|---|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${latency_rows[@]}"
echo
if [ ${#profile_lines[@]} -gt 0 ]; then
  printf '%s\n\n' "${profile_lines[@]}"
fi
printf '%s\n' "${curves[@]}"
