"""Run a bench script at an older revision and at the working tree, alternated, side by side.

    python bench/compare_revisions.py --base 72095f0 --rounds 3 -- bench/overhead.py --runs 10

The older revision is checked out into a temporary git worktree and its bench runs with that
tree first on `sys.path`; both use this virtualenv. Each round runs base then current, so load
on a shared machine falls on both alike. Lines of the form `<label>  <number>` are collected and
the medians are printed as a Markdown table with the ratio current / base.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_ROW = re.compile(r"^(?P<label>\S.*?\S)\s{2,}(?P<value>-?\d+(?:\.\d+)?)\s*$")


def run(tree: Path, script: list[str]) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, *script], cwd=tree, env=env, capture_output=True, text=True, check=True
    ).stdout
    rows: dict[str, float] = {}
    for line in out.splitlines():
        match = _ROW.match(line.strip())
        if match:
            rows[match["label"]] = float(match["value"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the older revision (a commit or tag)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("script", nargs=argparse.REMAINDER, help="-- bench/x.py [its options]")
    args = parser.parse_args()
    script = [a for a in args.script if a != "--"]
    base_rows: dict[str, list[float]] = {}
    new_rows: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(base), args.base],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        try:
            for i in range(args.rounds):
                print(f"round {i + 1}/{args.rounds}", file=sys.stderr)
                for tree, rows in ((base, base_rows), (ROOT, new_rows)):
                    for label, value in run(tree, script).items():
                        rows.setdefault(label, []).append(value)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT)
    print(f"| measure | {args.base} | current | current / base |")
    print("|---|---:|---:|---:|")
    for label in new_rows:
        if label not in base_rows:
            continue
        old, new = statistics.median(base_rows[label]), statistics.median(new_rows[label])
        ratio = f"{new / old:.2f}" if old else "n/a"
        print(f"| {label} | {old:.1f} | {new:.1f} | {ratio} |")


if __name__ == "__main__":
    main()
