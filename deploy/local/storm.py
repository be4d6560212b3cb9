#!/usr/bin/env python3
"""The deployment storm of deploy/local/bench-storm.sh: makes the tasks in moto, pre-warms the
services, posts every RUNNING event at once and waits until the last instance passes in Consul.

1. moto: cluster `storm`, SERVICES task definitions `storm-svc-NN` and, per service, one pre-warm
   task plus TASKS/SERVICES storm tasks (RunTask, tagged `consul.hashicorp.com/mesh=true`);
2. pre-warm: one RUNNING event per service, then wait until those instances pass in Consul and
   the controller's work has settled (GET /v1/status: no key pending, running or in flight). An
   instance passes before its service's token exists (registration does not wait for tokens), so
   without the second wait the 50 token provisionings (Consul ACL writes, Secrets Manager calls)
   ran during the storm, which the storm's definition excludes;
3. storm: every storm task's RUNNING event, one per request, POSTed at once from CONNECTIONS threads
   (each with its own keep-alive connection); t0 = the last event's 2xx;
4. converge: blocking queries on /v1/health/state/any (25 ms apart, so that the watcher does not
   load Consul itself) until every storm instance has checks and all of them pass; the seconds from
   t0 to that answer are the convergence time.
Around the storm it reads Consul's raft log index (/v1/agent/self, Stats.raft.last_log_index: every
write to Consul is one entry) and the controller's /metrics (time in AWS calls, in Consul calls, in
work attempts). Prints one JSON object on stdout; the shell script turns it into the table.

Usage: storm.py TASKS SERVICES CONNECTIONS PUBLIC_URL ADMIN_URL
Env:   AWS_ENDPOINT_URL, CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN (the stack's env), BENCH_WEBHOOK_KEY,
       BENCH_ADMIN_TOKEN, BENCH_PIDS ("controller=PID consul=PID moto=PID": their CPU seconds across
       the storm, from /proc/PID/stat; this script's own, the load generator's, is added as "driver"),
       BENCH_CONSUL_PROFILE_DIR (optional: Consul's CPU profiles of the storm go there, see
       ConsulProfiler; Consul must serve /debug/pprof)
"""
import concurrent.futures
import http.client
import json
import math
import os
import re
import sys
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_tasks import client, event, network  # noqa: E402  (one home for moto tasks and event shapes)

CONSUL = os.environ["CONSUL_HTTP_ADDR"]
CONSUL_TOKEN = os.environ.get("CONSUL_HTTP_TOKEN", "")


def log(message):
    print(message, file=sys.stderr, flush=True)


def make_tasks(tasks, services):
    """{service: [moto task, ...]}: the first task of each service is its pre-warm task."""
    ec2, ecs = client("ec2"), client("ecs")
    subnet, group = network(ec2)
    cluster = ecs.create_cluster(clusterName="storm")["cluster"]["clusterArn"]
    per_service = 1 + tasks // services
    made = {}
    for s in range(services):
        family = "storm-svc-%02d" % s
        definition = ecs.register_task_definition(
            family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
            containerDefinitions=[{"name": "app", "image": family + ":1", "memory": 128, "essential": True,
                                   "portMappings": [{"containerPort": 8080, "protocol": "tcp"}]}],
        )["taskDefinition"]["taskDefinitionArn"]
        made[family] = []
        while len(made[family]) < per_service:
            made[family] += ecs.run_task(
                cluster=cluster, taskDefinition=definition, launchType="FARGATE",
                count=min(10, per_service - len(made[family])),  # RunTask's own limit
                networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
                tags=[{"key": "consul.hashicorp.com/mesh", "value": "true"}],
            )["tasks"]
    return made


def instance_id(family, task):
    return "%s-%s" % (family, task["taskArn"].rsplit("/", 1)[-1])


def post_all(url, bodies, connections):
    """POSTs every body (one event each) from `connections` threads; returns (first send, last 2xx,
    non-2xx, {body index: its 2xx time}, [2xx latency of each request])."""
    parts = urllib.parse.urlsplit(url)
    key = os.environ["BENCH_WEBHOOK_KEY"]
    local = threading.local()
    lock = threading.Lock()
    result = {"last": 0.0, "bad": 0, "acked": {}, "latencies": []}

    def post(indexed):
        index, body = indexed
        sent = time.monotonic()
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        local.connection.request("POST", "/v1/events", body=body,
                                 headers={"Content-Type": "application/json", "x-api-key": key})
        response = local.connection.getresponse()
        response.read()
        done = time.monotonic()
        with lock:
            if 200 <= response.status < 300:
                result["last"] = max(result["last"], done)
                result["acked"][index] = done
                result["latencies"].append(done - sent)
            else:
                result["bad"] += 1

    first = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(connections) as pool:
        list(pool.map(post, enumerate(bodies)))
    return first, result["last"], result["bad"], result["acked"], result["latencies"]


def percentiles(samples):
    """{p50, p90, p99, p99.9, max} of `samples` in milliseconds (nearest rank)."""
    ordered = sorted(samples)
    if not ordered:
        return {}

    def rank(p):
        return ordered[max(0, math.ceil(p * len(ordered)) - 1)] * 1000

    return {"p50": rank(0.5), "p90": rank(0.9), "p99": rank(0.99), "p99.9": rank(0.999), "max": ordered[-1] * 1000}


def consul_open(path):
    """An answered GET of `path` from Consul with the stack's token (the caller closes it)."""
    request = urllib.request.Request(CONSUL + path, headers={"X-Consul-Token": CONSUL_TOKEN})
    # Generous: a blocking query waits up to 10 s, and listing tens of thousands of checks from a
    # Consul that is busy with writes takes seconds more.
    return urllib.request.urlopen(request, timeout=120)


def consul_get(path, index=None):
    """(X-Consul-Index, JSON body) of a Consul GET; a blocking query when `index` is given."""
    if index is not None:
        path += ("&" if "?" in path else "?") + "index=%d&wait=10s" % index
    with consul_open(path) as response:
        return int(response.headers.get("X-Consul-Index", "0")), json.load(response)


# Pause between two blocking queries. Each answer lists every check in the catalog (thousands), and
# Consul answers a blocking query at every write: without a pause, the watcher alone would keep
# Consul's two cores busy serialising check lists during a storm of writes, and measure itself.
WATCH_PAUSE_SECONDS = 0.025


def wait_passing(ids, deadline_seconds, first_seen=None, registered_only=False, pause=WATCH_PAUSE_SECONDS):
    """Blocks until every instance in `ids` has checks, all passing (or, with `registered_only`, of
    any status); returns the time it saw that. Records in `first_seen` (if given) when each instance
    was first seen so (to within `pause` plus one answer)."""
    index, deadline, reported, done = None, time.monotonic() + deadline_seconds, -1, 0
    word = "registered" if registered_only else "passing"
    while time.monotonic() < deadline:
        if index is not None:
            time.sleep(pause)
        index, checks = consul_get("/v1/health/state/any", index)
        seen = time.monotonic()
        status = {}
        for check in checks:
            if check.get("ServiceID") in ids:
                ok = registered_only or check["Status"] == "passing"
                status[check["ServiceID"]] = status.get(check["ServiceID"], True) and ok
        done = sum(1 for ok in status.values() if ok)
        if first_seen is not None:
            for service_id, ok in status.items():
                if ok:
                    first_seen.setdefault(service_id, seen)
        if done == len(ids):
            return seen
        if done != reported:
            log("  %d of %d instances %s" % (done, len(ids), word))
            reported = done
    raise SystemExit("only %d of %d instances %s within %d s" % (done, len(ids), word, deadline_seconds))


def wait_none_critical(ids, deadline_seconds, pause=WATCH_PAUSE_SECONDS):
    """Blocks until no instance in `ids` has a critical check; returns the time it saw that. For
    instances known to be registered: then all their checks pass (nothing plans `warning`). Watches
    /v1/health/state/critical, whose answers shrink as instances pass, so the watcher loads Consul
    far less than listing every check would."""
    index, deadline, reported, left = None, time.monotonic() + deadline_seconds, -1, len(ids)
    while time.monotonic() < deadline:
        if index is not None:
            time.sleep(pause)
        index, checks = consul_get("/v1/health/state/critical", index)
        seen = time.monotonic()
        left = len({check.get("ServiceID") for check in checks} & ids)
        if left == 0:
            return seen
        if left != reported:
            log("  %d of %d instances passing" % (len(ids) - left, len(ids)))
            reported = left
    raise SystemExit("%d of %d instances still critical after %d s" % (left, len(ids), deadline_seconds))


class ConsulProfiler:
    """Consecutive one-second CPU profiles of Consul (`/debug/pprof/profile`, which needs the stack's
    STACK_CONSUL_DEBUG=1) from start() until stop(), saved as DIR/consul-storm-TASKS-NNN.pprof:
    `go tool pprof` reads them together as one profile of the whole storm, whatever its length."""

    def __init__(self, directory, tasks):
        self.directory, self.tasks, self.saved = directory, tasks, 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self):
        os.makedirs(self.directory, exist_ok=True)
        self.thread.start()

    def run(self):
        while not self.stopping.is_set():
            try:
                with consul_open("/debug/pprof/profile?seconds=1") as response:
                    profile = response.read()
            except OSError as error:  # e.g. 404: this Consul does not serve /debug/pprof
                log("  Consul CPU profile not taken: %s" % error)
                return
            self.saved += 1
            path = os.path.join(self.directory, "consul-storm-%d-%03d.pprof" % (self.tasks, self.saved))
            with open(path, "wb") as out:
                out.write(profile)

    def stop(self):
        """Returns after the profile in progress (at most a second more) is saved."""
        self.stopping.set()
        self.thread.join()


def wait_work_idle(admin_url, deadline_seconds):
    """Blocks until the controller has no work key pending or running and none in flight: after the
    pre-warm, its services' tokens then exist (ACL token in Consul, secret in Secrets Manager), as
    the storm's definition asks, rather than being provisioned during the storm."""
    request = urllib.request.Request(admin_url + "/v1/status",
                                     headers={"Authorization": "Bearer " + os.environ["BENCH_ADMIN_TOKEN"]})
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        work = json.load(urllib.request.urlopen(request, timeout=30))["work"]
        busy = work["keys"].get("pending", 0) + work["keys"].get("running", 0) + work.get("inFlight", 0)
        if busy == 0:
            return work
        time.sleep(0.05)
    raise SystemExit("the controller's work did not settle within %d s" % deadline_seconds)


def cpu_seconds():
    """{name: user + system CPU seconds} of the processes named in BENCH_PIDS ("name=pid ...")."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    # This script itself is the load generator (the events' senders and the Consul watcher).
    for pair in (os.environ.get("BENCH_PIDS", "") + " driver=%d" % os.getpid()).split():
        name, _, pid = pair.partition("=")
        try:
            with open("/proc/%s/stat" % pid) as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            found[name] = (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            pass
    return found


def raft_index():
    _, agent = consul_get("/v1/agent/self")
    return int(agent["Stats"]["raft"]["last_log_index"])


def metric_sums(admin_url):
    """{metric: summed value} of the *_sum and *_count series the storm is measured by."""
    request = urllib.request.Request(admin_url + "/metrics",
                                     headers={"Authorization": "Bearer " + os.environ["BENCH_ADMIN_TOKEN"]})
    text = urllib.request.urlopen(request, timeout=30).read().decode()
    wanted = re.compile(r"^(mesh_(?:aws|consul)_request_duration_seconds|mesh_work_attempt_duration_seconds)"
                        r"_(sum|count)(?:\{[^}]*\})? ([0-9.eE+-]+)$")
    sums = {}
    for line in text.splitlines():
        match = wanted.match(line)
        if match:
            name = match.group(1) + "_" + match.group(2)
            sums[name] = sums.get(name, 0.0) + float(match.group(3))
    return sums


def main():
    tasks, services, connections = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    public_url, admin_url = sys.argv[4], sys.argv[5]
    log("making %d + %d tasks of %d services in moto..." % (tasks, services, services))
    made = make_tasks(tasks, services)

    def bodies(pairs):
        return [json.dumps(event(task, family, 2, "RUNNING")).encode() for family, task in pairs]

    prewarm = [(family, ts[0]) for family, ts in made.items()]
    storm = [(family, t) for i in range(1 + tasks // services) for family, ts in made.items()
             for t in ts[1 + i:2 + i]][:tasks]  # interleaved: a wave across every service
    log("pre-warm: one task per service...")
    post_all(public_url, bodies(prewarm), connections)
    wait_passing({instance_id(f, t) for f, t in prewarm}, 600)
    log("pre-warm: waiting for the services' tokens (the controller's work to settle)...")
    log("  work keys: %s" % wait_work_idle(admin_url, 600)["keys"])

    storm_bodies, storm_ids = bodies(storm), {instance_id(f, t) for f, t in storm}
    raft_before, metrics_before, cpu_before = raft_index(), metric_sums(admin_url), cpu_seconds()
    log("storm: %d RUNNING events from %d connections..." % (len(storm_bodies), connections))
    first_seen = {}
    profiler = None
    if os.environ.get("BENCH_CONSUL_PROFILE_DIR"):
        profiler = ConsulProfiler(os.environ["BENCH_CONSUL_PROFILE_DIR"], len(storm_ids))
        profiler.start()
    watching = concurrent.futures.ThreadPoolExecutor(1).submit(wait_passing, storm_ids, 1800, first_seen)
    first, last_ack, bad, acked, ack_latencies = post_all(public_url, storm_bodies, connections)
    passed = watching.result()
    if profiler:
        profiler.stop()
    # Each task's own latency: its RUNNING event's 2xx to its instance first seen passing.
    latencies = [max(0.0, first_seen[instance_id(f, t)] - acked[i]) for i, (f, t) in enumerate(storm)
                 if i in acked and instance_id(f, t) in first_seen]
    raft_after, metrics_after, cpu_after = raft_index(), metric_sums(admin_url), cpu_seconds()
    delta = {k: metrics_after.get(k, 0.0) - metrics_before.get(k, 0.0) for k in metrics_after}
    print(json.dumps({
        "tasks": len(storm_ids), "services": services, "connections": connections, "non_2xx": bad,
        "post_seconds": last_ack - first, "converge_seconds": passed - last_ack, "end_to_end_seconds": passed - first,
        "raft_before": raft_before, "raft_after": raft_after,
        "aws_seconds": delta.get("mesh_aws_request_duration_seconds_sum", 0.0),
        "aws_calls": delta.get("mesh_aws_request_duration_seconds_count", 0.0),
        "consul_seconds": delta.get("mesh_consul_request_duration_seconds_sum", 0.0),
        "consul_calls": delta.get("mesh_consul_request_duration_seconds_count", 0.0),
        "work_seconds": delta.get("mesh_work_attempt_duration_seconds_sum", 0.0),
        "work_attempts": delta.get("mesh_work_attempt_duration_seconds_count", 0.0),
        "cpu_seconds": {name: cpu_after[name] - cpu_before.get(name, 0.0) for name in cpu_after},
        "task_latency_ms": percentiles(latencies), "ack_latency_ms": percentiles(ack_latencies),
        "passing_curve": passing_curve(first_seen.values(), first),
    }))


def passing_curve(seen_times, start):
    """[[seconds since the first POST, instances passing], ...] at each change (at most 200 points)."""
    times = sorted(t - start for t in seen_times)
    step = max(1, len(times) // 200)
    points = [[round(t, 3), i + 1] for i, t in enumerate(times) if i % step == 0 or i == len(times) - 1]
    return [[0.0, 0]] + points


if __name__ == "__main__":
    main()
