"""Text answers that go round, with and without `end_answer_loops`, on the embedded model.

    python bench/answer_loops.py --limit 40 --threads 1

The Agent on the embedded model's profile (`Agent()`'s setting) answers the first `--limit`
BFCL irrelevance questions (none of the offered functions fits: the call gate turns the
drafted call down and the model answers in text), once with the profile as it is and once
with `end_answer_loops=False`, case by case side by side. The table counts the answers that
end in a loop (`lamagent.repetition.answer_loop` on the final answer; with the setting on,
the cut rounds are in the step's `cut_loop`), the answers cut, the tokens generated and the
seconds. The cases' functions need approval, so a call the gate keeps ends the run there.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lamagent import Agent  # noqa: E402
from lamagent.backends import load_model  # noqa: E402
from lamagent.eval import load_bfcl  # noqa: E402
from lamagent.eval.agent_case import case_tools  # noqa: E402
from lamagent.generation import GenerationParams  # noqa: E402
from lamagent.repetition import answer_loop  # noqa: E402

SETTINGS = {"profile, loops not ended": False, "profile (loops ended)": True}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", default=str(ROOT / "tests" / "data" / "bfcl"))
    p.add_argument("--category", default="irrelevance")
    p.add_argument("--limit", type=int, default=40)
    p.add_argument("--threads", type=int, default=1, help="llama.cpp threads")
    p.add_argument("--max-tokens", type=int, default=256)
    a = p.parse_args()
    backend = load_model(None, n_threads=a.threads)
    cases = load_bfcl(a.data, [a.category])[: a.limit]
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in SETTINGS}
    for case in cases:
        question = str(case.messages[-1]["content"])
        for name, ends in SETTINGS.items():
            agent = Agent(
                backend,
                tools=case_tools(case),
                max_steps=2,
                generation=GenerationParams(max_tokens=a.max_tokens, end_answer_loops=ends),
            )
            started = time.perf_counter()
            result = agent.run(question)
            seconds = time.perf_counter() - started
            steps = result.trajectory.steps
            answer = result.answer or ""
            rows[name].append(
                {
                    "text": float(not steps[0].tool_calls),
                    "loops": float(answer_loop(answer, [question]) is not None),
                    "cut": float(any(s.cut_loop for s in steps)),
                    "tokens": float(sum(s.usage.completion_tokens for s in steps)),
                    "seconds": seconds,
                }
            )
            print(f"{case.id} | {name} | {answer[-70:]!r}", flush=True)
    names = list(SETTINGS)
    lines = [f"| {len(cases)} {a.category} questions | " + " | ".join(names) + " |"]
    lines.append("|---|" + "---:|" * len(names))
    for metric, label in (
        ("text", "answered in text"),
        ("loops", "answer ends in a loop"),
        ("cut", "answer cut after its first round"),
        ("tokens", "tokens generated"),
        ("seconds", "seconds"),
    ):
        cells = [f"{sum(r[metric] for r in rows[n]):.0f}" for n in names]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    median = [f"{statistics.median(r['tokens'] for r in rows[n]):.0f}" for n in names]
    lines.append("| tokens per question (median) | " + " | ".join(median) + " |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
