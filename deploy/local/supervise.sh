#!/usr/bin/env bash
# Keeps one process running, as ECS keeps a service's tasks: starts COMMAND, and when it exits (a
# crash, a SIGKILL) starts it again after a second. SIGTERM stops the process (TERM, KILL after
# 10 s) and then the supervisor. A stopped (SIGSTOP) process is not an exit: it stays as it is.
#
# Usage: deploy/local/supervise.sh PIDFILE LOGFILE COMMAND [ARG...]
#   PIDFILE  holds the pid of the running COMMAND, rewritten at each start (removed at the end)
#   LOGFILE  COMMAND's stdout and stderr, appended, with a line at each restart
set -uo pipefail

[[ $# -ge 3 ]] || { echo "usage: $0 PIDFILE LOGFILE COMMAND [ARG...]" >&2; exit 2; }
pidfile="$1" logfile="$2"
shift 2
child=""

stop() {
  if [[ -n "$child" ]] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null
    kill -CONT "$child" 2>/dev/null # a stopped process handles TERM only once it runs again
    for _ in $(seq 1 100); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$child" 2>/dev/null
  fi
  rm -f "$pidfile"
  exit 0
}
trap stop TERM INT

while true; do
  "$@" >>"$logfile" 2>&1 </dev/null &
  child=$!
  printf '%s\n' "$child" >"$pidfile"
  wait "$child"
  status=$?
  printf 'supervise: %s exited with status %s; starting it again in 1 s\n' "$1" "$status" >>"$logfile"
  sleep 1
done
