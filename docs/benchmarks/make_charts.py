#!/usr/bin/env python3
"""Draws the benchmark charts of docs/benchmarks.md from the benchmarks' own output.

Each file in docs/benchmarks/data/ is what a benchmark script prints: a first line naming the run
(date, machine, build) and a Markdown table. Save a new run's output there and run this script
again: it rewrites the PNGs next to it and prints, for each figure, the table to paste under it.

Needs matplotlib (`python3 -m pip install matplotlib`).
Usage: docs/benchmarks/make_charts.py
"""
import pathlib
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data"
CONTROLLER, CEILING, OTHER = "#1f6feb", "#8c959f", "#d1242f"


def read(name):
    """(caption, header cells, rows of cells) of one benchmark output file."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    caption = lines[0].strip()
    table = [line for line in lines if line.startswith("|")]
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in table]
    return caption, cells[0], [row for row in cells[2:]]


def milliseconds(text):
    """`428.00us`, `1.18ms`, `0.48 ms`, `589.9 ms`, `2.1s` → milliseconds."""
    match = re.match(r"([0-9.]+)\s*(us|ms|s)", text)
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def stamp(figure, caption):
    """The run's date and machine under every figure."""
    figure.text(0.01, 0.01, caption, fontsize=7, color="#57606a", wrap=True, va="bottom")


def save(figure, name):
    figure.tight_layout(rect=(0, 0.07, 1, 1))
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


def latency_chart():
    caption, _, rows = read("ingest.md")
    figure, axis = plt.subplots(figsize=(8, 4.5))
    connections = [int(row[0]) for row in rows]
    for column, label, color, style in ((2, "ceiling p50", CEILING, "--"), (3, "ceiling p99", CEILING, "-"),
                                        (5, "controller p50", CONTROLLER, "--"), (6, "controller p99", CONTROLLER, "-")):
        axis.plot(connections, [milliseconds(row[column]) for row in rows], style, marker="o", color=color, label=label)
    axis.axhline(10, color=OTHER, linewidth=0.8, linestyle=":")
    axis.annotate("target: p99 < 10 ms at 32 connections", (1, 10), fontsize=8, color=OTHER, va="bottom")
    axis.set_xscale("log", base=2)
    axis.set_yscale("log")
    axis.set_xticks(connections, [str(c) for c in connections])
    axis.set_xlabel("concurrent connections")
    axis.set_ylabel("request latency (ms, log scale)")
    axis.set_title("Ingest latency distribution (p50 and p99): POST to durable 202")
    axis.legend(fontsize=8)
    stamp(figure, caption)
    save(figure, "latency.png")


def convergence_chart():
    caption, _, rows = read("registration.md")
    figure, axis = plt.subplots(figsize=(8, 4.5))
    labels = ["warm token, tags cached\n(1000 tasks, 50 services)", "new service, cold token\n(50 tasks, 50 services)"]
    for index, (quantile, column) in enumerate((("p50", 4), ("p99", 5), ("max", 6))):
        values = [milliseconds(row[column]) for row in rows]
        bars = axis.bar([p + (index - 1) * 0.25 for p in range(len(rows))], values, 0.25, label=quantile,
                        color=[CONTROLLER, "#54aeff", "#0a3069"][index])
        axis.bar_label(bars, fmt="%.0f ms", fontsize=8)
    axis.axhline(10_000, color=OTHER, linewidth=0.8, linestyle=":")
    axis.annotate("consul-ecs's poll period (10 s)", (-0.4, 10_000), fontsize=8, color=OTHER, va="bottom")
    axis.set_yscale("log")
    axis.set_xticks(range(len(rows)), labels)
    axis.set_ylabel("RUNNING event → passing in Consul (ms, log scale)")
    axis.set_title("Storm convergence: 100 events/s, event to healthy instance in Consul")
    axis.legend(fontsize=8)
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
