"""A value the model began copying from inside one of the user's words, as that word
(`lamagent.gate.identifiers`). The real engine is tested in test_identifiers_gguf.py."""

from __future__ import annotations

import time
from typing import Any

import pytest

from lamagent.gate.identifiers import whole_identifiers
from lamagent.messages import ToolCall


def _one(value: Any, source: str, **others: Any) -> Any:
    call = ToolCall(name="t", arguments={"v": value, **others})
    [out], notes = whole_identifiers([call], (source,))
    assert out.id == call.id
    assert (out.arguments["v"] == value) == (not notes)
    return out.arguments["v"]


@pytest.mark.parametrize(
    ("value", "source", "whole"),
    [
        (
            "data/myfMRI.nii",
            "Analyze my fMRI data in ~/data/myfMRI.nii from a scan.",
            "~/data/myfMRI.nii",
        ),
        ("plga.ca", "Fetch the page http://plga.ca please", "http://plga.ca"),
        ("user/home/data.csv", "Load '/user/home/data.csv' now.", "/user/home/data.csv"),
        ("dataset_name", "Train on dataset your_dataset_name with depth 5", "your_dataset_name"),
        ("config.yaml", r"Open C:\apps\config.yaml", r"C:\apps\config.yaml"),
        # a sentence's full stop after the word is no part of it
        ("report.pdf", "Mail it to me: docs/report.pdf.", "docs/report.pdf"),
    ],
)
def test_the_end_of_a_users_word_becomes_the_word(value: str, source: str, whole: str) -> None:
    assert _one(value, source) == whole


@pytest.mark.parametrize(
    ("value", "source"),
    [
        # the user also wrote the value alone
        ("data.csv", "Compare data.csv with old/data.csv"),
        # after a letter or a sign: a piece of a word, not a part of it
        ("chimpa", "How far do chimpanzees roam?"),
        ("15.99", "It costs $15.99"),
        # cut at its end too
        ("data/my", "Read ~/data/myfMRI.nii"),
        # two words end with it
        ("report.pdf", "Compare a/report.pdf and b/report.pdf"),
        # too short, or no letter
        ("io", "Go to https://x.io"),
        ("2021", "the 2020-2021 season"),
        # not written at all
        ("Paris", "the Louvre Museum"),
    ],
)
def test_left_alone(value: str, source: str) -> None:
    assert _one(value, source) == value


def test_a_call_that_holds_the_whole_word_elsewhere_keeps_its_part() -> None:
    assert _one("plga.ca", "Check http://plga.ca", url="http://plga.ca") == "plga.ca"


def test_list_elements_are_made_whole_one_by_one() -> None:
    source = "Merge ~/a/one.txt and ~/b/two.txt into out.txt"
    assert _one(["a/one.txt", "out.txt", 3], source) == ["~/a/one.txt", "out.txt", 3]


def test_a_long_source_is_read_in_linear_time() -> None:
    # the word's opening is read back a bounded way from each place the value is written
    source = "q" * 100_000 + " x/abc" * 20_000
    started = time.perf_counter()
    assert _one("abc", source) == "x/abc"
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    ("value", "source", "whole"),
    [
        # BFCL simple_python_321, parallel_42, parallel_multiple_151 and _74
        ("Liga", "What's the ranking of Barcelona in the 2021 La Liga season?", "La Liga"),
        ("P125", "Is the Yamaha P125 piano in stock in Berlin?", "Yamaha P125"),
        (
            "Le Bristol Paris",
            "Stay at the 'Hotel Le Bristol Paris' for 10 days",
            "Hotel Le Bristol Paris",
        ),
        ("Lakers", "the game between the Los Angeles Lakers and the Celtics", "Los Angeles Lakers"),
    ],
)
def test_the_end_of_a_users_name_becomes_the_name(value: str, source: str, whole: str) -> None:
    assert _one(value, source) == whole


@pytest.mark.parametrize(
    ("value", "source"),
    [
        ("Lakers", "Check Lakers games."),  # a sentence's first word
        ("Lakers", "the Los Angeles Lakers won, and Lakers fans cheered"),  # written alone too
        ("Lakers", "the Los Angeles Lakers and the LA Lakers"),  # two names end with it
        ("Paris", "Paris in spring"),  # not the end of a name
        ("lakers", "the Los Angeles lakers"),  # no capital: no name's word
        ("Liga", "La Liga standings for 2021"),  # the name opens the text
    ],
)
def test_names_left_alone(value: str, source: str) -> None:
    assert _one(value, source) == value


@pytest.mark.parametrize(
    ("value", "source", "others"),
    [
        # a stop word opens no name: a clause's verb after a greeting, an article
        ("Theater", "Hi, Find Theater events in Los Angeles", {}),
        ("Martin Garrix", "I heard that The Martin Garrix Experience album is great.", {}),
        # an identifier's word labels the value (BFCL live_multiple_115, _149, _180)
        ("AB1010CD", "the analysis for the component UUID AB1010CD, please", {}),
        ("L_579838452023959405", "for the network with ID L_579838452023959405?", {}),
        # the opening is another argument's value (simple_python_279, live_multiple_866)
        (
            "American Professional II Stratocaster",
            "the price of a Fender American Professional II Stratocaster in Rosewood",
            {"brand": "Fender"},
        ),
        ("Livermore, CA", "a showing at Vine Cinema Livermore, CA?", {"theater": "Vine Cinema"}),
    ],
)
def test_openings_that_are_no_part_of_the_name(
    value: str, source: str, others: dict[str, Any]
) -> None:
    assert _one(value, source, **others) == value


def test_a_value_an_enum_decides_is_left_alone() -> None:
    from turn_helpers import schema_tool

    tool = schema_tool(
        "t", {"v": {"type": "string", "enum": ["Indian", "Thai"]}, "w": {"type": "string"}}, ["v"]
    )
    source = "I'd like to dine at a Spicy Indian restaurant and try Spicy Thai"
    call = ToolCall(name="t", arguments={"v": "Indian", "w": "Thai"})
    [out], notes = whole_identifiers([call], (source,), [tool])
    assert out.arguments == {"v": "Indian", "w": "Spicy Thai"} and len(notes) == 1
    # without the tools, the enum is not known
    [old], _ = whole_identifiers([call], (source,))
    assert old.arguments["v"] == "Spicy Indian"
