#!/usr/bin/env python3
"""Where Consul's CPU went, from its CPU profiles (pprof files, read together as one profile).

Prints one line naming the share of Consul's CPU samples in each part that matters for a
deployment storm on one synthetic node (Consul 1.8.7), by cumulative time:
- catalog registrations (`PUT /v1/catalog/register`) and, inside them, the read of every service on
  the node that Consul does to vet each registration against the ACL token (`Store.NodeServices`);
- catalog transactions (`PUT /v1/txn`);
- applying the writes (the Raft FSM);
- the garbage collector's background marking (its assists run inside the other parts);
- encoding JSON answers (a dev agent indents every answer);
- the benchmark's own watcher (`/v1/health/state/...`).
It needs the Go toolchain (`go tool pprof`); without it, it says how to read the files elsewhere.

Usage: deploy/local/consul-profile.py LABEL FILE...
"""
import os
import re
import shutil
import subprocess
import sys

# (label, function as `go tool pprof` names it in Consul 1.8.7)
PARTS = [
    ("catalog registrations", "agent.(*HTTPServer).CatalogRegister"),
    ("of them the node read to vet each one", "state.(*Store).NodeServices"),
    ("transactions", "agent.(*HTTPServer).Txn"),
    ("Raft FSM apply", "fsm.(*FSM).Apply"),
    ("garbage collector's marking", "runtime.gcBgMarkWorker"),
    ("JSON answers", "agent.(*HTTPServer).marshalJSON"),
    ("the watcher's queries", "agent.(*HTTPServer).HealthChecksInState"),
]


def main():
    label, files = sys.argv[1], [f for f in sys.argv[2:] if os.path.isfile(f)]
    if not files:  # an unmatched shell glob arrives as itself
        print(f"{label}: no profile was saved (does Consul serve /debug/pprof? see storm.py's log)")
        return
    pattern = " ".join(files) if len(files) <= 3 else f"{files[0].rsplit('-', 1)[0]}-*.pprof"
    if shutil.which("go") is None:
        print(f"{label}: {len(files)} one-second profiles in {pattern} (read them with `go tool pprof -top -cum`)")
        return
    top = subprocess.run(["go", "tool", "pprof", "-top", "-cum", "-nodecount=100000", "-nodefraction=0", *files],
                         capture_output=True, text=True, check=True).stdout
    total = re.search(r"Total samples = ([0-9.]+)(m?s)", top)
    seconds = float(total.group(1)) / (1000 if total.group(2) == "ms" else 1) if total else 0.0
    shares = []
    for name, function in PARTS:
        # Columns: flat flat% sum% cum cum% name; a function missing from the profile took no samples.
        line = next((l for l in top.splitlines() if l.rstrip().endswith(function)), None)
        share = line.split()[4] if line else "0%"
        shares.append(f"{name} {share}")
    print(f"{label}: {seconds:.1f} CPU s sampled in {len(files)} one-second profiles ({pattern}); "
          + ", ".join(shares))


if __name__ == "__main__":
    main()
