#!/usr/bin/env python3
"""Draws the benchmark charts of docs/benchmarks.md from the benchmarks' own output.

Each file in docs/benchmarks/data/ is what a benchmark script prints: a first line naming the run
(date, machine, build) and a Markdown table. Save a new run's output there and run this script
again: it rewrites the PNGs next to it and prints, for each figure, the table to paste under it.

Needs matplotlib (`python3 -m pip install matplotlib`).
Usage: docs/benchmarks/make_charts.py
"""
import json
import pathlib
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data"
CONTROLLER, CEILING, OTHER = "#1f6feb", "#8c959f", "#d1242f"


def read(name, table=0):
    """(caption, header cells, rows of cells) of one benchmark output file's `table`-th table."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    caption = next(line.strip() for line in lines if line.strip())
    tables, current = [], []
    for line in lines + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in tables[table]]
    return caption, cells[0], [row for row in cells[2:]]


def curves(name):
    """{tasks: [[seconds, instances passing], ...]} from the `<!-- storm-curve N [...] -->` lines."""
    found = {}
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        match = re.match(r"<!-- storm-curve (\d+) (\[.*\]) -->", line.strip())
        if match:
            found[int(match.group(1))] = json.loads(match.group(2))
    return found


def milliseconds(text):
    """`428.00us`, `1.18ms`, `0.48 ms`, `589.9 ms`, `2.1s` → milliseconds."""
    match = re.match(r"([0-9.]+)\s*(us|ms|s)", text)
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def stamp(figure, caption):
    """The run's date and machine under every figure."""
    figure.text(0.01, 0.01, caption, fontsize=7, color="#57606a", wrap=True, va="bottom")


def save(figure, name, bottom=0.07):
    figure.tight_layout(rect=(0, bottom, 1, 1))
    figure.savefig(HERE / name, dpi=110)
    plt.close(figure)
    print(f"wrote docs/benchmarks/{name}")


def ingest_chart():
    caption, _, rows = read("ingest.md")
    connections = [row[0] for row in rows]
    ceiling = [float(row[1]) for row in rows]
    controller = [float(row[4]) for row in rows]
    figure, axis = plt.subplots(figsize=(8, 4.5))
    positions = range(len(connections))
    axis.bar([p - 0.2 for p in positions], ceiling, 0.4, label="C evhttp ceiling (answers 202, stores nothing)", color=CEILING)
    axis.bar([p + 0.2 for p in positions], controller, 0.4, label="controller (durable journal, fsync per batch)", color=CONTROLLER)
    for p, (c, m, row) in enumerate(zip(ceiling, controller, rows)):
        axis.annotate(row[8], (p + 0.2, m), ha="center", va="bottom", fontsize=9)
    axis.set_xticks(list(positions), [f"{c} connections" for c in connections])
    axis.set_ylabel("requests per second")
    axis.set_title("Ingest of ECS events against the C ceiling")
    axis.legend(fontsize=8)
    stamp(figure, caption)
    save(figure, "ingest.png")


PERCENTILES = ("p50", "p90", "p99", "p99.9", "max")


def latency_chart():
    """Latency distribution: p50 … max of event → passing in Consul, per scenario."""
    caption, header, rows = read("registration.md")
    storm_caption, storm_header, storm_rows = read("storm.md", table=1)
    figure, axis = plt.subplots(figsize=(8, 5))
    series = []
    for row in rows:
        label = "warm token (100 events/s)" if row[0].startswith("RUNNING after") else "new service, cold token (100 events/s)"
        series.append((label, [milliseconds(row[header.index(q)]) for q in PERCENTILES]))
    for row in storm_rows:
        series.append((row[0].replace("storm: ", "storm, ").replace(" new tasks", " tasks at once"),
                       [milliseconds(row[storm_header.index(q)]) for q in PERCENTILES]))
    colors = [CONTROLLER, "#54aeff", "#0a3069", "#8250df", "#bf8700"]
    for (label, values), color in zip(series, colors):
        axis.plot(range(len(PERCENTILES)), values, marker="o", color=color, label=label)
    axis.axhline(20, color=OTHER, linewidth=0.8, linestyle=":")
    axis.annotate("target: warm p99 < 20 ms", (0, 20), fontsize=8, color=OTHER, va="bottom")
    axis.axhline(10_000, color=CEILING, linewidth=0.8, linestyle=":")
    axis.annotate("consul-ecs's poll period (10 s)", (0, 10_000), fontsize=8, color=CEILING, va="bottom")
    axis.set_yscale("log")
    axis.set_xticks(range(len(PERCENTILES)), PERCENTILES)
    axis.set_xlabel("percentile")
    axis.set_ylabel("RUNNING event → passing in Consul (ms, log scale)")
    axis.set_title("Latency distribution: event to healthy instance in Consul")
    axis.legend(fontsize=8)
    stamp(figure, caption + "\n" + storm_caption)
    save(figure, "latency.png", bottom=0.12)


def convergence_chart():
    """Storm convergence: instances passing in Consul over time, from bench-storm.sh's output."""
    caption, header, rows = read("storm.md")
    figure, axis = plt.subplots(figsize=(8, 4.5))
    colors = [CONTROLLER, "#0a3069", "#54aeff"]
    for (tasks, points), color in zip(sorted(curves("storm.md").items()), colors):
        row = next((r for r in rows if r[0].startswith(f"storm: {tasks} ")), None)
        label = f"{tasks} tasks" + (f": converged {row[1]} after the last 2xx" if row else "")
        axis.plot([p[0] for p in points], [p[1] / tasks * 100 for p in points], color=color, label=label)
    axis.axvline(10, color=OTHER, linewidth=0.8, linestyle=":")
    axis.annotate("consul-ecs's poll period (10 s)", (10, 2), fontsize=8, color=OTHER, rotation=90, ha="right")
    axis.set_xlabel("seconds since the first RUNNING event was posted")
    axis.set_ylabel("storm instances passing in Consul (%)")
    axis.set_ylim(0, 105)
    axis.set_title("Deployment storm: new tasks of 50 warm services, RUNNING events at once")
    axis.legend(fontsize=8, loc="lower right")
    stamp(figure, caption)
    save(figure, "convergence.png")


def heartbeat_chart():
    caption, _, rows = read("heartbeats.md")
    figure, axis = plt.subplots(figsize=(8, 4.5))
    labels = [f"{row[0]}\n{row[1]} connections" for row in rows]
    bars = axis.bar(range(len(rows)), [float(row[2]) for row in rows], color=CONTROLLER)
    axis.bar_label(bars, labels=[f"{float(row[2]) / 1000:.0f}k/s\np99 {row[4]}" for row in rows], fontsize=8)
    axis.axhline(20_000, color=OTHER, linewidth=0.8, linestyle=":")
    axis.annotate("target: 20,000/s", (-0.4, 20_000), fontsize=8, color=OTHER, va="bottom")
    axis.set_xticks(range(len(rows)), labels, fontsize=8)
    axis.set_ylabel("heartbeats per second")
    axis.set_title("Steady-state heartbeats of 10,000 tasks: zero Consul writes")
    stamp(figure, caption)
    save(figure, "heartbeats.png")


if __name__ == "__main__":
    ingest_chart()
    latency_chart()
    convergence_chart()
    heartbeat_chart()
