"""The main job's answers to unit conversions: does the answer state the tool's result right?

    python bench/demo_answers.py
    python bench/compare_revisions.py --base 2448cd5 -- $PWD/bench/demo_answers.py

Each query runs through `Agent(tools=example_tools())` on the embedded model and its profile,
as `lamagent run` does (no store). A run counts when

- it called a tool at all ("called"), `convert_units` with the query's number and units, in
  the query's direction ("called right");
- its answer holds the converted number, to two decimals or more, or the tool's own digits
  ("holds the result");
- of the runs called right: the answer's number stands with the unit it is in, the target
  unit ("6.613868 pounds", "212 F": "states the result"), or the answer makes the mistake
  "Based on the result, 3.0 pounds is 6.613868 pounds." makes, the query's number with the
  target unit after it ("mislabels the input").

The queries are conversions of the kinds the tool knows (mass, length, volume, time, speed,
temperature); the expected results are computed here from the factors, not read from a run.
Lines are `<label>  <count>`, for `bench/compare_revisions.py`.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass

from lamagent import Agent
from lamagent.demo_tools import example_tools


@dataclass(frozen=True)
class Query:
    text: str
    value: float
    #: Words the source and target units may be written as.
    source: tuple[str, ...]
    target: tuple[str, ...]
    result: float


QUERIES = (
    Query("How many pounds is 3 kg?", 3, ("kg", "kilogram"), ("pound", "lb"), 6.613868),
    Query("Convert 5 miles to km", 5, ("mile", "mi"), ("km", "kilomet"), 8.04672),
    Query("What is 100 degrees celsius in fahrenheit?", 100, ("c", "celsius"), ("f", "fahr"), 212),
    Query("How many centimeters are in 12 inches?", 12, ("inch", "in"), ("cm", "centimet"), 30.48),
    Query("Convert 2 hours to minutes", 2, ("hour", "h"), ("min",), 120),
    Query("How many liters is 3 gallons?", 3, ("gal",), ("l", "liter", "litre"), 11.356235352),
    Query("What is 60 mph in km/h?", 60, ("mph", "mile"), ("km/h", "kilomet", "kph"), 96.56064),
    Query("How many grams are in 2 pounds?", 2, ("pound", "lb"), ("g", "gram"), 907.18474),
    Query("Convert 68 fahrenheit to celsius", 68, ("f", "fahrenheit"), ("c", "celsius"), 20),
    Query("How many feet is 10 meters?", 10, ("m", "meter", "metre"), ("ft", "feet"), 32.808399),
)

_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?")


def _unit(word: str, units: tuple[str, ...]) -> bool:
    word = word.lower().strip(".,;:!?°")
    return any(word == u or (len(u) > 2 and word.startswith(u)) for u in units)


def _numbers(answer: str) -> list[tuple[float, str]]:
    """Each number of the answer with the word after it."""
    found = []
    for match in _NUMBER.finditer(answer):
        after = answer[match.end() :].split()
        following = after[0] if after else ""
        if following.startswith("°"):
            following = following[1:] or (after[1] if len(after) > 1 else "")
        found.append((float(match.group().replace(",", "")), following))
    return found


def _is(number: float, expected: float) -> bool:
    return any(round(expected, d) == number for d in range(2, 7)) or number == expected


def score(query: Query, calls: list[dict[str, object]], answer: str) -> dict[str, bool]:
    called = any(
        c["name"] == "convert_units"
        and c["arguments"].get("value") == query.value  # type: ignore[attr-defined]
        and _unit(str(c["arguments"].get("from_unit", "")), query.source)  # type: ignore[attr-defined]
        and _unit(str(c["arguments"].get("to_unit", "")), query.target)  # type: ignore[attr-defined]
        for c in calls
    )
    numbers = _numbers(answer)
    states = any(_is(n, query.result) and _unit(w, query.target) for n, w in numbers)
    mislabels = any(n == query.value and _unit(w, query.target) for n, w in numbers)
    return {
        "called": bool(calls),
        "called right": called,
        "holds the result": any(_is(n, query.result) for n, _ in numbers),
        "called right, answer states the result": called and states,
        "called right, answer mislabels the input": called and mislabels,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print each run's calls and answer")
    args = parser.parse_args()
    agent = Agent(tools=example_tools())
    totals: dict[str, int] = {}
    for query in QUERIES:
        result = agent.run(query.text)
        calls = [record.call for step in result.trajectory.steps for record in step.calls]
        answer = result.answer or ""
        for label, hit in score(query, calls, answer).items():
            totals[label] = totals.get(label, 0) + hit
        if args.show:
            print(f"# {query.text}\n  calls: {calls}\n  answer: {answer!r}")
    for label, count in totals.items():
        print(f"{label} (of {len(QUERIES)})  {count}")


if __name__ == "__main__":
    main()
