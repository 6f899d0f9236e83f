"""Text answers after a tool's result: the copy bias in answers, and the gate's answer cue.

    python bench/grounded_answers.py --threads 1                   # the embedded model
    python bench/grounded_answers.py --setting "gate + copy" --out runs/answers
    python bench/grounded_answers.py --model ~/.cache/lamagent/SmolLM2-135M-Instruct-hf

Each case is a question, the call that answers it and the tool's result, already in the
conversation; the turn after it is generated under the built-in call gate (its draft under
the calls-only grammar, then a text answer when the gate turns the draft down), as an agent's
second step is. Each setting adds one thing to the one before: "gate + copy" is the copy bias
in values (`copy_bias=3`), "gate + copy + answers" adds `copy_answers`, "... + cue" starts the
answer with the gate's `answer_cue` ("Based on the result, "; the embedded model's profile).
A case counts when the answer holds one of the facts the result gives in the forms a reader
would accept ("8.04" of 8.04672); the table also counts answers that hold code (a fence or a
`def`), answers that loop (a run of one to four words three times in a row) and turns that
called again instead of answering, with the tokens generated.

Three groups of cases, each written before the measurement of a mechanism and counted apart:
the first 24 before the copy bias in answers, and read while it was shaped (its first version
favoured a copy at the answer's start, and "AUD AUD AUD" came of "What's the capital of
Australia?"); the next 10 after it was fixed; the last 14 after the answer cue was chosen on
the first 34 (and never run before its measurement). Results go to
`<out>/results-<setting>.jsonl`, the table to `<out>/table.md`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lamagent.backends import load_model  # noqa: E402
from lamagent.gate import CallGate  # noqa: E402
from lamagent.gate.turns import gated  # noqa: E402
from lamagent.generation import GenerationParams  # noqa: E402
from lamagent.tools import Tool  # noqa: E402
from lamagent.turns import TurnRequest, turn_source  # noqa: E402


@dataclass(frozen=True)
class Case:
    question: str
    tool: str
    description: str
    parameters: dict[str, str]
    arguments: dict[str, Any]
    result: str
    facts: tuple[str, ...]


_CONVERT = ("Convert a value between units.", {"value": "number", "from_unit": "string",
            "to_unit": "string"})  # fmt: skip
_CALC = ("Evaluate an arithmetic expression.", {"expression": "string"})
_TIME = ("Current local time in an IANA time zone.", {"timezone": "string"})
_WEATHER = ("Current weather for a city.", {"city": "string"})


def _case(question: str, tool: str, spec: tuple[str, dict[str, str]], arguments: dict[str, Any],
          result: str, *facts: str) -> Case:  # fmt: skip
    return Case(question, tool, spec[0], spec[1], arguments, result, facts)


# fmt: off
CASES: tuple[Case, ...] = (
    _case("What time is it in Tokyo?", "local_time", _TIME, {"timezone": "Asia/Tokyo"},
          "2026-12-04 13:43:06 JST (UTC+0900), Friday", "13:43"),
    _case("What's the time in Paris right now?", "local_time", _TIME,
          {"timezone": "Europe/Paris"}, "2026-12-04 05:43:06 CET (UTC+0100), Friday",
          "05:43", "5:43"),
    _case("What is 17 * 23?", "calculate", _CALC, {"expression": "17 * 23"}, "391", "391"),
    _case("How much is 2 to the power of 10?", "calculate", _CALC, {"expression": "2 ** 10"},
          "1024", "1024", "1,024"),
    _case("Convert 5 miles to km", "convert_units", _CONVERT,
          {"value": 5, "from_unit": "mi", "to_unit": "km"},
          '{"value": 5.0, "from": "mi", "to": "km", "result": 8.04672}', "8.04", "8.05"),
    _case("How many pounds is 3 kg?", "convert_units", _CONVERT,
          {"value": 3, "from_unit": "kg", "to_unit": "lb"},
          '{"value": 3.0, "from": "kg", "to": "lb", "result": 6.613868}', "6.61", "6.6"),
    _case("What's the weather like in Berlin?", "get_weather", _WEATHER, {"city": "Berlin"},
          '{"city": "Berlin", "temperature_c": 4, "condition": "light rain"}', "4", "rain"),
    _case("Is it sunny in Madrid today?", "get_weather", _WEATHER, {"city": "Madrid"},
          '{"city": "Madrid", "temperature_c": 17, "condition": "sunny"}', "sunny", "17"),
    _case("What is Apple's stock price?", "get_stock_price",
          ("Latest price of a stock by ticker.", {"ticker": "string"}), {"ticker": "AAPL"},
          '{"ticker": "AAPL", "price": 231.54, "currency": "USD"}', "231.54"),
    _case("How much is 100 euros in dollars?", "convert_currency",
          ("Convert an amount between currencies.",
           {"amount": "number", "from_currency": "string", "to_currency": "string"}),
          {"amount": 100, "from_currency": "EUR", "to_currency": "USD"},
          '{"amount": 100, "from": "EUR", "to": "USD", "converted": 108.7}', "108.7"),
    _case("What's the population of Canada?", "get_population",
          ("Population of a country.", {"country": "string"}), {"country": "Canada"},
          '{"country": "Canada", "population": 40097761, "year": 2023}',
          "40097761", "40,097,761", "40 million", "40.1 million"),
    _case("Who wrote Pride and Prejudice?", "search_books",
          ("Find a book by title.", {"title": "string"}), {"title": "Pride and Prejudice"},
          '{"title": "Pride and Prejudice", "author": "Jane Austen", "year": 1813}', "Austen"),
    _case("Is flight LH400 on time?", "flight_status",
          ("Status of a flight by number.", {"flight": "string"}), {"flight": "LH400"},
          '{"flight": "LH400", "status": "delayed", "delay_minutes": 45}', "delayed", "45"),
    _case("How many lines does report.txt have?", "count_lines",
          ("Count the lines of a file.", {"path": "string"}), {"path": "report.txt"},
          "report.txt has 120 lines.", "120"),
    _case("Find files named budget in my documents", "search_files",
          ("Search files by name.", {"pattern": "string"}), {"pattern": "budget"},
          '["documents/budget-2025.xlsx", "documents/old/budget.csv"]',
          "budget-2025.xlsx", "budget.csv"),
    _case("What's the capital of Australia?", "country_info",
          ("Facts about a country.", {"country": "string"}), {"country": "Australia"},
          '{"country": "Australia", "capital": "Canberra", "currency": "AUD"}', "Canberra"),
    _case("What is the square root of 144?", "calculate", _CALC, {"expression": "sqrt(144)"},
          "12.0", "12"),
    _case("Translate hello to Spanish", "translate",
          ("Translate text into a language.", {"text": "string", "target": "string"}),
          {"text": "hello", "target": "es"}, '{"translation": "hola"}', "hola", "Hola"),
    _case("How far is it from London to Paris?", "distance",
          ("Distance between two cities in km.", {"origin": "string", "destination": "string"}),
          {"origin": "London", "destination": "Paris"}, '{"distance_km": 344}', "344"),
    _case("When does the Louvre open on Monday?", "opening_hours",
          ("Opening hours of a place on a day.", {"place": "string", "day": "string"}),
          {"place": "Louvre", "day": "Monday"},
          '{"place": "Louvre", "day": "Monday", "open": "09:00", "close": "18:00"}',
          "9:00", "09:00", "9 am", "9am"),
    _case("What's the boiling point of water in Fahrenheit?", "convert_units", _CONVERT,
          {"value": 100, "from_unit": "c", "to_unit": "f"},
          '{"value": 100.0, "from": "c", "to": "f", "result": 212.0}', "212"),
    _case("How many days until Christmas?", "days_until",
          ("Days from today until a date.", {"date": "string"}), {"date": "2026-12-25"},
          "21 days", "21"),
    _case("Check the balance of my savings account", "get_balance",
          ("Balance of an account.", {"account": "string"}), {"account": "savings"},
          '{"account": "savings", "balance": 2450.75, "currency": "EUR"}',
          "2450.75", "2,450.75"),
    _case("What's the exchange rate from GBP to JPY?", "exchange_rate",
          ("Exchange rate between two currencies.", {"base": "string", "quote": "string"}),
          {"base": "GBP", "quote": "JPY"}, '{"base": "GBP", "quote": "JPY", "rate": 191.32}',
          "191.32"),
    # written after the mechanism, before the measurement
    _case("What's the humidity in Singapore?", "get_weather", _WEATHER, {"city": "Singapore"},
          '{"city": "Singapore", "temperature_c": 31, "humidity_percent": 84}', "84"),
    _case("How tall is Mount Everest?", "mountain_info",
          ("Facts about a mountain.", {"name": "string"}), {"name": "Mount Everest"},
          '{"name": "Mount Everest", "height_m": 8849, "range": "Himalayas"}',
          "8849", "8,849"),
    _case("What is 15% of 240?", "calculate", _CALC, {"expression": "0.15 * 240"}, "36.0",
          "36"),
    _case("Which planet is closest to the sun?", "search_facts",
          ("Look up a short fact.", {"query": "string"}),
          {"query": "planet closest to the sun"},
          '{"answer": "Mercury", "source": "encyclopedia"}', "Mercury"),
    _case("How long is the flight from Rome to Oslo?", "flight_duration",
          ("Typical flight time between two airports.", {"origin": "string",
           "destination": "string"}), {"origin": "FCO", "destination": "OSL"},
          '{"origin": "FCO", "destination": "OSL", "minutes": 205}', "205", "3 hours 25",
          "3h 25", "3 h 25"),
    _case("What's the ZIP code of Beverly Hills?", "zip_lookup",
          ("ZIP code of a US city.", {"city": "string"}), {"city": "Beverly Hills"},
          '{"city": "Beverly Hills", "zip": "90210"}', "90210"),
    _case("How many calories are in a banana?", "nutrition",
          ("Nutrition facts of a food.", {"food": "string"}), {"food": "banana"},
          '{"food": "banana", "calories": 105, "serving": "1 medium"}', "105"),
    _case("Who is the CEO of Acme Corp?", "company_info",
          ("Facts about a company.", {"company": "string"}), {"company": "Acme Corp"},
          '{"company": "Acme Corp", "ceo": "Dana Whitfield", "employees": 5200}',
          "Dana Whitfield", "Whitfield"),
    _case("How many unread emails do I have?", "mailbox_status",
          ("Counts of the user's mailbox.", {"folder": "string"}), {"folder": "inbox"},
          '{"folder": "inbox", "unread": 7, "total": 312}', "7"),
    _case("Convert 68 Fahrenheit to Celsius", "convert_units", _CONVERT,
          {"value": 68, "from_unit": "f", "to_unit": "c"},
          '{"value": 68.0, "from": "f", "to": "c", "result": 20.0}', "20"),
    # written after the answer cue, before its measurement
    _case("What's the weather in Lisbon tomorrow?", "get_forecast",
          ("Weather forecast for a city and day.", {"city": "string", "day": "string"}),
          {"city": "Lisbon", "day": "tomorrow"},
          '{"city": "Lisbon", "day": "tomorrow", "high_c": 19, "low_c": 12, '
          '"condition": "cloudy"}', "19", "cloudy"),
    _case("How many people live in Tokyo?", "city_population",
          ("Population of a city.", {"city": "string"}), {"city": "Tokyo"},
          '{"city": "Tokyo", "population": 13960000}',
          "13960000", "13,960,000", "13.96 million", "14 million"),
    _case("What's 12 divided by 4?", "calculate", _CALC, {"expression": "12 / 4"}, "3.0",
          "3.0", "is 3", "= 3", "equals 3"),
    _case("Who directed Inception?", "movie_info", ("Facts about a film.", {"title": "string"}),
          {"title": "Inception"},
          '{"title": "Inception", "director": "Christopher Nolan", "year": 2010}', "Nolan"),
    _case("What's my next meeting?", "next_event",
          ("The next event in a calendar.", {"calendar": "string"}), {"calendar": "work"},
          '{"title": "Design review", "start": "2026-12-04 15:00", "room": "B2"}',
          "Design review", "design review", "15:00", "3 pm", "3pm"),
    _case("Is the pharmacy on Main Street open now?", "place_status",
          ("Whether a place is open now.", {"place": "string"}),
          {"place": "pharmacy on Main Street"},
          '{"place": "Main Street Pharmacy", "open_now": false, "opens_at": "08:00"}',
          "closed", "not open", "08:00", "8:00", "8 am"),
    _case("How many steps did I walk today?", "activity_summary",
          ("Activity totals of a day.", {"date": "string"}), {"date": "today"},
          '{"date": "2026-12-04", "steps": 8412, "distance_km": 6.1}', "8412", "8,412"),
    _case("What's the price of bitcoin?", "crypto_price",
          ("Latest price of a cryptocurrency.", {"symbol": "string"}), {"symbol": "BTC"},
          '{"symbol": "BTC", "price_usd": 91234.5}', "91234.5", "91,234.5"),
    _case("List the files in my downloads folder", "list_directory",
          ("Files in a folder.", {"path": "string"}), {"path": "downloads"},
          '["invoice.pdf", "photo.jpg", "setup.exe"]', "invoice.pdf", "photo.jpg", "setup.exe"),
    _case("When was the Eiffel Tower built?", "landmark_info",
          ("Facts about a landmark.", {"name": "string"}), {"name": "Eiffel Tower"},
          '{"name": "Eiffel Tower", "completed": 1889, "height_m": 330}', "1889"),
    _case("Look up the status of order 5521", "order_status",
          ("Status of an order.", {"order_id": "string"}), {"order_id": "5521"},
          '{"order_id": "5521", "status": "shipped", "carrier": "DHL", "eta": "2026-12-07"}',
          "shipped", "2026-12-07"),
    _case("Read the first line of notes.txt", "read_file",
          ("Read a text file.", {"path": "string"}), {"path": "notes.txt"},
          '{"error": "file not found: notes.txt"}', "not found", "does not exist",
          "doesn't exist"),
    _case("What's the speed of light?", "search_facts",
          ("Look up a short fact.", {"query": "string"}), {"query": "speed of light"},
          '{"answer": "299,792,458 m/s", "source": "encyclopedia"}', "299,792,458",
          "299792458"),
    _case("How old is Barack Obama?", "person_info",
          ("Facts about a person.", {"name": "string"}), {"name": "Barack Obama"},
          '{"name": "Barack Obama", "born": "1961-08-04", "age": 65}', "65"),
)
#: Where each group of cases starts: written before the copy bias in answers, after it, and
#: after the answer cue (each group before the measurement of what it was written after).
GROUPS: tuple[tuple[str, int], ...] = (("first 24", 0), ("next 10", 24), ("last 14", 34))
# fmt: on

#: Each setting: (copy_answers, the gate's answer_cue).
SETTINGS: dict[str, tuple[bool, str | None]] = {
    "gate + copy": (False, None),
    "gate + copy + answers": (True, None),
    "gate + copy + answers + cue": (True, "Based on the result, "),
}
_LOOP = re.compile(r"(\b(?:\S+\s+){1,4}?)\1\1")


def request(case: Case, copy_answers: bool, max_tokens: int) -> TurnRequest:
    """The turn after the tool's result, as an agent's second step asks for it."""
    tool = Tool.from_spec(
        {
            "name": case.tool,
            "description": case.description,
            "parameters": {
                "type": "object",
                "properties": {k: {"type": v} for k, v in case.parameters.items()},
                "required": list(case.parameters),
            },
        }
    )
    messages = [
        {"role": "user", "content": case.question},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "call_0", "name": case.tool, "arguments": case.arguments}],
        },
        {"role": "tool", "tool_call_id": "call_0", "name": case.tool, "content": case.result},
    ]
    params = GenerationParams(
        max_tokens=max_tokens,
        copy_bias=3.0,
        copy_answers=copy_answers,
        mentioned_arguments=True,
        example_shapes=True,
        listed_items=True,
    )
    return TurnRequest(messages, [tool], params, "auto", constrained=True, max_calls=8)


def grade(case: Case, answer: str) -> dict[str, bool]:
    return {
        "fact": any(fact in answer for fact in case.facts),
        "code": "```" in answer or "def " in answer,
        "loop": _LOOP.search(answer + " ") is not None,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--setting", action="append", choices=sorted(SETTINGS))
    p.add_argument("--model", default=None, help="a model for load_model (default: embedded)")
    p.add_argument("--threads", type=int, default=1, help="llama.cpp threads")
    p.add_argument("--max-tokens", type=int, default=256)
    p.add_argument("--out", default="runs/grounded-answers")
    a = p.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    if a.model is not None and not a.model.lower().endswith(".gguf"):
        import torch  # a transformers checkpoint: its CPU threads

        torch.set_num_threads(a.threads)
        backend = load_model(a.model)
    else:
        backend = load_model(a.model, n_threads=a.threads)
    table: dict[str, dict[str, float]] = {}
    for name in a.setting or list(SETTINGS):
        copy_answers, cue = SETTINGS[name]
        source = gated(turn_source(backend), CallGate(answer_cue=cue))
        rows = []
        for case in CASES:
            started = time.perf_counter()
            turn = asyncio.run(source.next_turn(request(case, copy_answers, a.max_tokens)))
            answer = turn.turn.answer or ""
            rows.append(
                {
                    "question": case.question,
                    "answer": answer,
                    "calls": [c.to_xlam() for c in turn.turn.calls],
                    **grade(case, answer),
                    "tokens": turn.generation.usage.completion_tokens,
                    "seconds": time.perf_counter() - started,
                }
            )
            print(f"{name} | {case.question} | {answer[:80]!r}", flush=True)
        path = out / f"results-{name.replace(' + ', '-').replace(' ', '-')}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        ends = [start for _, start in GROUPS[1:]] + [len(rows)]
        table[name] = {
            "holds the result's fact": sum(r["fact"] for r in rows),
            **{
                f"  of the {group}": sum(r["fact"] for r in rows[start:end])
                for (group, start), end in zip(GROUPS, ends, strict=True)
            },
            "holds code": sum(r["code"] for r in rows),
            "loops": sum(r["loop"] for r in rows),
            "called again": sum(bool(r["calls"]) for r in rows),
            "tokens generated": sum(r["tokens"] for r in rows),
            "seconds": round(sum(r["seconds"] for r in rows), 1),
        }
    names = list(table)
    lines = [
        f"| {len(CASES)} answers | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for metric in next(iter(table.values())):
        lines.append(f"| {metric} | " + " | ".join(f"{table[n][metric]:g}" for n in names) + " |")
    (out / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
