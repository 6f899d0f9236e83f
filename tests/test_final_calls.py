"""The rules that read a turn's final call list (`lamagent.gate.final_calls`): a value that ran
on into a number nobody wrote is cut there, after the drafts, and a call that became one the
list holds already is left out as a repeat."""

from __future__ import annotations

from turn_helpers import call, kind_tool

from lamagent.gate.final_calls import final_calls

COUNTRIES = [
    kind_tool(f"country_info.{what}", country="string")
    for what in ("largest_city", "population", "capital")
]
QUERY = (
    "What is the capital city of Australia, what is the current population of Canada, and "
    "what is the largest city in Brazil?"
)


def test_a_value_cut_before_a_number_nobody_wrote_and_its_repeat_left_out() -> None:
    capital = call("country_info.capital", country="Australia, 100,000,000")
    mangled = call("country_info.population", country="Canada, 1,000,000,000")
    population = call("country_info.population", country="Canada")
    largest = call("country_info.largest_city", country="Brazil")
    final = final_calls([capital, mangled, population, largest], QUERY, COUNTRIES)
    assert [(c.name, c.arguments["country"]) for c in final.calls] == [
        ("country_info.capital", "Australia"),
        ("country_info.population", "Canada"),
        ("country_info.largest_city", "Brazil"),
    ]
    # the call left is the one the model wrote so, its id kept
    assert final.calls[1] is population
    assert [c.arguments for c in final.unasked] == [{"country": "Canada"}]
    assert final.reshaped == [
        "country_info.capital.country: 'Australia, 100,000,000' as 'Australia', a number "
        "nobody wrote ends it",
        "country_info.population.country: 'Canada, 1,000,000,000' as 'Canada', a number "
        "nobody wrote ends it",
    ]


def test_calls_cut_alike_are_one() -> None:
    # two mangled values of one ask: the first stays, the second is its repeat
    first = call("country_info.capital", country="Australia, 100")
    second = call("country_info.capital", country="Australia, 200")
    final = final_calls([first, second], QUERY, COUNTRIES)
    assert [c.arguments for c in final.calls] == [{"country": "Australia"}]
    assert final.calls[0].id == first.id
    assert [c.id for c in final.unasked] == [second.id]


def test_a_number_the_user_wrote_stays() -> None:
    calls = [
        call("country_info.capital", country="Australia 2020"),
        call("country_info.population", country="Canada"),
    ]
    final = final_calls(calls, QUERY + " As of 2020.", COUNTRIES)
    assert final.calls == calls
    assert final.unasked == [] and final.reshaped == []
