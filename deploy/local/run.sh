#!/usr/bin/env bash
# One command for a newcomer on a fresh Debian machine: installs what is missing, builds the
# controller, starts a local Consul 1.8.7 agent (ACLs on) and a moto server on loopback, starts the
# controller on its embedded SQLite journal with deploy/local/controller.yaml, starts a few mesh tasks
# in moto (deploy/local/demo_tasks.py), posts the events ECS would send for them, waits until they
# are registered in Consul, and prints CLI and curl lines to try (each works as printed).
# Credentials: the admin token and the webhook API key are generated on first start into the
# git-ignored state folder (deploy/local/.state/admin-token, webhook-key; mode 600) and reused after;
# no credential sits in the repository.
# Usage: deploy/local/run.sh [start|stop|status]   (default: start)
# Env: BUILD_CONFIGURATION=debug|release (default release; debug builds faster, runs slower).
#      RUN_WAIT_SECONDS: how long each wait (controller health, registrations) may last (default 120).
#      MESH_SERVER_PUBLIC_PORT / MESH_SERVER_ADMIN_PORT (default 8080 / 8081), CONSUL_PORT / MOTO_PORT
#      (default 18500 / 15000, read by stack.sh): other ports, to run beside another stack.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
state="$here/.state"
cd "$repo"

pidfile="$state/controller.pid"
public_port="${MESH_SERVER_PUBLIC_PORT:-8080}"
admin_port="${MESH_SERVER_ADMIN_PORT:-8081}"
public="http://127.0.0.1:$public_port"
admin="http://127.0.0.1:$admin_port"
admin_token_file="$state/admin-token"
webhook_key_file="$state/webhook-key"

# Waits are bounded by time, not by a count of polls (a poll itself can take seconds on a loaded
# machine); only a failing start waits a bound out. RUN_WAIT_SECONDS sets each bound (default 120).
wait_seconds="${RUN_WAIT_SECONDS:-120}"

# wait_for COMMAND...: runs COMMAND every 0.2 s until it succeeds (returns 0) or wait_seconds pass (1).
wait_for() {
  local deadline=$((SECONDS + wait_seconds))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# ensure_secret FILE: 32 random bytes as hex, written once (mode 600) and kept across runs.
ensure_secret() {
  [ -s "$1" ] && return 0
  (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$1")
}

stop_controller() {
  if [ -f "$pidfile" ]; then
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      fi
    fi
    rm -f "$pidfile"
  fi
}

case "${1:-start}" in
  stop)
    stop_controller
    "$here/stack.sh" stop
    echo "local stack stopped"
    exit 0
    ;;
  status)
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "controller running (pid $(cat "$pidfile"))"
    else
      echo "controller not running"
    fi
    "$here/stack.sh" status || true
    exit 0
    ;;
  start) ;;
  *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac

"$here/deps.sh"
build_configuration="${BUILD_CONFIGURATION:-release}"
echo "building the controller ($build_configuration; the first build takes several minutes)..."
swift build -c "$build_configuration" --product ecs-mesh-controller
bin="$(swift build -c "$build_configuration" --show-bin-path)/ecs-mesh-controller"

"$here/stack.sh" start
# shellcheck disable=SC1091
source "$state/env"

stop_controller
mkdir -p "$state"
ensure_secret "$admin_token_file"
ensure_secret "$webhook_key_file"
api_key="$(cat "$webhook_key_file")"
export MESH_SERVER_PUBLIC_PORT="$public_port" MESH_SERVER_ADMIN_PORT="$admin_port"
export MESH_ADMIN_TOKEN_FILE="$admin_token_file" MESH_WEBHOOK_API_KEY="$api_key"
"$bin" check-config --config "$here/controller.yaml" >/dev/null
nohup "$bin" serve --config "$here/controller.yaml" >"$state/controller.log" 2>&1 &
echo $! >"$pidfile"
# Healthy, or gone (a port taken, a bad setting): either ends the wait at once.
controller_settled() { ! kill -0 "$(cat "$pidfile")" 2>/dev/null || curl -fs -o /dev/null "$public/healthz"; }
if ! wait_for controller_settled || ! curl -fs -o /dev/null "$public/healthz"; then
  echo "controller did not start:"; tail -20 "$state/controller.log"; exit 1
fi

samples="$here/samples"
events="$state/events"
rm -rf "$events"
echo
echo "starting tasks in moto (cluster apps: 2 x web, 1 x api in the mesh, 1 x batch outside it) and posting their events:"
mapfile -t event_files < <(python3 "$here/demo_tasks.py" "$events")
for f in "${event_files[@]}"; do
  printf '  %s -> ' "$(basename "$f")"
  curl -s -w ' (HTTP %{http_code})\n' -H 'Content-Type: application/json' -H "x-api-key: $api_key" \
    --data-binary "@$f" "$public/v1/events"
done

# The workers provision a token per service and register each task; wait (bounded) until Consul
# shows both services and their sidecar proxies.
echo
echo "waiting for the registrations in Consul..."
catalog_complete() {
  local catalog
  catalog="$(curl -fs -H "X-Consul-Token: $CONSUL_HTTP_TOKEN" "$CONSUL_HTTP_ADDR/v1/catalog/services")" || return 1
  python3 -c 'import json,sys; s=json.loads(sys.argv[1] or "{}"); sys.exit(0 if {"web","api","web-sidecar-proxy","api-sidecar-proxy"} <= s.keys() else 1)' "$catalog" 2>/dev/null
}
if ! wait_for catalog_complete; then
  echo "the sample tasks did not show up in Consul within $wait_seconds s; the controller log says:" >&2
  tail -30 "$state/controller.log" >&2
  exit 1
fi
echo "Consul catalog:"
curl -s -H "X-Consul-Token: $CONSUL_HTTP_TOKEN" "$CONSUL_HTTP_ADDR/v1/catalog/services?pretty" | sed 's/^/  /'
echo "web's instances:"
curl -s -H "X-Consul-Token: $CONSUL_HTTP_TOKEN" "$CONSUL_HTTP_ADDR/v1/health/service/web" |
  python3 -c 'import json,sys
for e in json.load(sys.stdin):
    s=e["Service"]; checks=", ".join(c["Name"]+"="+c["Status"] for c in e["Checks"] if c["ServiceID"])
    print("  %-60s %s:%s  node=%s  %s" % (s["ID"], s["Address"], s["Port"], e["Node"]["Node"], checks))'

# A task of each kind for `explain`: one registered, one outside the mesh by its tag. Wait (bounded)
# until the controller says so of these two tasks: the catalog above shows a service once any one
# of its tasks is registered, and the batch task's tags are read by its own work key.
task_id() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["detail"]["taskArn"].rsplit("/",1)[-1])' "$1"; }
web_task="$(task_id "$(ls "$events"/web-*-2-running.json | head -1)")"
batch_task="$(task_id "$(ls "$events"/batch-*-2-running.json | head -1)")"
explained_as() {
  curl -fs -H "Authorization: Bearer $(cat "$admin_token_file")" "$admin/v1/tasks/$1/explain" | grep -q "$2"
}
if ! wait_for explained_as "$web_task" '"registered":true' || ! wait_for explained_as "$batch_task" '"desiredState":"not-in-mesh"'; then
  echo "the controller did not explain task $web_task as registered and $batch_task as outside the mesh within $wait_seconds s:" >&2
  tail -30 "$state/controller.log" >&2
  exit 1
fi
cli="MESH_ADMIN_ADDR=$admin MESH_ADMIN_TOKEN_FILE=$admin_token_file $bin"

cat <<MSG

The controller is running (pid $(cat "$pidfile")), logs in $state/controller.log.
  public:  $public    admin: $admin
  admin token in $admin_token_file, webhook API key in $webhook_key_file (generated, git-ignored)
  Consul:  $CONSUL_HTTP_ADDR  (token in $state/env)
  moto:    $AWS_ENDPOINT_URL

The operator CLI (a client of the admin API):
  $cli status
  $cli tasks
  $cli services
  $cli explain $web_task
  $cli explain $batch_task
  $cli journal --limit 5

The same with curl:
  curl -s -H "Authorization: Bearer \$(cat $admin_token_file)" '$admin/v1/status?pretty'
  curl -s -H "Authorization: Bearer \$(cat $admin_token_file)" '$admin/v1/tasks/$batch_task/explain?pretty'
  curl -s -H 'Content-Type: application/json' -H "x-api-key: \$(cat $webhook_key_file)" --data-binary @${event_files[-1]} $public/v1/events

Stop everything with: deploy/local/run.sh stop
MSG
