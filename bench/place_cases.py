"""The BFCL cases the place rule can touch: a place the user named (`said_places`) and a tool
with an optional parameter named for a kind of place (`place_parameters`).

    python bench/place_cases.py --data <bfcl_eval's data> > held-out.txt
    python bench/place_cases.py --data <bfcl_eval's data> --split train > train.txt
    python bench/copy_bias.py --data <bfcl_eval's data> --ids held-out.txt --limit 1000 \\
        -c simple_python -c multiple -c live_simple -c live_multiple -c parallel \\
        -c parallel_multiple -c irrelevance -c live_irrelevance \\
        --setting "calls only + copy + mentions + shapes + listed"

Prints the ids, one per line, of the half of `split_cases` (seed 0) that `--split` names.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lamagent.eval import load_bfcl  # noqa: E402
from lamagent.eval.split import split_cases  # noqa: E402
from lamagent.gate.places import place_parameters, said_places  # noqa: E402
from lamagent.tools import Tool  # noqa: E402

CATEGORIES = (
    "simple_python",
    "multiple",
    "live_simple",
    "live_multiple",
    "parallel",
    "parallel_multiple",
    "irrelevance",
    "live_irrelevance",
)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", default=str(ROOT / "tests" / "data" / "bfcl"))
    p.add_argument("--split", choices=("held-out", "train"), default="held-out")
    a = p.parse_args()
    train, held_out = split_cases(load_bfcl(a.data, list(CATEGORIES)))
    for case in train if a.split == "train" else held_out:
        query = case.messages[-1].get("content")
        if not isinstance(query, str) or not said_places(query):
            continue
        for spec in case.prompt_functions:
            tool = Tool.from_spec(spec)
            required = set(tool.parameters.get("required") or ())
            if any(name not in required for name in place_parameters(tool)):
                print(case.id)
                break


if __name__ == "__main__":
    main()
