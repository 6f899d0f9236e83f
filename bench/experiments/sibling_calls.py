"""Experiment (not shipped): one more call per value listed beside a value a call used.

"Find the winning percentage of Lakers and Bulls" drafted as one call for the Lakers leaves
"Bulls", a value listed with one the call used. For each train parallel case whose calls-only
draft (copy bias 3) leaves such values, the turn is generated again with the draft's calls
fixed (a grammar whose first items are the drafted calls, as constants) and one call more; the
new call is kept when it differs from the others and uses one of the values. docs/small-models.md
says what it found.

    python bench/experiments/sibling_calls.py --limit 30
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import anyio

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from lamagent.backends import load_model  # noqa: E402
from lamagent.eval.bfcl_data import BFCLCase, load_bfcl, select_cases  # noqa: E402
from lamagent.eval.checker import check_bfcl  # noqa: E402
from lamagent.eval.split import split_cases  # noqa: E402
from lamagent.formats.grammar import call_schema  # noqa: E402
from lamagent.gate.signals import leaf_values, words  # noqa: E402
from lamagent.generation import Constraint, GenerationParams, content_key  # noqa: E402
from lamagent.messages import Message, ToolCall  # noqa: E402
from lamagent.tools import Tool  # noqa: E402
from lamagent.turns import TurnRequest, turn_source  # noqa: E402

#: A value: a number, a quoted text, or a run of capitalised words.
_VALUE = re.compile(
    r"(?P<number>(?<![\w.])-?\d+(?:[.,]\d+)*(?![\w]))"
    r"|'(?P<single>[^']{2,}?)'|\"(?P<double>[^\"]{2,}?)\""
    r"|(?P<name>(?<![\w'])[A-Z][\w.&-]*(?:\s+(?:of\s+)?[A-Z][\w.&-]*)*)"
)
#: What joins the items of a list: a comma, "and", "or", "&" (and a comma before them).
_JOIN = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+|\s*&\s*)$", re.IGNORECASE)


def _spans(query: str) -> list[tuple[int, int, str]]:
    found = []
    for m in _VALUE.finditer(query):
        text = next(g for g in (m.group(k) for k in ("number", "single", "double", "name")) if g)
        found.append((m.start(), m.end(), text))
    return found


def _used(text: str, calls: Sequence[ToolCall]) -> bool:
    return uses_any(calls, [text])


def uses_any(calls: Sequence[ToolCall], texts: Sequence[str]) -> bool:
    """Whether a value of `calls` is one of `texts` (numbers compared as numbers, texts by
    their words)."""
    values = [v for c in calls for v in leaf_values(c.arguments)]
    for text in texts:
        number = _as_number(text)
        if number is not None:
            if any(_as_number(v) == number for v in values):
                return True
            continue
        wanted = words(text)
        if wanted and any(_contains(words(v), wanted) for v in values):
            return True
    return False


def _contains(have: list[str], wanted: list[str]) -> bool:
    n = len(wanted)
    return any(have[i : i + n] == wanted for i in range(len(have) - n + 1))


def _as_number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def sibling_values(query: str, calls: Sequence[ToolCall]) -> list[str]:
    """The values of `query` in a list with a value the calls used, that no call used."""
    spans = _spans(query)
    used = [_used(text, calls) for _, _, text in spans]
    siblings: list[str] = []
    for i in range(1, len(spans)):
        start, _, text = spans[i]
        _, end, _ = spans[i - 1]
        joined = _JOIN.match(query[end:start]) is not None or query[end:start] == ""
        same_kind = (_as_number(text) is None) == (_as_number(spans[i - 1][2]) is None)
        if not (joined and same_kind):
            continue
        # a chain: the item before is used, or is itself a sibling
        if (used[i - 1] or spans[i - 1][2] in siblings) and not used[i]:
            siblings.append(text)
        elif used[i] and not used[i - 1] and spans[i - 1][2] not in siblings:
            siblings.append(spans[i - 1][2])
    return siblings


def with_one_more(calls: Sequence[ToolCall], tools: Sequence[Tool]) -> Constraint:
    """The drafted calls as constants, then one call of any tool."""
    branches = [call_schema(t) for t in tools]
    item = branches[0] if len(branches) == 1 else {"anyOf": branches}
    schema = {
        "type": "array",
        "prefixItems": [{"const": c.to_xlam()} for c in calls] + [item],
        "minItems": len(calls) + 1,
        "maxItems": len(calls) + 1,
    }
    prefixes = ("[", "{")
    return Constraint(
        json_schema=schema, call_prefixes=prefixes, key=content_key(schema, False, prefixes)
    )


def passes(case: BFCLCase, calls: Sequence[ToolCall]) -> bool:
    record, truth = case.record, case.ground_truth
    calls_ = [c.to_xlam() for c in calls]
    return check_bfcl(record, truth, calls_, category=case.category).passed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", default=str(ROOT / "tests" / "data" / "bfcl"))
    p.add_argument("--limit", type=int, default=30)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    train, _ = split_cases(load_bfcl(a.data, ["parallel"]))
    backend = load_model(None, n_threads=a.threads)
    source = turn_source(backend)
    fired = kept = passed_before = passed_after = 0
    for case in select_cases(train, limit=a.limit):
        tools = [Tool.from_spec(f) for f in case.prompt_functions]
        query = case.messages[-1]["content"]
        request = TurnRequest(
            messages=[Message.user(query)],
            tools=tools,
            params=GenerationParams(max_tokens=256, copy_bias=3.0),
            tool_choice="required",
            constrained=True,
        )
        draft = anyio.run(source.next_turn, request)
        calls = list(draft.turn.calls)
        before = passes(case, calls)
        siblings = sibling_values(query, calls)
        fired += bool(siblings)
        while siblings and len(calls) < 4:
            more = dataclasses.replace(request, constraint=with_one_more(calls, tools))
            again = anyio.run(source.next_turn, more)
            new = list(again.turn.calls)[len(calls) :]
            known = [c.to_xlam() for c in calls]
            if not new or new[0].to_xlam() in known or not uses_any(new, siblings):
                break
            kept += 1
            calls += new
            siblings = sibling_values(query, calls)
        after = passes(case, calls)
        passed_before += before
        passed_after += after
        print(
            case.id,
            "values left:",
            siblings,
            "calls:",
            json.dumps([c.to_xlam() for c in calls])[:200],
        )
    print(
        f"cases {a.limit}: evidence on {fired}, calls added {kept}, "
        f"passed {passed_before} -> {passed_after}"
    )


if __name__ == "__main__":
    main()
