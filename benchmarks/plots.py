"""The benchmark's pictures (matplotlib, a benchmark-only dependency):

- latency.png: share of replies whose task has ended vs seconds after the
  reply reached the mailbox, one line per path;
- drain-scaling.png: drain time (client wall, Dovecot CPU) and memory vs
  the number of queued replies.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")   # files only, no display
import matplotlib.pyplot as plt


def _cdf(ax, samples, label, **style):
    ordered = sorted(samples)
    if not ordered:
        return
    n = len(ordered)
    xs, ys = [0.0], [0.0]
    for i, value in enumerate(ordered):
        xs += [value, value]
        ys += [i / n, (i + 1) / n]
    ax.plot(xs, ys, label=label, **style)


def latency_plot(results, path: Path):
    lat = results["latency"]
    fig, ax = plt.subplots(figsize=(8, 4.8))
    _cdf(ax, lat["polling_model"]["samples"], "30 s polling baseline (model)",
         color="grey", linestyle="--")
    for key, color in (("xlrn", "tab:red"), ("xlr1", "tab:orange")):
        if key in lat:
            x = lat[key]
            what = "1 task" if key == "xlr1" else "%d tasks" % results["sizes"]["xlr_tasks"]
            _cdf(ax, x["samples"], "XL Release path, %s waiting (%s, measured, n=%d)"
                 % (what, x["interpreter"], x["n"]), color=color)
    _cdf(ax, lat["push_schedule"]["samples"],
         "push host, real job schedule, sessions cut every %g s (measured, n=%d)"
         % (lat["push_schedule"]["session"], lat["push_schedule"]["n"]), color="tab:blue",
         linestyle=":")
    _cdf(ax, lat["push"]["samples"], "push host, in a session (measured, n=%d)"
         % lat["push"]["n"], color="tab:blue")
    ax.set_xlabel("seconds from reply in the mailbox to task ended")
    ax.set_ylabel("share of replies handled")
    longest = max([max(v["samples"]) for v in lat.values()
                   if isinstance(v, dict) and v.get("samples")] or [30.0])
    ax.set_xlim(0, min(120.0, longest * 1.05 + 1))
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Reply latency (one benchmark run; %s)" % _machine(results), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def scaling_plot(results, path: Path):
    sc = results["scaling"]
    keys = sorted((k for k in sc if k.isdigit()), key=int)
    ns = [int(k) for k in keys]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 4))

    def series(ax, field, scale, label, color):
        med = [sc[k][field]["median"] * scale for k in keys]
        low = [sc[k][field]["min"] * scale for k in keys]
        high = [sc[k][field]["max"] * scale for k in keys]
        ax.errorbar(ns, med, yerr=[[m - lo for m, lo in zip(med, low)],
                                   [h - m for m, h in zip(med, high)]],
                    marker="o", capsize=3, label=label, color=color)

    series(left, "wall", 1.0, "drain wall time (client)", "tab:blue")
    series(left, "cpu", 1.0, "client CPU", "tab:green")
    series(left, "dovecot_cpu", 1.0, "Dovecot CPU", "tab:red")
    if ns:
        base = sc[keys[0]]["wall"]["median"] / ns[0]
        left.plot(ns, [base * n for n in ns], color="grey", linestyle="--",
                  label="linear from %s" % format(ns[0], ","))
    left.set_xlabel("queued replies")
    left.set_ylabel("seconds")
    left.legend(fontsize=8)
    left.grid(True, alpha=0.3)
    series(right, "rss_growth_kb", 1 / 1024.0, "peak RSS growth during the drain", "tab:purple")
    right.set_ylim(bottom=0)
    right.set_xlabel("queued replies")
    right.set_ylabel("MiB")
    right.legend(fontsize=8)
    right.grid(True, alpha=0.3)
    fig.suptitle("Draining a backlog, CPython, loopback (median, min-max of %d; %s)"
                 % (results["sizes"]["repeats"], _machine(results)), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _machine(results):
    m = results["machine"]
    return "%s, %s shared cores" % (m["cpu"], m["cores"])


def write_all(results, folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    if "latency" in results:
        path = folder / "performance-latency.png"
        latency_plot(results, path)
        written.append(path)
    if "scaling" in results:
        path = folder / "performance-drain-scaling.png"
        scaling_plot(results, path)
        written.append(path)
    return written


if __name__ == "__main__":
    # plots.py RESULTS.json FOLDER (benchmarks/run.py calls it this way)
    for written in write_all(json.load(open(sys.argv[1])), Path(sys.argv[2])):
        print("plot written: %s" % written)
