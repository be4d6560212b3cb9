#!/usr/bin/env bash
# Resync cost benchmark: BENCH_TASKS ECS tasks in moto (BENCH_MESH_TASKS of them tagged for the mesh),
# a controller (child process) that learns of them only through resync, and the cost of its sweeps:
# wall time and AWS/Consul calls per sweep, as the controller counts and logs them
# ("Resync sweep finished", mesh.resync.calls.*). The first sweep finds every mesh task new; once the
# workers have registered them, later sweeps find no drift and must write nothing to Consul, which
# the catalog's X-Consul-Index (/v1/catalog/services and the node's services) confirms.
# Prints a Markdown table with date, machine and load average.
#
# Usage: deploy/local/bench-resync.sh
# Env:   BENCH_TASKS (5000), BENCH_MESH_TASKS (500), BENCH_INTERVAL (sweep interval, s; 20),
#        BENCH_BUILD (release | debug; release)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"
tasks="${BENCH_TASKS:-5000}"
mesh_tasks="${BENCH_MESH_TASKS:-500}"
interval="${BENCH_INTERVAL:-20}"
build="${BENCH_BUILD:-release}"

"$here/deps.sh" >/dev/null

# A private stack (own Consul dev agent and moto on free ports), so neighbours neither load the
# measured servers nor move the catalog index we watch.
state="$(mktemp -d /tmp/mesh-bench-resync.XXXXXX)"
controller_pid=""
cleanup() {
  if [[ -n "$controller_pid" ]] && kill -0 "$controller_pid" 2>/dev/null; then
    kill "$controller_pid" 2>/dev/null || true
    wait "$controller_pid" 2>/dev/null || true
  fi
  STACK_STATE_DIR="$state" "$here/stack.sh" stop >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT
free_port() { python3 "$here/free_port.py"; }  # also frees Consul's ports below it
STACK_STATE_DIR="$state" CONSUL_PORT="$(free_port)" MOTO_PORT="$(free_port)" "$here/stack.sh" start >&2
# shellcheck disable=SC1091
source "$state/env"

echo "building the controller ($build)..." >&2
swift build -c "$build" --product ecs-mesh-controller >&2
bin="$(swift build -c "$build" --show-bin-path)/ecs-mesh-controller"

echo "seeding $tasks tasks ($mesh_tasks in the mesh) in moto..." >&2
seed_started=$(date +%s)
cluster_arn="$(BENCH_TASKS="$tasks" BENCH_MESH_TASKS="$mesh_tasks" python3 - <<'PY'
import os, boto3
kw = dict(endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"],
          aws_access_key_id="test", aws_secret_access_key="test")
ec2 = boto3.client("ec2", **kw); ecs = boto3.client("ecs", **kw)
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/16")["Subnet"]["SubnetId"]
sg = ec2.create_security_group(GroupName="bench", Description="bench", VpcId=vpc)["GroupId"]
cluster = ecs.create_cluster(clusterName="bench-resync")["cluster"]["clusterArn"]
def definition(family):
    return ecs.register_task_definition(family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512", containerDefinitions=[{"name": "app", "image": "app:1", "memory": 128,
        "essential": True, "portMappings": [{"containerPort": 8080, "protocol": "tcp"}]}])["taskDefinition"]["taskDefinitionArn"]
total, mesh = int(os.environ["BENCH_TASKS"]), int(os.environ["BENCH_MESH_TASKS"])
services = [definition(f"bench{i}") for i in range(10)]
plain = definition("plain")
done = 0
while done < total:
    n = min(10, total - done)
    is_mesh = done < mesh
    td = services[(done // 10) % len(services)] if is_mesh else plain
    tags = [{"key": "consul.hashicorp.com/mesh", "value": "true"}] if is_mesh else [{"key": "team", "value": "batch"}]
    ecs.run_task(cluster=cluster, taskDefinition=td, count=n, launchType="FARGATE", tags=tags,
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [sg]}})
    done += n
print(cluster)
PY
)"
seed_seconds=$(( $(date +%s) - seed_started ))

log="$state/controller.log"
port_public="$(free_port)"; port_admin="$(free_port)"
MESH_SERVER_PUBLIC_PORT="$port_public" MESH_SERVER_ADMIN_PORT="$port_admin" \
MESH_WEBHOOK_API_KEY="bench-webhook-key-0123456789" MESH_JOURNAL_PATH="$state/journal.sqlite" \
MESH_RESYNC_CLUSTERS="$cluster_arn" MESH_RESYNC_INTERVAL_SECONDS="$interval" MESH_SECRETS_PREFIX="bench" \
MESH_HEARTBEAT_TTL_SECONDS=86400 MESH_LOG_FORMAT=json MESH_LOG_LEVEL=info \
  "$bin" serve >"$log" 2>&1 &
controller_pid=$!

consul_get() {  # path → "index count" (X-Consul-Index and number of entries)
  curl -fsS -D "$state/headers" -H "X-Consul-Token: $CONSUL_HTTP_TOKEN" "$CONSUL_HTTP_ADDR$1" -o "$state/body"
  python3 - "$state/headers" "$state/body" <<'PY'
import json, sys
index = next((l.split(":", 1)[1].strip() for l in open(sys.argv[1]) if l.lower().startswith("x-consul-index")), "?")
body = json.load(open(sys.argv[2]))
count = len(body.get("Services") or []) if isinstance(body, dict) and "Services" in body else len(body or {})
print(index, count)
PY
}
sweeps() { grep -c '"msg":"Resync sweep finished' "$log" || true; }
wait_for() {  # seconds, condition...
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do
    (( $(date +%s) < deadline )) || { echo "timed out waiting for: $*" >&2; tail -n 20 "$log" >&2; exit 1; }
    kill -0 "$controller_pid" 2>/dev/null || { echo "controller exited" >&2; tail -n 40 "$log" >&2; exit 1; }
    sleep 0.5
  done
}
node_path="/v1/catalog/node-services/$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe=""))' "$cluster_arn")"
registered() { [[ "$(consul_get "$node_path" | cut -d' ' -f2)" -ge $(( 2 * mesh_tasks )) ]]; }
at_least() { [[ "$(sweeps)" -ge "$1" ]]; }

echo "waiting for the start-up sweep and the registrations..." >&2
wait_for 600 at_least 1
wait_for 1800 registered
# Let the workers finish (token work, proxies), then take the index across two drift-free sweeps.
settled="$(sweeps)"
wait_for $(( 3 * interval + 600 )) at_least $(( settled + 1 ))
read -r services_before _ < <(consul_get /v1/catalog/services)
read -r node_before node_count < <(consul_get "$node_path")
quiet="$(sweeps)"
wait_for $(( 3 * interval + 600 )) at_least $(( quiet + 2 ))
read -r services_after _ < <(consul_get /v1/catalog/services)
read -r node_after _ < <(consul_get "$node_path")

echo
echo "Resync cost, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m), load average $(cut -d' ' -f1-3 /proc/loadavg), $build build, Consul 1.8.7 dev agent and moto on loopback; $tasks tasks ($mesh_tasks mesh) seeded in ${seed_seconds} s"
echo
echo "| sweep | situation | wall time | ListTasks | DescribeTasks | Consul reads | Consul writes | tasks listed | observations applied | deregistered |"
echo "|---|---|---|---|---|---|---|---|---|---|"
python3 - "$log" "$quiet" <<'PY'
import json, sys
quiet = int(sys.argv[2])
rows = [json.loads(l) for l in open(sys.argv[1]) if '"msg":"Resync sweep finished' in l]
for i, r in enumerate(rows, 1):
    situation = "start: every mesh task new" if i == 1 else ("no drift (index measured)" if i > quiet else "no drift")
    print(f"| {r['mesh.resync.sweep']} | {situation} | {int(r['mesh.resync.duration_ms'])} ms | "
          f"{r['mesh.resync.calls.aws.list_tasks']} | {r['mesh.resync.calls.aws.describe_tasks']} | "
          f"{r['mesh.resync.calls.consul.reads']} | {r['mesh.resync.calls.consul.writes']} | {r['mesh.resync.listed']} | "
          f"{r['mesh.resync.applied']} | {r['mesh.resync.deregistered']} |")
PY
echo
echo "Catalog index across the last two sweeps: /v1/catalog/services $services_before → $services_after, node services ($node_count on the node) $node_before → $node_after."
if [[ "$services_before" != "$services_after" || "$node_before" != "$node_after" ]]; then
  echo "the catalog index moved during drift-free sweeps" >&2
  exit 1
fi
