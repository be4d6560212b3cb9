#!/usr/bin/env bash
# Heartbeat benchmark: one controller (release build, child process) with BENCH_TASKS mesh tasks
# (default 10,000, of BENCH_SERVICES=100 services) reporting through POST /v1/heartbeats, driven by
# wrk (Tests/Benchmarks/heartbeats.lua). Prints heartbeats/s, p50/p99 per request, and the Consul
# writes during the steady state (the catalog's and the health checks' X-Consul-Index, before and
# after), as a Markdown table with date, machine and load average.
#
# How the 10,000 tasks are made (no ECS events are replayed; that is the ingest benchmark's job):
#   1. the controller starts once on an empty journal and stops, so its migrations create the schema;
#   2. python3's sqlite3 module writes the journal directly: 10,000 RUNNING rows in `tasks`,
#      `task_meta` rows (mesh=1, service bench-svc-NNN, health-sync container `app`, port 8080),
#      100 `services` rows whose token_sha256 is the SHA-256 of each service's token, and a pending
#      work key per task (as a RUNNING event would have left it);
#   3. the same IDs go into each service's Secrets Manager secret in moto, so the token worker
#      creates the Consul tokens with exactly those secrets instead of new ones, and each service's
#      task definition is registered in moto (the registration worker reads it for a consul-ecs config);
#   4. registration: the controller starts with workers (Consul + moto) and resync off (moto's ECS
#      knows none of these tasks) and registers every task, with critical checks (no heartbeat yet),
#      as after each task's RUNNING event. The script waits, from outside, until Consul lists every
#      instance's checks (blocking queries on /v1/health/state/any, deploy/local/storm.py);
#   5. warm-up: every task sends its first heartbeat (app HEALTHY): a health transition, journaled,
#      and the registration worker sets the task's checks passing. Measured from the first
#      heartbeat sent until Consul shows every instance's checks passing (the same watcher);
#   6. steady state: wrk sends the same heartbeats again for BENCH_DURATION seconds, single
#      heartbeats and batches of 10; the Consul indexes are read before and after each run.
# The TTL is raised to 600 s so no task expires while the first registrations are being written.
#
# Usage: deploy/local/bench-heartbeats.sh
# Env:   BENCH_TASKS (10000), BENCH_SERVICES (100), BENCH_DURATION (15), BENCH_CONNECTIONS ("16 64"),
#        MESH_CONTROLLER_BIN (use this binary instead of building the release one),
#        BENCH_WARMUP_ONLY=1 (stop after printing the warm-up line; bench-storm.sh uses it),
#        CONSUL_PORT / MOTO_PORT (the private stack's ports; free ones by default)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"
tasks="${BENCH_TASKS:-10000}"
services="${BENCH_SERVICES:-100}"
duration="${BENCH_DURATION:-15}"
connections="${BENCH_CONNECTIONS:-16 64}"  # one or more wrk connection counts

# shellcheck source=deploy/local/bench-lib.sh
source "$here/bench-lib.sh"
bench_init mesh-bench-hb
bench_start_stack
bench_controller_bin
work="$bench_work"
journal="$work/journal.sqlite"
start_controller() {
  MESH_HEARTBEAT_TTL_SECONDS=600 MESH_RESYNC_ENABLED=false bench_start_controller
}
stop_controller() { bench_stop_controller; }

echo "seeding $tasks tasks of $services services..." >&2
start_controller
stop_controller
python3 - "$journal" "$tasks" "$services" "$AWS_ENDPOINT_URL" <<'PY'
import hashlib, json, sqlite3, sys, time
import boto3
path, tasks, services, endpoint = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
cluster = "arn:aws:ecs:us-east-1:123456789012:cluster/bench"
now = time.time()
token = lambda s: "00000000-0000-4000-8000-%012d" % s
accessor = lambda s: "00000000-0000-4000-9000-%012d" % s
db = sqlite3.connect(path)
with db:
    for i in range(tasks):
        arn = "arn:aws:ecs:us-east-1:123456789012:task/bench/%032x" % i
        service = "bench-svc-%03d" % (i % services)
        db.execute("""INSERT INTO tasks (task_arn, task_id, cluster_arn, last_status, desired_status, version,
                      task_group, task_definition_arn, family, address, containers_json, started_at, updated_at, last_sequence)
                      VALUES (?, ?, ?, 'RUNNING', 'RUNNING', 3, ?, ?, ?, ?, '[]', ?, ?, 0)""",
                   (arn, "%032x" % i, cluster, "service:" + service,
                    "arn:aws:ecs:us-east-1:123456789012:task-definition/%s:1" % service, service,
                    "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255), now, now))
        tags = {"consul.hashicorp.com/mesh": "true", "consul.hashicorp.com/service-name": service,
                "consul.hashicorp.com/health-sync-containers": "app"}
        db.execute("INSERT INTO task_meta (task_arn, mesh, service_name, tags_json, service_port, described_at) VALUES (?, 1, ?, ?, 8080, ?)",
                   (arn, service, json.dumps(tags), now))
        db.execute("INSERT INTO work (key, state, generation, attempts, updated_at) VALUES (?, 'pending', 1, 0, ?)",
                   ("task:" + arn, now))
    for s in range(services):
        db.execute("""INSERT INTO services (name, cluster_arn, accessor_id, token_sha256, last_task_seen_at, updated_at)
                      VALUES (?, ?, ?, ?, ?, ?)""",
                   ("bench-svc-%03d" % s, cluster, accessor(s), hashlib.sha256(token(s).encode()).hexdigest(), now, now))
sm = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1")
ecs = boto3.client("ecs", endpoint_url=endpoint, region_name="us-east-1")
for s in range(services):
    sm.create_secret(Name="bench-bench-svc-%03d" % s,
                     SecretString=json.dumps({"accessor_id": accessor(s), "token": token(s)}))
    # Revision 1 of family bench-svc-NNN: the task_definition_arn seeded above.
    ecs.register_task_definition(family="bench-svc-%03d" % s, containerDefinitions=[
        {"name": "app", "image": "app:1", "memory": 128, "portMappings": [{"containerPort": 8080}]}])
PY

run_wrk() {  # batch seconds connections [once] -> "heartbeats/s p50 p99 non2xx heartbeats"
  local out
  out="$(BENCH_TASKS="$tasks" BENCH_SERVICES="$services" BENCH_BATCH="$1" BENCH_ONCE="${4:-0}" BENCH_THREADS=2 \
         wrk -t2 -c"$3" -d"$2s" --latency -s Tests/Benchmarks/heartbeats.lua "http://127.0.0.1:$port" 2>&1)"
  echo "$out" >>"$work/wrk.log"
  local rps p50 p99 bad total
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  bad="$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")"
  total="$(awk '/requests in/ {print $1}' <<<"$out")"
  echo "$(python3 -c "print(round(float('${rps:-0}') * $1))") ${p50:-?} ${p99:-?} ${bad:-0} $(( ${total:-0} * $1 ))"
}

# Blocks until Consul lists every seeded instance's checks ("registered") or, once they are all
# registered, until none of them has a critical check ("passing"), watched from outside (storm.py's
# watchers); prints the seconds since the Unix time $1. An answer lists up to 20,000 checks
# (megabytes of JSON), so the watchers pause between blocking queries (1 s while registering,
# which takes minutes; 0.1 s in the warm-up, the precision of its figure), and the warm-up's
# watcher lists only critical checks, fewer at every answer.
consul_wait() {  # start_epoch [registered]
  python3 - "$1" "$tasks" "$services" "${2:-passing}" <<'PY'
import os, sys, time
sys.path.insert(0, os.environ["BENCH_HERE"])
import storm
start, tasks, services, mode = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ids = {"bench-svc-%03d-%032x" % (i % services, i) for i in range(tasks)}
if mode == "registered":
    seen = storm.wait_passing(ids, 3600, registered_only=True, pause=1.0)
else:
    seen = storm.wait_none_critical(ids, 3600, pause=0.1)
print("%.1f" % (time.time() - (time.monotonic() - seen) - start))
PY
}
export BENCH_HERE="$here"

echo "registration of every task (seeded work keys; checks critical until the first heartbeat)..." >&2
registration_start=$(date +%s.%N)
start_controller
registration_seconds="$(consul_wait "$registration_start" registered)"

echo "first heartbeat of every task (transitions: journal + Consul check updates)..." >&2
warm_start=$(date +%s.%N)
consul_wait "$warm_start" >"$work/warm-seconds" &
watcher=$!
health_count() {
  python3 -c "import sqlite3,sys; print(sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True).execute('select count(*) from task_health').fetchone()[0])" "$journal"
}
# One heartbeat per task (wrk stops each thread once its share is answered; a second round only if
# some were refused).
for _ in $(seq 1 60); do
  run_wrk 1 5 32 1 >/dev/null
  [ "$(health_count)" -ge "$tasks" ] && break
done
wait "$watcher"
warm_seconds="$(cat "$work/warm-seconds")"
registered="$(curl -s -H "X-Consul-Token: $CONSUL_HTTP_TOKEN" "$CONSUL_HTTP_ADDR/v1/health/state/passing" \
              | python3 -c 'import json,sys; print(sum(1 for c in json.load(sys.stdin) if c["CheckID"].endswith("-app")))')"
health_rows="$(health_count)"

echo
echo "Heartbeat benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -m), load average at start $(cut -d' ' -f1-3 /proc/loadavg); $tasks tasks of $services services, wrk -t2, ${duration}s per run, controller $build_label, Consul 1.8.7 dev agent and moto on loopback"
echo
echo "Registration: every task registered in Consul (checks critical, before any heartbeat) after ${registration_seconds}s."
echo "Warm-up: first heartbeat of every task journaled ($health_rows task_health rows) and $registered app checks passing in Consul after ${warm_seconds}s."
[ "${BENCH_WARMUP_ONLY:-0}" = "1" ] && exit 0
echo
echo "| body | connections | heartbeats/s | p50 (request) | p99 (request) | non-2xx | heartbeats sent | Consul index change | Consul writes per 10,000 heartbeats |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for c in $connections; do
  for batch in 1 10; do
    before="$(consul_index)"
    read -r hps p50 p99 bad sent < <(run_wrk "$batch" "$duration" "$c")
    after="$(consul_index)"
    label="single heartbeat"; [ "$batch" -gt 1 ] && label="batch of $batch"
    writes="$(python3 -c "d=$after-$before; print(0 if d==0 else f'≤ {d*10000/max(1,$sent):.3f} (index moved by {d})')")"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s → %s | %s |\n' "$label" "$c" "$hps" "$p50" "$p99" "$bad" "$sent" "$before" "$after" "$writes"
  done
done
echo
echo "load average at end $(cut -d' ' -f1-3 /proc/loadavg); task_health rows still $(python3 -c "import sqlite3,sys; print(sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True).execute('select count(*), max(revision) from task_health').fetchone())" "$journal") (count, max revision)"
