#!/usr/bin/env python3
"""Checks deploy/monitoring against the metrics the controller exports:
  - alerts.yaml: `promtool check rules` when promtool is installed (deploy/local/deps.sh unpacks it
    into .local/prometheus), otherwise a parser check (YAML, groups, alert/expr/for/labels present);
  - alerts.yaml and grafana-dashboard.json reference only metric names that exist: `mesh_*` string
    literals in Sources/ (histograms add _bucket, _sum and _count), plus Prometheus's own `up`.

Usage: deploy/checks/monitoring_check.py   (exit 1 on any problem)
"""
import json
import pathlib
import re
import shutil
import subprocess
import sys

import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
MONITORING = REPO / "deploy" / "monitoring"
METRIC = re.compile(r"\b(mesh_[a-z0-9_]+)\b")


def exported_metrics():
    names = set()
    for path in (REPO / "Sources").glob("**/*.swift"):
        names.update(re.findall(r'"(mesh_[a-z0-9_]+)"', path.read_text(encoding="utf-8")))
    return names


def allowed(names):
    return names | {n + suffix for n in names for suffix in ("_bucket", "_sum", "_count")}


def check_rules(problems, known):
    path = MONITORING / "alerts.yaml"
    promtool = REPO / ".local" / "prometheus" / "usr" / "bin" / "promtool"
    tool = str(promtool) if promtool.exists() else shutil.which("promtool")
    if tool:
        result = subprocess.run([tool, "check", "rules", str(path)], capture_output=True, text=True)
        if result.returncode != 0:
            problems.append(f"promtool check rules: {result.stdout}{result.stderr}")
        how = "promtool"
    else:
        how = "parser (promtool not installed)"
    document = yaml.safe_load(path.read_text())
    rules = [rule for group in document.get("groups", []) for rule in group.get("rules", [])]
    if not rules:
        problems.append("alerts.yaml has no rules")
    for rule in rules:
        name = rule.get("alert", "?")
        for field in ("alert", "expr", "for", "labels", "annotations"):
            if field not in rule:
                problems.append(f"alert {name}: no {field}")
        if "severity" not in rule.get("labels", {}):
            problems.append(f"alert {name}: no severity label")
        for metric in METRIC.findall(str(rule.get("expr", ""))):
            if metric not in known:
                problems.append(f"alert {name}: unknown metric {metric}")
    return how, len(rules)


def check_dashboard(problems, known):
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    expressions = [target.get("expr", "") for panel in dashboard.get("panels", []) for target in panel.get("targets", [])]
    if not expressions:
        problems.append("the dashboard has no queries")
    for expression in expressions:
        for metric in METRIC.findall(expression):
            if metric not in known:
                problems.append(f"dashboard: unknown metric {metric} in {expression}")
    used = {m.rsplit("_bucket", 1)[0] for e in expressions for m in METRIC.findall(e)}
    return len(expressions), used


def main():
    problems = []
    exported = exported_metrics()
    known = allowed(exported)
    how, rules = check_rules(problems, known)
    queries, used = check_dashboard(problems, known)
    for problem in problems:
        print("monitoring:", problem, file=sys.stderr)
    print(f"monitoring: {rules} alert rules ({how}), {queries} dashboard queries, "
          f"{len(exported)} exported metrics, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
