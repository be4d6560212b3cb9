#!/usr/bin/env python3
"""What one write costs a Consul 1.8.7 agent as the synthetic node grows (docs/benchmarks.md).

Against a running agent (the stack's env: CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, CONSUL_PID), on a
node of its own: fills the node with services (with a check each) by transactions, and at each
size measures the wall time and the agent's CPU time (/proc/CONSUL_PID/stat) per call of
  - a sidecar proxy registration (PUT /v1/catalog/register, Kind connect-proxy, one check), with
    and without SkipNodeUpdate,
  - a transaction of 64 check updates (PUT /v1/txn, Check verb "set"),
  - a registration of one check alone (PUT /v1/catalog/register, SkipNodeUpdate).
With ACLs on, a catalog registration reads the whole node to vet the request, so its cost grows
with the node; a transaction vets each operation alone.

Usage: deploy/local/consul-write-cost.py [SIZE ...]   (default: 100 2000 10000 20000)
"""
import http.client
import json
import os
import sys
import time

ADDRESS = os.environ["CONSUL_HTTP_ADDR"].split("//", 1)[-1]
TOKEN = os.environ["CONSUL_HTTP_TOKEN"]
PID = int(os.environ["CONSUL_PID"])
CONNECTION = http.client.HTTPConnection(ADDRESS, timeout=120)
NODE = "write-cost-%d" % int(time.time())


def call(method, path, body=None):
    CONNECTION.request(method, path, body=None if body is None else json.dumps(body),
                       headers={"X-Consul-Token": TOKEN})
    response = CONNECTION.getresponse()
    data = response.read()
    if response.status >= 300:
        raise SystemExit("%s %s: %d %s" % (method, path, response.status, data[:300]))


def consul_cpu():
    with open("/proc/%d/stat" % PID) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def check(i, status):
    return {"Node": NODE, "CheckID": "svc-%d-app" % i, "Name": "app", "Status": status, "ServiceID": "svc-%d" % i,
            "Type": "consul-ecs-health-check"}


size = 1
probes = 0


def fill(target):
    global size
    while size < target:
        ops = []
        for i in range(size, min(target, size + 32)):
            ops.append({"Service": {"Verb": "set", "Node": NODE, "Service": {
                "ID": "svc-%d" % i, "Service": "svc-%d" % (i % 50), "Address": "10.0.0.2", "Port": 8080,
                "Meta": {"task-id": str(i)}}}})
            ops.append({"Check": {"Verb": "set", "Check": check(i, "critical")}})
        call("PUT", "/v1/txn", ops)
        size += len(ops) // 2


def proxy(_, skip=True):
    global probes
    probes += 1
    sid = "p-%d-sidecar-proxy" % probes
    call("PUT", "/v1/catalog/register", {
        "Node": NODE, "Address": "10.0.0.1", "SkipNodeUpdate": skip,
        "Service": {"ID": sid, "Service": "p-sidecar-proxy", "Kind": "connect-proxy", "Port": 20000,
                    "Address": "10.0.0.3", "Proxy": {"DestinationServiceName": "p", "DestinationServiceID": "p-%d" % probes,
                                                     "LocalServiceAddress": "127.0.0.1", "LocalServicePort": 8080}},
        "Checks": [{"CheckID": sid + "-app", "Name": "app", "Status": "passing", "ServiceID": sid}]})


def checks_txn(k):
    call("PUT", "/v1/txn", [{"Check": {"Verb": "set", "Check": check((k * 64 + j) % (size - 1) + 1,
                                                                      "passing" if k % 2 else "critical")}}
                            for j in range(64)])


def one_check(k):
    call("PUT", "/v1/catalog/register", {"Node": NODE, "Address": "10.0.0.1", "SkipNodeUpdate": True,
                                         "Checks": [check(k % (size - 1) + 1, "passing" if k % 2 else "warning")]})


def timed(label, fn, calls):
    cpu, start = consul_cpu(), time.monotonic()
    for k in range(calls):
        fn(k)
    wall, used = time.monotonic() - start, consul_cpu() - cpu
    print("| %d | %s | %.2f ms | %.2f ms |" % (size, label, wall / calls * 1000, used / calls * 1000), flush=True)


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [100, 2000, 10000, 20000]
    call("PUT", "/v1/catalog/register", {"Node": NODE, "Address": "10.0.0.1", "NodeMeta": {"synthetic-node": "true"},
                                         "Service": {"ID": "svc-0", "Service": "svc-0", "Port": 1}})
    print("| services on the node | call | wall per call | Consul CPU per call |")
    print("|---:|---|---:|---:|")
    for target in sizes:
        fill(target)
        timed("proxy registration, SkipNodeUpdate", proxy, 40)
        timed("proxy registration, node rewritten", lambda k: proxy(k, skip=False), 40)
        timed("transaction of 64 check updates", checks_txn, 20)
        timed("registration of one check, SkipNodeUpdate", one_check, 40)
    call("PUT", "/v1/catalog/deregister", {"Node": NODE})


if __name__ == "__main__":
    main()
