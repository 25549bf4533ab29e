"""Draws bench/out/results.json as a chart: requests/s and latency (p50, p99) per workload, localvpc
beside moto, with the hello-world ceiling as a line. Both axes are logarithmic: the servers are
orders of magnitude apart.

Usage: chart.py RESULTS_JSON CHART_PNG (run with the harness's venv, which pins matplotlib).
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)

LOCALVPC, MOTO = "#1f77b4", "#ff7f0e"


def main(results_path: str, chart_path: str) -> None:
    with open(results_path) as f:
        results = json.load(f)
    workloads = results["workloads"]
    names = [w["id"] for w in workloads]
    xs = range(len(workloads))
    width = 0.38

    fig, (rate, latency) = plt.subplots(1, 2, figsize=(13, 5.2))
    fig.suptitle(
        f"localvpc vs moto {results['moto_version']} — {results['settings']['concurrency']} clients, "
        f"{results['machine']['cores']} cores (load {results['machine']['load_average_before']})"
    )

    local_rps = [w["localvpc"]["requests_per_s"] for w in workloads]
    moto_rps = [w["moto"]["requests_per_s"] if w["moto"] else 0 for w in workloads]
    rate.bar([x - width / 2 for x in xs], local_rps, width, label="localvpc", color=LOCALVPC)
    rate.bar([x + width / 2 for x in xs], moto_rps, width, label="moto", color=MOTO)
    rate.axhline(results["ceiling"]["requests_per_s"], color="grey", linestyle="--", label="hello-world ceiling")
    for x, w in zip(xs, workloads):
        label = f"{w['ratio_to_moto']:.0f}×" if w["ratio_to_moto"] else "moto skipped"
        rate.annotate(label, (x, max(local_rps[x], 1)), ha="center", va="bottom", fontsize=9)
    rate.set_yscale("log")
    rate.set_xticks(list(xs), names)
    rate.set_ylabel("requests/s (log)")
    rate.set_title("Throughput")
    rate.legend(loc="center right", fontsize=8)

    for offset, server, color in ((-width / 2, "localvpc", LOCALVPC), (width / 2, "moto", MOTO)):
        for x, w in zip(xs, workloads):
            o = w[server]
            if not o:
                continue
            latency.bar(x + offset, o["p99_ms"], width, color=color, alpha=0.35)
            latency.bar(x + offset, o["p50_ms"], width, color=color)
    latency.set_yscale("log")
    latency.set_xticks(list(xs), names)
    latency.set_ylabel("latency ms (log): solid p50, pale p99")
    latency.set_title("Latency")
    latency.legend(
        handles=[
            plt.Rectangle((0, 0), 1, 1, color=LOCALVPC),
            plt.Rectangle((0, 0), 1, 1, color=MOTO),
        ],
        labels=["localvpc", "moto"],
        fontsize=8,
    )

    fig.text(
        0.01,
        0.01,
        "  ".join(f"{w['id']}: {w['title']}" for w in workloads),
        fontsize=7,
        color="dimgrey",
    )
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    fig.savefig(chart_path, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
