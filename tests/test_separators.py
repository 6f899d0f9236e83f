"""A value that opens with the separator written before it, or closes with the comma after
it (`lamagent.gate.separators`).
The drafts are the embedded model's on BFCL cases (named), and made-up ones."""

from __future__ import annotations

from typing import Any

import pytest

from lamagent.gate.separators import trimmed_separators
from lamagent.messages import ToolCall


def _unopened(draft: dict[str, Any], *sources: str) -> tuple[dict[str, Any], list[str]]:
    calls, notes = trimmed_separators([ToolCall(name="t", arguments=draft)], sources)
    return calls[0].arguments, notes


@pytest.mark.parametrize(
    ("source", "draft", "meant"),
    [
        (  # BFCL parallel_24: the first case number skipped, the comma before the second kept
            "Can you find me case law details of Case No 28473 and 64725?",
            {"case_number": ", 64725", "include_history": True},
            {"case_number": "64725", "include_history": True},
        ),
        (  # BFCL simple_python_169: no space after the comma
            "the court case identified by docket number 123456 in Texas",
            {"docket_number": ",123456", "location": "Texas"},
            {"docket_number": "123456", "location": "Texas"},
        ),
        (  # made up: a semicolon, spaces around the value, an element of a list
            "Tag it red; blue",
            {"tags": ["red", " ;  blue "]},
            {"tags": ["red", "blue"]},
        ),
        (  # made up: the value goes on after a comma of its own
            "Ship it to Paris, France",
            {"city": ", Paris, France"},
            {"city": "Paris, France"},
        ),
        (  # the embedded model on the demo's "Convert 10 miles to km, please": the comma
            # after the unit closes the value
            "Convert 10 miles to km, please",
            {"value": 10.0, "from_unit": "km, ", "to_unit": "miles"},
            {"value": 10.0, "from_unit": "km", "to_unit": "miles"},
        ),
        (  # made up: opened and closed, an element of a list
            "Invite Ann, Bob, and Cy",
            {"names": ["Ann", ", Bob,"]},
            {"names": ["Ann", "Bob"]},
        ),
    ],
)
def test_the_separator_is_nobodys_value(
    source: str, draft: dict[str, Any], meant: dict[str, Any]
) -> None:
    arguments, notes = _unopened(draft, source)
    assert arguments == meant
    assert len(notes) == sum(draft[k] != meant[k] for k in draft)


def test_the_note_says_what_changed() -> None:
    _, notes = _unopened({"case_number": ", 64725"}, "Case No 28473 and 64725")
    assert notes == ["t.case_number: ', 64725' as '64725'"]


@pytest.mark.parametrize(
    ("source", "draft"),
    [
        # a separator on its own is a value (a delimiter)
        ("Split the line on commas", {"delimiter": ", "}),
        ("Join the lines with semicolons", {"separators": [";", ","]}),
        # a value the user quoted with its separator
        ("Append ',done' to the line", {"suffix": ",done"}),
        ('Use the suffix ";v2" for it', {"suffix": ";v2"}),
        ("Write 'Dear Ann,' at the top", {"greeting": "Dear Ann,"}),
        # a closing semicolon ends a statement of code
        ("Run x = 5; in the shell", {"code": "x = 5;"}),
        # other marks first, a separator inside, values that are no text
        ("Read .env", {"path": ".env"}),
        ("Reply with 'yes, please'", {"text": "yes, please"}),
        ("5 and 6", {"n": 5, "flag": True, "none": None}),
    ],
)
def test_left_alone(source: str, draft: dict[str, Any]) -> None:
    assert _unopened(draft, source) == (draft, [])
