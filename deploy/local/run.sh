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
#        deploy/local/run.sh --ha [start|stop|status]: three replicas on PostgreSQL behind haproxy
#        (deploy/local/run-ha.sh).
# Env: BUILD_CONFIGURATION=debug|release (default release; debug builds faster, runs slower).
#      RUN_WAIT_SECONDS: how long each wait (controller health, registrations) may last (default 120).
#      MESH_SERVER_PUBLIC_PORT / MESH_SERVER_ADMIN_PORT (default 8080 / 8081), CONSUL_PORT / MOTO_PORT
#      (default 18500 / 15000, read by stack.sh): other ports, to run beside another stack.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
state="$here/.state"
cd "$repo"
if [ "${1:-}" = --ha ]; then
  shift
  exec "$here/run-ha.sh" "$@"
fi
# shellcheck source=deploy/local/run-lib.sh
source "$here/run-lib.sh"

pidfile="$state/controller.pid"
public_port="${MESH_SERVER_PUBLIC_PORT:-8080}"
admin_port="${MESH_SERVER_ADMIN_PORT:-8081}"
public="http://127.0.0.1:$public_port"
admin="http://127.0.0.1:$admin_port"
admin_token_file="$state/admin-token"
webhook_key_file="$state/webhook-key"

stop_controller() { stop_pidfile "$pidfile"; }

case "${1:-start}" in
  stop)
    stop_controller
    # Replicas and haproxy of `run.sh --ha`, if that is what runs.
    if ls "$state"/ha-*.pid >/dev/null 2>&1; then "$here/run-ha.sh" stop-processes; fi
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

build_and_start_stack  # run-lib.sh: sets `bin`, exports the stack's env

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

post_demo_events "$public" "$api_key"
wait_for_demo_catalog "$state/controller.log" || exit 1

# A task of each kind for `explain`: one registered, one outside the mesh by its tag. Wait (bounded)
# until the controller says so of these two tasks: the catalog above shows a service once any one
# of its tasks is registered, and the batch task's tags are read by its own work key.
web_task="$(demo_task_id "$(ls "$events"/web-*-2-running.json | head -1)")"
batch_task="$(demo_task_id "$(ls "$events"/batch-*-2-running.json | head -1)")"
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
