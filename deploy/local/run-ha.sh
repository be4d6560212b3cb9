#!/usr/bin/env bash
# `deploy/local/run.sh --ha`: the high-availability sandbox on loopback.
#   - PostgreSQL 15 (Debian's package; stack.sh's cluster, made once in the git-ignored .local/postgres
#     and run as the `postgres` user), Consul 1.8.7 and moto, as for run.sh;
#   - three controller replicas on that PostgreSQL journal (journal.backend=postgres), each kept
#     running by deploy/local/supervise.sh as ECS keeps a service's tasks (kill one, it comes back);
#   - haproxy (Debian) in front as the ALB stand-in (deploy/local/haproxy-alb.sh: health check
#     /readyz, round robin);
#   - the demo tasks of run.sh, their events posted through haproxy, registered in Consul.
# Prints the curl lines that show the leader (each replica's /v1/status), and how to stop.
#
# Usage: deploy/local/run.sh --ha [start|stop|status]   (default: start)
# Env:   BUILD_CONFIGURATION=debug|release (default release), MESH_SERVER_PUBLIC_PORT (haproxy,
#        default 8080), HA_REPLICA_BASE_PORT (default 18090: replica i listens on base+2(i-1), its
#        admin listener on the port after), HA_STATS_PORT (haproxy's stats page, default 8404),
#        CONSUL_PORT / MOTO_PORT / PG_PORT (stack.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
state="$here/.state"
cd "$repo"
# shellcheck source=deploy/local/run-lib.sh
source "$here/run-lib.sh"

readonly REPLICAS=3
lb_port="${MESH_SERVER_PUBLIC_PORT:-8080}"
stats_port="${HA_STATS_PORT:-8404}"
base_port="${HA_REPLICA_BASE_PORT:-18090}"
admin_token_file="$state/admin-token"
webhook_key_file="$state/webhook-key"
haproxy_pidfile="$state/ha-haproxy.pid"

public_port() { echo $((base_port + 2 * ($1 - 1))); }
admin_port() { echo $((base_port + 2 * ($1 - 1) + 1)); }
replica_pidfile() { echo "$state/ha-replica-$1.pid"; }
supervisor_pidfile() { echo "$state/ha-replica-$1.supervisor.pid"; }
replica_log() { echo "$state/ha-replica-$1.log"; }

# replica_status I: "role leaderId epoch" from replica I's /v1/status, or "down".
replica_status() {
  curl -fs --max-time 2 -H "Authorization: Bearer $(cat "$admin_token_file")" \
    "http://127.0.0.1:$(admin_port "$1")/v1/status" 2>/dev/null |
    python3 -c 'import json,sys; s=json.load(sys.stdin); print(s.get("role","?"), s.get("leaderId") or "-", s.get("epoch","-"))' 2>/dev/null ||
    echo down
}

stop_processes() {
  local i
  stop_pidfile "$haproxy_pidfile"
  for i in $(seq 1 "$REPLICAS"); do
    stop_pidfile "$(supervisor_pidfile "$i")"
    stop_pidfile "$(replica_pidfile "$i")"
  done
}

show_status() {
  local i pid
  for i in $(seq 1 "$REPLICAS"); do
    pid="$(cat "$(replica_pidfile "$i")" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      echo "replica-$i: pid $pid, public :$(public_port "$i"), admin :$(admin_port "$i"), $(replica_status "$i" | awk '{print "role " $1 ", leader " $2 ", epoch " $3}')"
    else
      echo "replica-$i: not running"
    fi
  done
  if [ -f "$haproxy_pidfile" ] && kill -0 "$(cat "$haproxy_pidfile")" 2>/dev/null; then
    echo "haproxy: pid $(cat "$haproxy_pidfile") on :$lb_port (stats http://127.0.0.1:$stats_port/)"
  else
    echo "haproxy: not running"
  fi
}

case "${1:-start}" in
  stop)
    stop_processes
    "$here/stack.sh" stop
    echo "HA sandbox stopped"
    exit 0
    ;;
  stop-processes) stop_processes; exit 0 ;; # replicas and haproxy only (run.sh stop)
  status)
    show_status
    "$here/stack.sh" status || true
    exit 0
    ;;
  start) ;;
  *) echo "usage: deploy/local/run.sh --ha [start|stop|status]" >&2; exit 2 ;;
esac

build_and_start_stack  # run-lib.sh: sets `bin`, exports the stack's env

stop_processes
mkdir -p "$state"
ensure_secret "$admin_token_file"
ensure_secret "$webhook_key_file"
api_key="$(cat "$webhook_key_file")"

# Every replica: the sample configuration, its own ports and name, the shared PostgreSQL journal.
# replica_settings I: sets `settings`, replica I's VAR=VALUE list. No ha.replicaId: each process
# (a restart too) gets its own (host name + random suffix), so a restarted leader is a new candidate
# in a new epoch, as a replacement ECS task is.
replica_settings() {
  settings=(MESH_SERVER_PUBLIC_PORT="$(public_port "$1")" MESH_SERVER_ADMIN_PORT="$(admin_port "$1")"
    MESH_JOURNAL_BACKEND=postgres MESH_JOURNAL_POSTGRES_URL="$MESH_TEST_POSTGRES_URL"
    MESH_ADMIN_TOKEN_FILE="$admin_token_file" MESH_WEBHOOK_API_KEY="$api_key")
}
replica_settings 1
env "${settings[@]}" "$bin" check-config --config "$here/controller.yaml" >/dev/null
for i in $(seq 1 "$REPLICAS"); do
  : >"$(replica_log "$i")"
  replica_settings "$i"
  # A simple command in the background: $! is the supervisor itself (env, setsid and nohup exec it).
  env "${settings[@]}" setsid nohup "$here/supervise.sh" "$(replica_pidfile "$i")" "$(replica_log "$i")" \
    "$bin" serve --config "$here/controller.yaml" </dev/null >/dev/null 2>&1 &
  echo $! >"$(supervisor_pidfile "$i")"
done
for i in $(seq 1 "$REPLICAS"); do
  wait_for http_ok "http://127.0.0.1:$(public_port "$i")/healthz" ||
    { echo "replica-$i did not start:"; tail -20 "$(replica_log "$i")"; stop_processes; exit 1; }
done

public_ports=()
for i in $(seq 1 "$REPLICAS"); do public_ports+=("$(public_port "$i")"); done
HAPROXY_STATS_PORT="$stats_port" "$here/haproxy-alb.sh" "$lb_port" "${public_ports[@]}" >"$state/haproxy.cfg"
setsid nohup haproxy -f "$state/haproxy.cfg" -db </dev/null >"$state/haproxy.log" 2>&1 &
echo $! >"$haproxy_pidfile"
# haproxy forwards once a replica passed two health checks (/readyz) in a row.
wait_for http_ok "http://127.0.0.1:$lb_port/readyz" ||
  { echo "haproxy did not forward to a ready replica:"; tail -20 "$state/haproxy.log"; stop_processes; exit 1; }

# Exactly one leader, elected through PostgreSQL (bounded wait: a lease is seconds long).
leader=""
single_leader() {
  local i leaders=()
  for i in $(seq 1 "$REPLICAS"); do
    [ "$(replica_status "$i" | cut -d' ' -f1)" = leader ] && leaders+=("$i")
  done
  [ "${#leaders[@]}" -eq 1 ] && leader="${leaders[0]}"
}
wait_for single_leader || { echo "no single leader among the replicas within $wait_seconds s:"; show_status; exit 1; }

logs=()
for i in $(seq 1 "$REPLICAS"); do logs+=("$(replica_log "$i")"); done
post_demo_events "http://127.0.0.1:$lb_port" "$api_key"
wait_for_demo_catalog "${logs[@]}" || exit 1

echo
echo "Three controller replicas run on one PostgreSQL journal, behind haproxy (the ALB stand-in):"
show_status | sed 's/^/  /'
echo "  PostgreSQL 15: 127.0.0.1:$PG_PORT (cluster in .local/postgres/, run as the postgres user)"
echo "  logs: $state/ha-replica-N.log, $state/haproxy.log"
echo
echo "Who leads: each replica's /v1/status (role, leaderId, epoch, replicas):"
for i in $(seq 1 "$REPLICAS"); do
  echo "  curl -s -H \"Authorization: Bearer \$(cat $admin_token_file)\" 'http://127.0.0.1:$(admin_port "$i")/v1/status?pretty'"
done
cat <<MSG

An event through haproxy (any replica accepts it; the leader does the work):
  curl -s -H 'Content-Type: application/json' -H "x-api-key: \$(cat $webhook_key_file)" --data-binary @${event_files[-1]} http://127.0.0.1:$lb_port/v1/events

A failover: kill the leader (replica-$leader now); another takes over within the lease, and the
supervisor starts the killed one again, as a follower:
  kill -9 \$(cat $(replica_pidfile "$leader"))
  deploy/local/run.sh --ha status

Stop everything with: deploy/local/run.sh --ha stop
MSG
