"""The example tools of `lamagent run`: real behaviour, and refusal of anything unsafe."""

from __future__ import annotations

import datetime as dt
import math
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamagent.demo_tools import (
    calculate,
    convert_units,
    example_tools,
    file_search_tool,
    local_time,
)
from lamagent.tools import Tool


def call(t: Tool, **arguments: Any) -> Any:
    return anyio.run(t.acall, arguments)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(2 + 3) * 4.5", 22.5),
        ("2 ** 10 % 7", 2),
        ("-3 // 2", -2),
        ("10 / 4", 2.5),
        ("2^8", 256),
        (" 7 × 6 ", 42),
    ],
)
def test_calculate_evaluates_arithmetic(expression: str, expected: float) -> None:
    assert call(calculate, expression=expression) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('echo hi')",
        "open('/etc/passwd').read()",
        "x + 1",
        "[1, 2][0]",
        "(lambda: 1)()",
        "1 if True else 2",
        "'a' * 3",
        "True + 1",
    ],
)
def test_calculate_refuses_anything_but_numbers_and_operators(expression: str) -> None:
    with pytest.raises(ValueError):
        call(calculate, expression=expression)


@pytest.mark.parametrize(
    "expression", ["9 ** 9 ** 9", "10 ** 100000", "1 / 0", "5 % 0", "1+" * 200 + "1"]
)
def test_calculate_bounds_work_and_errors(expression: str) -> None:
    with pytest.raises(ValueError):
        call(calculate, expression=expression)


def test_calculate_spec_is_a_single_string_argument() -> None:
    assert calculate.spec()["parameters"]["required"] == ["expression"]


@pytest.mark.parametrize(
    ("value", "src", "dst", "expected"),
    [
        (10, "km", "miles", 6.213712),
        (100, "celsius", "fahrenheit", 212.0),
        (32, "F", "C", 0.0),
        (0, "c", "kelvin", 273.15),
        (1, "lb", "g", 453.59237),
        (2, "hours", "min", 120.0),
        (100, "km/h", "mph", 62.137119),
    ],
)
def test_convert_units(value: float, src: str, dst: str, expected: float) -> None:
    written = call(convert_units, value=value, from_unit=src, to_unit=dst)
    given, _, result = written.partition(" = ")
    assert given == f"{value:g} {src}"
    number, unit = result.split(" ")
    assert float(number) == pytest.approx(expected, abs=1e-6) and unit == dst


def test_convert_units_reads_as_the_conversion() -> None:
    # the quantities as people write them, with the units as given: an answer copies them
    assert call(convert_units, value=3.0, from_unit="kg", to_unit="pounds") == (
        "3 kg = 6.613868 pounds"
    )
    assert call(convert_units, value=-40, from_unit="C", to_unit="F") == "-40 C = -40 F"
    assert call(convert_units, value=0.5, from_unit=" km ", to_unit="m") == "0.5 km = 500 m"


@pytest.mark.parametrize(("src", "dst"), [("km", "kg"), ("celsius", "m"), ("parsec", "m")])
def test_convert_units_rejects_mismatched_or_unknown_units(src: str, dst: str) -> None:
    with pytest.raises(ValueError, match=r"unknown unit|cannot convert"):
        call(convert_units, value=1, from_unit=src, to_unit=dst)


def test_local_time_is_in_the_requested_zone() -> None:
    text = call(local_time, timezone="Asia/Tokyo")
    assert "JST" in text and "UTC+0900" in text
    expected_day = dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).strftime("%Y-%m-%d")
    assert text.startswith(expected_day[:7])


def test_local_time_unknown_zone_says_what_to_use() -> None:
    with pytest.raises(ValueError, match="IANA"):
        call(local_time, timezone="Mars/Olympus")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "groceries.txt").write_text("milk\neggs\nLondon tea\n")
    (tmp_path / "report.md").write_text("# Report\nQuarterly numbers\n")
    (tmp_path / "image.bin").write_bytes(b"\x00\x01London\x00")
    (tmp_path.parent / "outside.txt").write_text("London secret")
    return tmp_path


def test_search_files_by_name_and_content(folder: Path) -> None:
    search = file_search_tool(folder)
    assert call(search, query="report") == [{"path": "report.md", "match": "name"}]
    hits = call(search, query="london")
    assert hits == [
        {"path": "notes/groceries.txt", "match": "content", "line": 3, "text": "London tea"}
    ]
    assert call(search, query="london", content=False) == []
    assert call(search, query="report", pattern="notes/*") == []


def test_search_files_stays_inside_the_folder(folder: Path) -> None:
    search = file_search_tool(folder)
    with pytest.raises(ValueError, match="inside"):
        call(search, query="secret", pattern="../*")
    (folder / "link.txt").symlink_to(folder.parent / "outside.txt")
    assert call(search, query="secret") == []


def test_search_files_is_bounded(folder: Path) -> None:
    for i in range(30):
        (folder / f"file{i}.log").write_text("needle")
    assert len(call(file_search_tool(folder, max_results=5), query="needle")) == 5


def test_example_tools_include_file_search_only_with_a_folder(folder: Path) -> None:
    assert [t.name for t in example_tools()] == ["calculate", "convert_units", "local_time"]
    assert "search_files" in [t.name for t in example_tools(folder)]
    with pytest.raises(ValueError, match="not a folder"):
        file_search_tool(folder / "missing")


@pytest.mark.parametrize(
    "expression",
    ["1e309", "1e309-1e309", "-1e309", "1e308*10", "1e300/1e-300", "0.001**-200", "0 ** -1"],
)
def test_calculate_never_returns_inf_or_nan(expression: str) -> None:
    with pytest.raises(ValueError, match=r"finite|too large|cannot compute"):
        call(calculate, expression=expression)


@pytest.mark.parametrize(
    "expression",
    ["-" * 299 + "1", "+-" * 140 + "1", "2**" * 99 + "2", "9" * 299 + "**9"],
)
def test_calculate_refuses_deep_or_huge_expressions_quickly(expression: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ValueError):
        call(calculate, expression=expression)
    assert time.perf_counter() - start < 0.5


def test_calculate_handles_redundant_parentheses() -> None:
    assert call(calculate, expression="(" * 140 + "1" + ")" * 140) == 1


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789.e+-*/%() ", max_size=60))
def test_calculate_gives_a_finite_number_or_a_clear_error(expression: str) -> None:
    start = time.perf_counter()
    try:
        result = calculate(expression)
    except ValueError as exc:
        assert str(exc)
    else:
        assert isinstance(result, (int, float)) and math.isfinite(result)
        assert abs(result) <= 1e300
    assert time.perf_counter() - start < 0.5


def test_search_files_bounds_the_entries_it_scans_not_only_the_matches(tmp_path: Path) -> None:
    for d in range(30):
        sub = tmp_path / f"d{d:02}"
        sub.mkdir()
        for f in range(40):
            (sub / f"f{f}.txt").write_text("nothing here")
    search = file_search_tool(tmp_path, max_entries=200)
    start = time.perf_counter()
    hits = call(search, query="needle", pattern="**/**/**/**/*.txt")
    assert time.perf_counter() - start < 2
    assert hits == [
        {
            "note": "the search stopped early: it scanned the limit of 200 entries; results "
            "may be incomplete, so narrow the pattern"
        }
    ]


def test_search_files_does_not_follow_folder_links_in_circles(folder: Path) -> None:
    (folder / "notes" / "loop").symlink_to(folder, target_is_directory=True)
    (folder / "notes" / "loop2").symlink_to(folder / "notes", target_is_directory=True)
    search = file_search_tool(folder)
    start = time.perf_counter()
    hits = call(search, query="london", pattern="**/**/**/*")
    assert time.perf_counter() - start < 2
    assert hits == [
        {"path": "notes/groceries.txt", "match": "content", "line": 3, "text": "London tea"}
    ]


def test_search_files_stops_at_its_time_budget(folder: Path) -> None:
    hits = call(file_search_tool(folder, time_budget=0.0), query="london")
    assert hits[-1]["note"].startswith("the search stopped early: it ran out of its 0 s")


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("*.md", ["report.md"]),
        ("**/*.txt", ["notes/groceries.txt"]),
        ("notes/*", ["notes/groceries.txt"]),
        ("**", ["image.bin", "notes/groceries.txt", "report.md"]),
        ("*/g*", ["notes/groceries.txt"]),
        ("*.txt", []),
    ],
)
def test_search_files_patterns_match_like_globs(
    folder: Path, pattern: str, expected: list[str]
) -> None:
    hits = call(file_search_tool(folder), query="", pattern=pattern)
    assert sorted(h["path"] for h in hits) == expected
