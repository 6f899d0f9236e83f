"""A date the user wrote, in the form its parameter's description names
(`lamagent.gate.dates`). The drafts are the embedded model's on BFCL cases (named), and
made-up ones."""

from __future__ import annotations

from typing import Any

import pytest

from lamagent.gate.dates import (
    DateForm,
    WrittenDate,
    date_form,
    dated_values,
    value_dates,
    written_dates,
)
from lamagent.messages import ToolCall
from lamagent.tools import Tool


def _tool(name: str = "t", **descriptions: str) -> Tool:
    properties = {n: {"type": "string", "description": d} for n, d in descriptions.items()}
    return Tool(name, "", {"type": "object", "properties": properties, "required": []})


def _dated(tool: Tool, query: str, **draft: Any) -> tuple[dict[str, Any], list[str]]:
    calls, notes = dated_values([ToolCall(name=tool.name, arguments=draft)], [tool], query)
    return calls[0].arguments, notes


@pytest.mark.parametrize(
    ("description", "form"),
    [
        ("The starting date. Format: 'yyyy-mm-dd'.", DateForm(("Y4", "M", "D"), "-")),
        ("The date for the UV index, in the format mm-dd-yyyy.", DateForm(("M", "D", "Y4"), "-")),
        ("The date (month-day-year) you want.", DateForm(("M", "D", "Y4"), "-")),
        ("Date of the concert in 'mm-yyyy' format.", DateForm(("M", "Y4"), "-")),
        ("Formatted as 'DD/MM/YY'.", DateForm(("D", "M", "Y2"), "/")),
        ("in the format of MM-DD-YYY.", DateForm(("M", "D", "Y4"), "-")),
        ("Use 'YYYY.MM.DD'; e.g. '2024.01.31'.", DateForm(("Y4", "M", "D"), ".")),
    ],
)
def test_the_form_a_description_names(description: str, form: DateForm) -> None:
    assert date_form(description) == form


@pytest.mark.parametrize(
    "description",
    [
        "The departure time in the format of 'dd/mm/yyyy HH:MM'.",  # a time of day too
        "The start, an ISO 8601 date-time such as 'YYYY-MM-DD'.",
        "Specific season in format 'YYYY-YYYY'.",  # a season, no date
        "The day of the month, 'DD'.",  # one field
        "Either 'YYYY-MM-DD' or 'MM/DD/YYYY'.",  # which one?
        "The date of the event.",
        "The mm-dd of it.",  # no year
    ],
)
def test_no_form(description: str) -> None:
    assert date_form(description) is None


def test_the_dates_a_text_writes_in_order() -> None:
    text = (
        "From 2023 April 4th to April 8th; born 01-01-1980, then 16/08/2022, 2022.10.2, "
        "Jan.28,2021, the 15th October,2023, 17th of March, April 2022 and March 17, 1915."
    )
    assert written_dates(text) == [
        WrittenDate(2023, 4, 4),
        WrittenDate(None, 4, 8),
        WrittenDate(1980, 1, 1),
        WrittenDate(2022, 8, 16),
        WrittenDate(2022, 10, 2),
        WrittenDate(2021, 1, 28),
        WrittenDate(2023, 10, 15),
        WrittenDate(None, 3, 17),
        WrittenDate(2022, 4, None),
        WrittenDate(1915, 3, 17),
    ]


def test_a_date_the_user_says_is_today_is_no_value() -> None:
    # bfcl-eval live_simple_196-116-4, live_multiple_269-127-4
    text = "the forecast for Alameda on the upcoming Wednesday, today is Monday April 25th 2023?"
    assert written_dates(text) == [WrittenDate(2023, 4, 25)]
    assert value_dates(text) == []
    text = "Wednesday next week in Philly? today is 2023.3.1 monday; and on March 9, 2023?"
    assert value_dates(text) == [WrittenDate(2023, 3, 9)]


@pytest.mark.parametrize(
    "text",
    [
        "May I book it for 3 people?",  # a month's name without a day or a year
        "03/04/2022",  # March the 4th, or April the 3rd?
        "version 2.1.3 at 10:30 on 13/13/2022",  # no date: a version, a time, no month 13
        "in March",
    ],
)
def test_no_date(text: str) -> None:
    assert written_dates(text) == []


@pytest.mark.parametrize(
    ("tool", "query", "draft", "meant"),
    [
        (  # BFCL simple_python_196: the user's form copied
            _tool(date="The date (month-day-year) you want to get the air quality index for."),
            "What is the air quality index in London 2022/08/16?",
            {"date": "2022/08/16"},
            {"date": "08-16-2022"},
        ),
        (  # BFCL simple_python_157: the user wrote the form; the model another
            _tool(birth_date="The birth date. Must be in MM-DD-YYYY format."),
            "an individual John Doe with a birthday 01-01-1980",
            {"birth_date": "1980-01-01"},
            {"birth_date": "01-01-1980"},
        ),
        (  # BFCL multiple_156: a month's name
            _tool(date="The date of the contribution. Format: 'yyyy-mm-dd'."),
            "What was Albert Einstein's contribution to science on March 17, 1915?",
            {"date": "March 17, 1915"},
            {"date": "1915-03-17"},
        ),
        (  # BFCL simple_python_286: the model's value is no date; one date written
            _tool(date="Date of the concert in 'mm-yyyy' format."),
            "Beyonce performing in San Diego next month (April 2022).",
            {"date": "20-0423"},
            {"date": "04-2022"},
        ),
        (  # BFCL simple_python_381: two dates for two date arguments, in order; the year
            # the user wrote once stays the first date's
            _tool(
                check_in_date="The check-in date in the format YYYY-MM-DD.",
                check_out_date="The check-out date in the format YYYY-MM-DD.",
            ),
            "Check if any Hilton Hotel is available in Paris from 2023 April 4th to April 8th?",
            {"check_in_date": "2023-04-20", "check_out_date": "2023-04-21"},
            {"check_in_date": "2023-04-04", "check_out_date": "2023-04-08"},
        ),
        (  # bfcl-eval live_multiple_275-127-10: the year the user left out is the model's
            _tool(date="The date, in the format 'YYYY-MM-DD'."),
            "the weather condition in American Canyon on 12th of March",
            {"date": "2023-03-01"},
            {"date": "2023-03-12"},
        ),
        (  # made up: the model's value names one of the user's dates
            _tool(day="The day, 'DD.MM.YYYY'."),
            "Move it from 5 May 2024 to 9 May 2024",
            {"day": "2024-05-09"},
            {"day": "09.05.2024"},
        ),
    ],
)
def test_the_users_date_in_the_form(
    tool: Tool, query: str, draft: dict[str, Any], meant: dict[str, Any]
) -> None:
    arguments, notes = _dated(tool, query, **draft)
    assert arguments == meant
    assert len(notes) == sum(draft[k] != meant[k] for k in draft)


def test_one_date_per_call() -> None:
    # BFCL parallel_30: a flight per date, in the order written
    tool = _tool(date="The date of the flight, format YYYY-MM-DD.")
    calls = [ToolCall(name="t", arguments={"date": "2022-05-30"}) for _ in range(2)]
    query = "Book a flight on May 3rd 2022 and another flight on May 18th 2022."
    dated, _ = dated_values(calls, [tool], query)
    assert [c.arguments["date"] for c in dated] == ["2022-05-03", "2022-05-18"]


def test_no_form_named_the_models_iso_date_is_the_form() -> None:
    # BFCL parallel_30: "The date of the flight." names no form; the model wrote ISO 8601's
    # with the wrong day ("2022-05-30" for "May 3rd 2022")
    tool = _tool(date="The date of the flight.")
    calls = [ToolCall(name="t", arguments={"date": "2022-05-30"}) for _ in range(2)]
    query = "Book a flight on May 3rd 2022 and another flight on May 18th 2022."
    dated, _ = dated_values(calls, [tool], query)
    assert [c.arguments["date"] for c in dated] == ["2022-05-03", "2022-05-18"]
    # a value in another form, or none at all, names no form
    assert _dated(tool, "on May 3rd 2022", date="05/30/2022") == ({"date": "05/30/2022"}, [])
    assert _dated(tool, "on May 3rd 2022", date="May 30") == ({"date": "May 30"}, [])


def test_the_note_says_what_changed() -> None:
    tool = _tool("air_quality", date="The date (month-day-year).")
    _, notes = _dated(tool, "in London 2022/08/16?", date="2022/08/16")
    assert notes == ["air_quality.date: '2022/08/16' as '08-16-2022', the user's date"]


@pytest.mark.parametrize(
    ("tool", "query", "draft"),
    [
        # two dates written, one argument, and the model's value is neither
        (
            _tool(date="Format: 'yyyy-mm-dd'."),
            "born 2001-02-03, married 2020-05-06",
            {"date": "2024-01-01"},
        ),
        # the form needs a year nobody wrote
        (_tool(date="Format: 'yyyy-mm-dd'."), "on 12th of March", {"date": "next week"}),
        # no form named, or an enum keeps its values
        (_tool(date="The date of the event."), "on March 3, 2022", {"date": "3/3/22"}),
        (
            Tool(
                "t",
                "",
                {
                    "type": "object",
                    "properties": {"d": {"type": "string", "enum": ["2022/03/03"]}},
                },
            ),
            "on March 3, 2022",
            {"d": "2022/03/03"},
        ),
        # no date the user wrote ("next Friday" is not computed), a value that is no text
        (_tool(date="Format: 'yyyy-mm-dd'."), "next Friday", {"date": "2022-01-01"}),
        (_tool(date="Format: 'yyyy-mm-dd'."), "on March 3, 2022", {"date": 20220303}),
        # already in the form
        (_tool(date="Format: 'yyyy-mm-dd'."), "on March 3, 2022", {"date": "2022-03-03"}),
    ],
)
def test_left_alone(tool: Tool, query: str, draft: dict[str, Any]) -> None:
    assert _dated(tool, query, **draft) == (draft, [])
