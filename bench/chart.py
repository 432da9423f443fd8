"""Draw bench/results/results.png: wall time per scenario and server, one bar per tool.

Run by tables.chart() with a Python that has matplotlib (requirements/bench.txt):
    python bench/chart.py results.json results.png
"""

from __future__ import annotations

import json
import sys

import matplotlib  # type: ignore[import-not-found,unused-ignore]

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # type: ignore[import-not-found,unused-ignore]

TOOLS = [
    ("ours", "publish-action", "#1f77b4"),
    ("twine", "twine", "#ff7f0e"),
    ("uv", "uv publish", "#2ca02c"),
    ("bound", "curl lower bound", "#7f7f7f"),
]
PANELS = ["many-small", "rerun-small", "typical-release", "few-large"]


def main(source: str, target: str) -> None:
    with open(source) as handle:
        doc = json.load(handle)
    rows = doc["summary"]["rows"]
    bounds = doc["summary"]["lower_bounds"]
    panels = [p for p in PANELS if any(r["scenario"] == p for r in rows)]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.4), squeeze=False)
    for ax, scenario in zip(axes[0], panels, strict=False):
        servers = sorted(
            {r["server"] for r in rows if r["scenario"] == scenario},
            key=lambda s: s != "pypiserver",
        )
        width = 0.8 / len(TOOLS)
        for i, (key, label, color) in enumerate(TOOLS):
            medians, lows, highs = [], [], []
            for server in servers:
                if key == "bound":
                    bound = bounds.get(f"{scenario}/{server}")
                    tool = bound["tool"] if bound else None
                else:
                    tool = key
                row = next(
                    (
                        r
                        for r in rows
                        if (r["scenario"], r["server"], r["tool"]) == (scenario, server, tool)
                    ),
                    None,
                )
                m = row["median_s"] if row and row["median_s"] is not None else 0.0
                medians.append(m)
                lows.append(m - row["min_s"] if row and row["min_s"] is not None else 0.0)
                highs.append(row["max_s"] - m if row and row["max_s"] is not None else 0.0)
            xs = [j + (i - (len(TOOLS) - 1) / 2) * width for j in range(len(servers))]
            ax.bar(
                xs,
                medians,
                width,
                yerr=[lows, highs],
                label=label,
                color=color,
                capsize=2,
                error_kw={"elinewidth": 0.8},
            )
            for x, m in zip(xs, medians, strict=True):
                if m == 0.0:
                    ax.text(x, 0, "fails", ha="center", va="bottom", fontsize=7, rotation=90)
        ax.set_xticks(range(len(servers)), servers)
        ax.set_title(scenario, fontsize=10)
        ax.set_ylabel("wall time (s), median, min-max")
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(TOOLS), fontsize=8, frameon=False)
    machine = doc["machine"]
    over = f"over an emulated link: {doc['link']['text']}; " if doc.get("link") else ""
    fig.suptitle(
        f"publish time per scenario ({over}{machine['cores']} cores, "
        f"{doc['generated_at'][:10]}; lower is better)",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(target, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
