"""The loss curve of a training run as a PNG, drawn from its `metrics.jsonl`."""

from __future__ import annotations

import json
import os
from pathlib import Path


def plot_loss(
    metrics_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    title: str = "training loss",
    keys: tuple[str, ...] = ("loss", "rewards/margins"),
) -> Path | None:
    """Plot every metric in `keys` against the step; None when nothing was logged.

    Uses matplotlib's Agg backend (no display needed). Metrics other than the first get a second
    axis, so a DPO reward margin and its loss can share the figure.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [
        json.loads(line) for line in Path(metrics_path).read_text().splitlines() if line.strip()
    ]
    series = {k: [(r["step"], float(r[k])) for r in rows if k in r] for k in keys}
    series = {k: v for k, v in series.items() if v}
    if not series:
        return None
    fig, ax = plt.subplots(figsize=(7, 4))
    axes = [ax]
    colors = ["tab:blue", "tab:orange", "tab:green"]
    for i, (key, points) in enumerate(series.items()):
        target = ax if i == 0 else ax.twinx()
        if i:
            axes.append(target)
        steps, values = zip(*points, strict=True)
        target.plot(steps, values, marker=".", color=colors[i % 3], label=key)
        target.set_ylabel(key, color=colors[i % 3])
    ax.set_xlabel("step")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    out = Path(out_path)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
