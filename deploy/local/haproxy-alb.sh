#!/usr/bin/env bash
# Prints an haproxy (Debian's 2.6) configuration that stands in for the ALB in front of controller
# replicas on loopback: HTTP on LISTEN_PORT, round robin over the replicas' public ports, a target
# gets traffic only while `GET /readyz` answers 200 (checked every second, out after 2 failures,
# back after 2 passes). Like the ALB it does not retry a request on another target: the client
# (EventBridge) retries 5xx and timeouts. A stopped (SIGSTOPped) replica still completes TCP
# handshakes, so a request to it times out (504 after 10 s) until its health check takes it out.
#
# Usage: deploy/local/haproxy-alb.sh LISTEN_PORT REPLICA_PORT... > haproxy.cfg
#        haproxy -f haproxy.cfg -db     (foreground; stop with SIGTERM)
# Env:   HAPROXY_STATS_PORT  also serve haproxy's stats page on 127.0.0.1:<port>/ (for people).
# Used by deploy/local/run.sh --ha and the failover test (Tests/IntegrationTests/HA).
set -euo pipefail

die() { printf 'haproxy-alb: error: %s\n' "$*" >&2; exit 1; }
[[ $# -ge 2 ]] || die "usage: $0 LISTEN_PORT REPLICA_PORT..."
for port in "$@" ${HAPROXY_STATS_PORT:+"$HAPROXY_STATS_PORT"}; do
  [[ "$port" =~ ^[0-9]+$ ]] && ((port > 0 && port < 65536)) || die "not a port: '$port'"
done
listen_port="$1"
shift

cat <<CFG
# Written by deploy/local/haproxy-alb.sh: the ALB stand-in in front of the controller replicas.
global
  maxconn 4096
  log stderr format raw local0 notice

defaults
  mode http
  log global
  option httplog
  option dontlog-normal
  timeout connect 1s
  timeout client 60s
  timeout server 10s
  timeout http-request 10s
  timeout check 1s
  retries 0

frontend alb
  bind 127.0.0.1:$listen_port
  default_backend replicas

backend replicas
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 1s fall 2 rise 2
CFG
index=1
for port in "$@"; do
  printf '  server replica%d 127.0.0.1:%s check\n' "$index" "$port"
  index=$((index + 1))
done
if [[ -n "${HAPROXY_STATS_PORT:-}" ]]; then
  printf '\nlisten stats\n  bind 127.0.0.1:%s\n  stats enable\n  stats uri /\n  stats refresh 2s\n' "$HAPROXY_STATS_PORT"
fi
