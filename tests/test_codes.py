"""Numbers a parameter's description gives a meaning, where the user named the meaning
(`lamagent.gate.codes`). The real engine is tested in test_codes_gguf.py."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest

from lamagent.gate.codes import coded_values, described_codes
from lamagent.gate.unwritten_numbers import unwritten_numbers
from lamagent.messages import ToolCall
from lamagent.tools import Tool

SERVICES = (
    "Unique identifier for the service type. For example, 1 represents cleaning service, 2 for "
    "ironing service, and 3 for a comprehensive cleaning service."
)
PROVINCES = (
    "Unique identifier for the province. For example, 1 corresponds to Bangkok, 2 to Chiang Mai,"
    " and 3 to Chonburi."
)


def _tool(required: tuple[str, ...] = ("service_id",), **descriptions: Any) -> Tool:
    properties = {
        name: {"type": "integer", "description": d} if isinstance(d, str) else d
        for name, d in descriptions.items()
    }
    return Tool.from_spec(
        {
            "name": "find_providers",
            "description": "Find service providers.",
            "parameters": {"type": "dict", "required": list(required), "properties": properties},
        }
    )


TOOL = _tool(service_id=SERVICES, province_id=PROVINCES)


def _coded(arguments: dict[str, Any], query: str, tool: Tool = TOOL) -> dict[str, Any]:
    call = ToolCall(name="find_providers", arguments=arguments)
    [out], notes = coded_values([call], [tool], query)
    assert out.id == call.id
    assert len(notes) == sum(out.arguments.get(k) != arguments.get(k) for k in out.arguments)
    return out.arguments


@pytest.mark.parametrize(
    ("description", "codes"),
    [
        (
            "For example, '1' represents cleaning services, and '2' represents ironing services.",
            [(1, "cleaning services"), (2, "ironing services")],
        ),
        (
            SERVICES,
            [
                (1, "cleaning service"),
                (2, "ironing service"),
                (3, "comprehensive cleaning service"),
            ],
        ),
        (PROVINCES, [(1, "Bangkok"), (2, "Chiang Mai"), (3, "Chonburi")]),
        (
            "Between 0.0 and 1.0, where 0.0 indicates least confidence and 1.0 indicates highest.",
            [(Decimal("0.0"), "least confidence"), (Decimal("1.0"), "highest")],
        ),
        ("The mode: 0 = off, 1 = on.", [(0, "off"), (1, "on")]),
        # one code is no code; a range is none; one number two meanings is none
        ("Returns the top 5 for each category.", []),
        ("A rating from 1 to 5 stars.", []),
        ("From 1 to 10; 0 for none and 99 for unknown.", [(0, "none"), (99, "unknown")]),
        ("1 for cats, 1 for dogs.", []),
    ],
)
def test_described_codes(description: str, codes: list[tuple[Any, str]]) -> None:
    assert described_codes(description) == [(Decimal(c), m) for c, m in codes]


@pytest.mark.parametrize(
    ("arguments", "query", "expected"),
    [
        # the code of the meaning named, for a wrong code or a made-up one
        ({"service_id": 1}, "Find someone for ironing services", {"service_id": 2}),
        ({"service_id": 1234567890}, "an ironing service please", {"service_id": 2}),
        # an argument the call lacks is added: the user named its value
        ({"service_id": 2}, "ironing in Chiang Mai", {"service_id": 2, "province_id": 2}),
        # the meaning of the most words: "comprehensive cleaning" over "cleaning"
        ({"service_id": 1}, "a comprehensive cleaning, please", {"service_id": 3}),
        ({"service_id": 3}, "a cleaning service", {"service_id": 1}),
        # the words every meaning shares name none ("service")
        ({"service_id": 3}, "any service will do", {"service_id": 3}),
        # two provinces named: left alone (one per call, maybe)
        ({"service_id": 1}, "cleaning in Bangkok and Chonburi", {"service_id": 1}),
        # nothing named
        ({"service_id": 1}, "ช่วยหาคุณแม่บ้าน", {"service_id": 1}),
        # stems aside: "irons" says "ironing"
        ({"service_id": 1}, "Who irons? Service in Bangkok", {"service_id": 2, "province_id": 1}),
        # the meaning's words in a row: "comprehensive" and "cleaning" apart name "cleaning"
        ({"service_id": 3}, "a comprehensive plan: cleaning", {"service_id": 1}),
    ],
)
def test_coded_values(arguments: dict[str, Any], query: str, expected: dict[str, Any]) -> None:
    assert _coded(arguments, query) == expected


def test_only_number_parameters_take_codes() -> None:
    tool = _tool(service_id={"type": "string", "description": SERVICES})
    assert _coded({"service_id": "x"}, "ironing services", tool) == {"service_id": "x"}


def test_an_enum_keeps_the_codes_it_lists() -> None:
    tool = _tool(service_id={"type": "integer", "description": SERVICES, "enum": [1, 3]})
    assert _coded({"service_id": 1}, "ironing services", tool) == {"service_id": 1}
    assert _coded({"service_id": 1}, "comprehensive cleaning", tool) == {"service_id": 3}


def test_a_code_as_a_number_type() -> None:
    tool = _tool(level={"type": "number", "description": "0.5 means half, 1.5 means more."})
    assert _coded({}, "half of it", tool) == {"level": 0.5}


def test_a_code_whose_meaning_is_named_is_written() -> None:
    # an optional number nobody wrote in digits is kept when the user named its meaning
    call = ToolCall(name="find_providers", arguments={"service_id": 2, "province_id": 1})
    [kept], notes = unwritten_numbers([call], [TOOL], ["ironing in Bangkok"])
    assert kept.arguments == {"service_id": 2, "province_id": 1} and notes == []
    [left], notes = unwritten_numbers([call], [TOOL], ["ironing in Chonburi"])
    assert left.arguments == {"service_id": 2} and len(notes) == 1


def test_thousands_of_codes_and_a_long_request_are_read_at_once() -> None:
    # a tool's description is a third party's: 10,000 codes against a request of 50,000
    # words took 18 s when every meaning was sought at every word; the words are indexed
    description = ", ".join(f"{i} for place{i}x" for i in range(10_000))
    tool = _tool(service_id={"type": "integer", "description": description})
    query = "x " * 50_000 + "in place4321x"
    started = time.perf_counter()
    assert _coded({"service_id": 1}, query, tool) == {"service_id": 4321}
    assert time.perf_counter() - started < 5
