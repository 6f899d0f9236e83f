"""Values the model made up, on the real engine with the embedded model (SmolLM2-135M), its
calls-only turns on BFCL cases (the evaluation's settings, `example_shapes` on): what the
model wrote, what the turn holds, and that without the rules the turn holds the model's:

- simple_python_319 ("the ranking of Manchester United in Premier League"): the model writes
  `"league": "Ligue 1"`; the turn holds the user's "Premier League"
  (`lamagent.gate.kind_names`).
- simple_python_339 ("the probability of getting a full house in poker"): the model writes
  `"deck_size": 5`, a number nobody wrote for a required parameter; the turn holds 52, the
  default its description states (`lamagent.gate.unwritten_numbers`).
- simple_python_215 ("Give me a brief on movie 'Interstellar'"): the model switches on
  `extra_info` (the director, the cast, the awards), which nobody asked for; the turn leaves it
  out (`lamagent.gate.switches.unasked_switches`).
- simple_python_267 ("... in the upcoming month"): the model writes `"month": "July"`; the
  turn leaves out the name nobody wrote (`lamagent.gate.placeholders`).
- simple_python_87 ("Sort the list [5, 3, 4, 1, 2]", a list of floats): the model copies the
  ints; the turn holds floats (`lamagent.gate.number_types`).
- parallel_multiple_93 (its question and function docs, as BFCL's dev copy here holds no
  parallel_multiple): the call of the tool the request names that no call used is drafted
  on the words that ask for it, "... the date of the signing of the Magna Carta"; the
  switch it writes, `calculate_years_ago`, is asked for by the rest of the sentence ("and
  calculate how many years ago that event took place"), which the rule reads
  (`TurnRequest.whole_request`).
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import EVAL_SETTINGS, bfcl_turn
from turn_helpers import one_turn

from lamagent.eval.prompt_docs import bfcl_prompt_docs
from lamagent.tools import Tool


@pytest.mark.parametrize(
    ("case_id", "drafted", "name", "shaped", "note"),
    [
        ("simple_python_319", '"league": "Ligue 1"', "league", "Premier League", "its kind"),
        ("simple_python_339", '"deck_size": 5', "deck_size", 52, "the default its parameter"),
        ("simple_python_215", '"extra_info": true', "extra_info", None, "a switch the user"),
        ("simple_python_267", '"month": "July"', "month", None, "a name nobody wrote"),
    ],
)
def test_a_made_up_value_is_the_users_or_left_out(
    gguf: Any, case_id: str, drafted: str, name: str, shaped: Any, note: str
) -> None:
    turn = bfcl_turn(gguf, case_id, example_shapes=True)
    assert drafted in turn.generation.text  # what the model wrote
    [call] = turn.turn.calls
    assert call.arguments.get(name) == shaped  # what the turn holds (None: left out)
    assert [n for n in turn.reshaped if n.startswith(f"{call.name}.{name}:") and note in n]
    # and the rules are what changed it: without them, the turn holds the model's value
    [draft] = bfcl_turn(gguf, case_id, example_shapes=False).turn.calls
    assert draft.arguments.get(name) != shaped


def test_the_ints_of_a_float_list_are_floats(gguf: Any) -> None:
    turn = bfcl_turn(gguf, "simple_python_87", example_shapes=True)
    assert '"list": [5, 3, 4, 1, 2]' in turn.generation.text
    assert repr(turn.turn.calls[0].arguments["list"]) == repr([5.0, 3.0, 4.0, 1.0, 2.0])
    [draft] = bfcl_turn(gguf, "simple_python_87", example_shapes=False).turn.calls
    assert [type(n) for n in draft.arguments["list"]] == [int] * 5


def _dated(name: str, description: str, subject: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "parameters": {
            "type": "dict",
            "properties": {
                subject: {"type": "string", "description": what},
                "calculate_years_ago": {
                    "type": "boolean",
                    "description": "True if years ago is to be calculated. False by default",
                },
            },
            "required": [subject],
        },
    }


ERAS = [  # BFCL parallel_multiple_93
    _dated(
        "geology.get_era",
        "Get the estimated date of a geological era.",
        "era_name",
        "The name of the geological era. e.g Ice age",
    ),
    _dated(
        "history.get_event_date",
        "Get the date of an historical event.",
        "event_name",
        "The name of the event.",
    ),
]
ERAS_ASK = (
    '"Could you tell me the estimated date of the Jurassic geological era and calculate how '
    "many years ago it was? Also, could you provide the date of the signing of the Magna Carta "
    'and calculate how many years ago that event took place?"'
)


def test_a_switch_the_rest_of_the_request_asks_for_stays(gguf: Any) -> None:
    tools = [Tool.from_spec(f) for f in bfcl_prompt_docs(ERAS, "parallel_multiple")]
    turn = one_turn(gguf, ERAS_ASK, tools, **{**EVAL_SETTINGS, "example_shapes": True})
    assert [c.to_xlam() for c in turn.turn.calls] == [
        {
            "name": "geology.get_era",
            "arguments": {"era_name": "Jurassic", "calculate_years_ago": True},
        },
        {
            "name": "history.get_event_date",
            "arguments": {"event_name": "Magna Carta", "calculate_years_ago": True},
        },
    ]
