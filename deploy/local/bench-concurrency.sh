#!/usr/bin/env bash
# Concurrency from measurement (issue #16 item 3): the deployment storm of bench-storm.sh, run once
# per setting of the work queue's workers (work.concurrency), of the batched calls in flight
# (work.maxInFlightBatches) and of the batch window (work.batchWindowMillis), each on a fresh
# Consul + moto + controller. Prints one Markdown row per setting: seconds to converge, tasks per
# second, Consul writes, each task's p50/p99 (its event's 2xx to passing in Consul), and the events'
# 2xx p99 during the storm.
#
# Usage: deploy/local/bench-concurrency.sh [TASKS]      (default 1000)
# Env:   BENCH_WORKERS ("8 16 32 64"), BENCH_IN_FLIGHT ("4"), BENCH_WINDOW ("2", milliseconds),
#        BENCH_SETTINGS (e.g. "8:4:2 32:2:0", workers:in-flight:window, instead of the cross
#        product), and every variable bench-storm.sh takes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tasks="${1:-1000}"
settings="${BENCH_SETTINGS:-}"
if [ -z "$settings" ]; then
  for workers in ${BENCH_WORKERS:-8 16 32 64}; do
    for in_flight in ${BENCH_IN_FLIGHT:-4}; do
      for window in ${BENCH_WINDOW:-2}; do settings="$settings $workers:$in_flight:$window"; done
    done
  done
fi

rows=()
header=""
for setting in $settings; do
  IFS=: read -r workers in_flight window <<<"$setting"
  echo "storm of $tasks tasks: $workers workers, $in_flight batches in flight, ${window} ms window..." >&2
  out="$(MESH_WORK_CONCURRENCY="$workers" MESH_WORK_MAX_IN_FLIGHT_BATCHES="$in_flight" \
         MESH_WORK_BATCH_WINDOW_MILLIS="$window" BENCH_WARMUP_TASKS=0 "$here/bench-storm.sh" "$tasks")"
  [ -z "$header" ] && header="$(head -n 1 <<<"$out")"
  storm_row="$(grep -m1 '^| storm:' <<<"$out")"
  latency_row="$(grep '^| storm:' <<<"$out" | sed -n 2p)"
  rows+=("$(python3 - "$workers" "$in_flight" "$window" "$storm_row" "$latency_row" <<'PY'
import sys
workers, in_flight, window, storm, latency = sys.argv[1:6]
s = [c.strip() for c in storm.strip("|").split("|")]
l = [c.strip() for c in latency.strip("|").split("|")]
print(f"| {workers} | {in_flight} | {window} ms | {s[1]} | {s[2]} | {s[4].split(' ')[0]} | {l[1]} | {l[3]} | {l[6].split(' / ')[1]} |")
PY
)")
done

echo "Concurrency settings, ${header#Deployment storm, }"
echo
echo "| workers (work.concurrency) | batches in flight (work.maxInFlightBatches) | batch window (work.batchWindowMillis) | converge | tasks/s | Consul writes | task p50 | task p99 | 202 p99 |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
