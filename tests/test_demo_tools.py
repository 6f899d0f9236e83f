"""The example tools of `lamagent run`: real behaviour, and refusal of anything unsafe."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import anyio
import pytest

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
    assert call(convert_units, value=value, from_unit=src, to_unit=dst)["result"] == pytest.approx(
        expected
    )


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
