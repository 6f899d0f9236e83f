"""The turn rules on schemas whose `type` is a list of types (JSON Schema allows it, and
`lamagent.tools.spec.normalize_schema` keeps it): no rule may fail on one. A rule that hashed
a schema's type (`lamagent.gate.codes`) once raised on `["integer", "number"]`."""

from __future__ import annotations

import json

import pytest
from turn_helpers import one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.tools import Tool

TOOL = Tool.from_spec(
    {
        "name": "book_service",
        "description": "Book a cleaning service; 1 for home, 2 for office.",
        "parameters": {
            "type": "object",
            "properties": {
                "service_id": {
                    "type": ["integer", "number"],
                    "description": "1 for home cleaning, 2 for office cleaning.",
                },
                "city": {"type": ["string", "null"], "description": "The city, e.g. 'Paris'."},
                "hours": {"type": ["array", "null"], "items": {"type": ["number", "string"]}},
                "rate": {"type": ["number", "null"], "description": "Percent. Default is 5."},
                "express": {"type": ["boolean", "null"], "description": "Express service."},
            },
            "required": ["service_id"],
        },
    }
)


@pytest.mark.parametrize(
    "arguments",
    [
        {"service_id": 2, "city": "Pariss", "hours": [9, "10:30"], "rate": 7, "express": True},
        {"service_id": 1.0, "city": None, "hours": None, "rate": None, "express": None},
        {"service_id": 3, "city": "office_city", "hours": [], "rate": 0.05},
    ],
)
def test_every_rule_reads_a_list_of_types(arguments: dict[str, object]) -> None:
    query = "Book office cleaning in Paris at 9 and 10:30 at 5% for 2 hours, not express."
    draft = json.dumps([{"name": "book_service", "arguments": arguments}])
    turn = one_turn(
        ScriptedBackend([draft] * 4, supports_constraint=True),  # (mentions may ask again)
        query,
        [TOOL],
        example_shapes=True,
        listed_items=True,
        mentioned_arguments=True,
    )
    assert turn.turn.error is None
    assert [c.name for c in turn.turn.calls] and all(
        c.name == "book_service" for c in turn.turn.calls
    )
