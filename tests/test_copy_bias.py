"""Copy-aware decoding: the span matcher and the string-value tracker (pure Python)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from lamagent.backends._engine.copy_bias import (
    ANSWER_WINDOW,
    MID_WORD_FACTOR,
    CopyBias,
    CopySources,
    TokenTexts,
    copy_bias_for,
    copy_record,
    escape,
    plain_numbers,
    spelled_numbers,
)
from lamagent.generation import Constraint, CopyBiasRecord, GenerationParams

QUERY = "What are the current weather conditions in Tel Aviv, and could you provide Fahrenheit?"
CALLS = Constraint(json_schema={"type": "array"})


def _tokens(*texts: str) -> TokenTexts:
    return TokenTexts(list(texts))


def test_an_empty_value_may_start_any_word_of_the_sources() -> None:
    sources = CopySources(["Tel Aviv, Israel"])
    assert sources.continuations("") == {"Tel Aviv, Israel", "Aviv, Israel", "Israel"}


def test_the_whole_value_anchors_where_it_occurs() -> None:
    sources = CopySources([QUERY])
    assert sources.continuations("Tel Av", horizon=6) == {"iv,"}
    assert sources.continuations("Tel Aviv", horizon=5) == {","}  # "and" is not copied
    # the whole value is looked up anywhere, inside words too ("weather")
    assert sources.continuations("the", horizon=4) == {" cur", "r co"}


def test_a_span_neither_starts_nor_goes_on_with_a_function_word() -> None:
    sources = CopySources(["temperature in Seattle and Los Angeles", "a burger with no onions"])
    assert sources.continuations("Seattle") == set()  # "and" ends the span: two values
    assert sources.continuations("burger") == set()
    assert sources.continuations("temp", horizon=40) == {"erature"}
    starts = sources.continuations("", horizon=8)
    assert "Seattle" in starts and "burger" in starts
    assert not any(s.split()[0].lower() in ("in", "and", "a", "with") for s in starts)
    # a word that merely begins like one ("android", "inside") is not a function word
    assert CopySources(["android inside"]).continuations("") == {"android inside", "inside"}


def test_a_span_the_user_quoted_is_copied_whole_and_no_further() -> None:
    sources = CopySources(
        ["I need to remember to 'go to Goa' today", 'the book "The Lord of the Rings", `DNA123`']
    )
    # function words inside the quotes do not end the span; its closing mark is not favoured
    assert sources.continuations("go", horizon=40) == {" to Goa"}
    assert sources.continuations("The Lord", horizon=40) == {" of the Rings"}
    assert sources.continuations("go to Goa", horizon=40) == set()
    assert sources.continuations("DNA", horizon=40) == {"123"}
    starts = sources.continuations("", horizon=40)
    assert {"go to Goa", "The Lord of the Rings", "DNA123", "Goa", "Lord of the Rings"} <= starts
    # inside the quotes too, a value does not start with a function word (but at the quote)
    assert not {"to Goa", "of the Rings", "the Rings"} & starts
    # outside the quotes a piece ends where a quoted span opens, before its mark
    assert sources.continuations("remember", horizon=40) == set()  # "to" ends it
    assert "book" in starts and not any("'" in s or '\\"' in s for s in starts)


def test_a_value_that_is_a_quoted_span_whole_is_steered_to_close() -> None:
    tokens = _tokens("ABC", " Ltd", ".", " 345", '"', '",', '"}', ",", "'")
    closers = {tokens.string_closers[i] for i in range(len(tokens.string_closers))}
    assert closers == {4, 5, 6}  # the quote alone or with JSON after it; not "," nor "'"
    bias = CopyBias(CopySources(["Fetch company 'ABC Ltd.' with the ID 345"]), tokens, 3.0)
    bias.feed('[{"name": "f", "arguments": {"company": "ABC Ltd')
    assert set(bias.favoured()) == {2}  # the span goes on: "."
    bias.feed(".")
    assert set(bias.favoured()) == closers  # the user's quote ends here
    # a value that ends in the span whole, after words of its own, closes too; a word that
    # only ends like it does not
    bias.feed('", "item": "the ABC Ltd.')
    assert set(bias.favoured()) == closers
    bias.feed('", "other": "XABC Ltd.')
    assert not set(bias.favoured()) & closers
    # a value copied from words nobody quoted is left to the model at its end
    plain = CopyBias(CopySources(["Fetch company ABC Ltd. with the ID 345"]), tokens, 3.0)
    plain.feed('[{"name": "f", "arguments": {"company": "ABC Ltd.')
    assert not set(plain.favoured()) & closers


def test_a_tool_result_s_json_and_an_unclosed_quote_steer_no_longer_value_to_close() -> None:
    result = json.dumps({"x": 1, "city": "Oslo"})  # keys and values a tool result quotes
    sources = CopySources(["find x near 'Bergen", result])
    assert sources.ends_quote("Oslo") and sources.ends_quote("x")
    assert not sources.ends_quote("find x")  # one character is no evidence after words
    assert not sources.ends_quote("Bergen")  # the user's quote never closed


def test_apostrophes_quote_nothing() -> None:
    sources = CopySources(["I'm at Bob's place and the players' scores are in 'Leeds'"])
    assert [sources.text[a:b] for a, b in sources.quoted] == ["Leeds"]
    assert sources.continuations("Bob", horizon=40) == {"'s place"}


def test_words_of_the_model_s_own_are_skipped_to_the_last_copied_word() -> None:
    sources = CopySources(["weather in Hyderabad in Fahrenheit"])
    # "City of Hyd" is not in the sources; its last word "Hyd" starts a word there
    assert sources.continuations("City of Hyd", horizon=6) == {"erabad"}
    # a word of the model's own that only occurs inside a source word anchors nothing
    assert sources.continuations("City of abad", horizon=6) == set()


def test_a_span_already_copied_is_not_copied_again() -> None:
    sources = CopySources(["from 2020 Addison Street, wait 600 seconds for it"])
    assert sources.continuations("2020 Addison Street, 600", horizon=8) == {" seconds"}
    # the model went back to the start: following it would loop up to the token limit
    assert sources.continuations("2020 Addison Street, 600 seconds 2020", horizon=8) == set()


def test_a_span_never_runs_into_the_next_source() -> None:
    sources = CopySources(["Paris", "London"])
    assert sources.continuations("Par") == {"is"}
    assert sources.continuations("Paris") == set()  # at the end of a source


def test_a_copy_ends_before_the_mark_that_ends_a_sentence() -> None:
    sources = CopySources(
        [
            "Find a lawyer in Chicago.",
            "I live in Boston. Find sushi! Shares of Apple Inc. rose; see St. Louis",
            "Any in Houston?\nThen Palo Alto.  ",
        ]
    )
    # the full stop, "!" or "?" of a sentence is the sentence's, not the value's
    assert sources.continuations("Chic") == {"ago"}
    for value in ("Chicago", "Boston", "sushi", "Houston", "Alto"):
        assert sources.continuations(value) == set()
    assert "Boston" in sources.continuations("", horizon=8)
    # an abbreviation's stop goes on: a word of three letters or fewer, or a lower-case word
    # after it
    assert sources.continuations("Apple Inc", horizon=6) == {". rose"}
    assert sources.continuations("St", horizon=7) == {". Louis"}
    # a span the user quoted is copied whole, its stop too
    assert CopySources(["the company 'Global Corp.'"]).continuations("Global", horizon=9) == {
        " Corp."
    }


def test_sources_are_matched_as_json_escaped_text() -> None:
    sources = CopySources(['the file "a b.txt"'])
    assert escape('"a') == '\\"a'
    assert sources.continuations('file \\"a', horizon=5) == {" b.tx"}


def test_token_texts_find_every_token_that_spells_a_prefix() -> None:
    tokens = _tokens("T", "Tel", "Te", " Aviv", "el", "", "x")
    assert sorted(tokens.prefixes_of("Tel Aviv")) == [0, 1, 2]
    assert list(tokens.prefixes_of("el Aviv")) == [4]
    assert tokens.longest == 5


def _copy(tokens: TokenTexts, *sources: str, bias: float = 4.0) -> CopyBias:
    params = GenerationParams(copy_bias=bias, copy_from=sources, constraint=CALLS)
    copy = copy_bias_for(params, tokens)
    assert copy is not None
    return copy


def test_tokens_are_favoured_only_inside_string_values_not_keys() -> None:
    tokens = _tokens("T", "Tel", " Aviv", '"', '"}', "location", "el", "Tal", ",")
    copy = _copy(tokens, QUERY)
    copy.feed('[{"name": "get_weather", "arguments": {"')
    assert copy.favoured() == []  # inside a key
    copy.feed('location": ')
    assert copy.favoured() == []  # between key and value
    copy.feed('"')
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {"T", "Tel"}
    copy.feed("Tel", chosen=1)
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {" Aviv"}
    copy.feed(" Aviv", chosen=2)
    # the copy may go on (", and"); the end of the string is the model's own choice
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {","}
    assert copy.counts.steps == 3 and copy.counts.tokens == 2
    copy.feed('"}')
    assert copy.favoured() == []


def test_no_value_opens_with_a_closing_bracket() -> None:
    tokens = _tokens("}}]", ");", ", ", "]", "Tel", '"', "12", ",", ";", ' "}}', '"]', '"')
    copy = _copy(tokens, QUERY, "his id is 12445")
    copy.feed("Sure: ")
    assert copy.shunned() == []  # no JSON yet
    copy.feed('[{"name": "get_weather", "arguments": {"')
    assert copy.shunned() == []  # a key
    copy.feed('location"')
    assert copy.shunned() == []  # the key's end
    copy.feed(": ")
    # between key and value: a token that would open the string with a bracket
    assert {tokens_text(tokens, i) for i in copy.shunned()} == {' "}}', '"]'}
    copy.feed('"')
    copy.favoured()
    # separators may open one (a delimiter of ";")
    assert {tokens_text(tokens, i) for i in copy.shunned()} == {"}}]", ");", "]"}
    copy.feed("Tel", chosen=4)
    assert copy.shunned() == []  # the value began
    copy.feed('", "id": [')
    assert {tokens_text(tokens, i) for i in copy.shunned()} == {' "}}', '"]'}  # an item
    copy.feed('"')
    copy.favoured()
    assert {tokens_text(tokens, i) for i in copy.shunned()} == {"}}]", ");", "]"}
    copy.feed('x"')
    assert copy.shunned() == []  # after a value, before its comma
    copy.feed("]}")
    assert copy.shunned() == []  # between the call's closing and the next


def test_a_bracket_the_user_quoted_as_a_value_is_not_shunned() -> None:
    tokens = _tokens(")", "]", "}", "])")
    copy = _copy(tokens, "Replace the closing parenthesis ')' with ']'")
    copy.feed('{"old": "')
    assert {tokens_text(tokens, i) for i in copy.shunned()} == {"}"}


def test_values_in_lists_and_values_after_commas_are_values() -> None:
    tokens = _tokens("Tel")
    copy = _copy(tokens, QUERY)
    copy.feed('{"cities": ["Paris", "')
    assert copy.favoured() == [0]
    copy.feed('x"], "')
    assert copy.favoured() == []  # a key again


def test_a_preamble_before_the_json_is_not_a_value() -> None:
    tokens = _tokens("Tel")
    copy = _copy(tokens, QUERY)
    copy.feed('Sure, "')
    assert copy.favoured() == []


def test_off_without_bias_grammar_or_sources() -> None:
    tokens = _tokens("Tel")
    assert copy_bias_for(GenerationParams(copy_from=(QUERY,), constraint=CALLS), tokens) is None
    assert copy_bias_for(GenerationParams(copy_bias=3, copy_from=(QUERY,)), tokens) is None
    text_only = Constraint(allow_text=True)
    params = GenerationParams(copy_bias=3, copy_from=(QUERY,), constraint=text_only)
    assert copy_bias_for(params, tokens) is None
    assert copy_record(params, None) is None
    params = GenerationParams(copy_bias=3, constraint=CALLS)
    assert copy_bias_for(params, tokens) is None
    assert copy_record(params, None) == CopyBiasRecord(bias=3)


RESULT = '{"country": "Canada", "population": 40097761, "year": 2023}'
TEXT_ONLY = Constraint(allow_text=True)


def _answer(tokens: TokenTexts, *sources: str) -> CopyBias:
    params = GenerationParams(
        copy_bias=3.0, copy_answers=True, copy_from=sources, constraint=TEXT_ONLY
    )
    copy = copy_bias_for(params, tokens)
    assert copy is not None and copy.answer
    return copy


def test_copy_answers_acts_under_a_text_only_grammar_only() -> None:
    tokens = _tokens("Canada")
    sources = (RESULT,)
    text = GenerationParams(copy_bias=3, copy_answers=True, copy_from=sources, constraint=TEXT_ONLY)
    assert copy_record(text, None) == CopyBiasRecord(bias=3)
    # a call grammar (or "text or calls") keeps the values' bias, whatever copy_answers says
    calls = text.model_copy(update={"constraint": CALLS})
    copy = copy_bias_for(calls, tokens)
    assert copy is not None and not copy.answer
    both = Constraint(json_schema={"type": "array"}, allow_text=True)
    copy = copy_bias_for(text.model_copy(update={"constraint": both}), tokens)
    assert copy is not None and not copy.answer
    # no bias, or no constraint: nothing
    assert copy_bias_for(text.model_copy(update={"copy_bias": 0.0}), tokens) is None
    assert copy_bias_for(text.model_copy(update={"constraint": None}), tokens) is None


def test_an_answer_goes_on_with_a_copy_it_began_and_starts_none() -> None:
    tokens = _tokens("40", "0", "097", "761", "Canada", "The", " population", ",")
    copy = _answer(tokens, RESULT, "What's the population of Canada?")
    assert copy.favoured() == []  # the answer's start: no copy began
    copy.feed("The population of Canada is ")
    assert copy.favoured() == []  # the model's own words: nothing to go on with
    copy.feed("4")
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {"0"}
    copy.feed("0")
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {"0", "097"}
    copy.feed("097", chosen=2)
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {"761"}
    copy.feed("761", chosen=3)
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {","}  # the JSON goes on
    assert copy.counts.tokens == 2


def test_an_answer_is_text_json_marks_in_it_do_not_stop_the_copy() -> None:
    tokens = _tokens("Canada", "anada")
    copy = _answer(tokens, RESULT)
    copy.feed('Here: {"country": "C')  # braces and quotes are words of the answer
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {"anada"}


def test_an_answer_copies_the_sources_as_written_not_json_escaped() -> None:
    tokens = _tokens("\n", "\\", "ada", '"', ",")
    copy = _answer(tokens, "Line one\nLine two", RESULT)
    copy.feed("Line one")
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {"\n"}  # not "\\" of "\\n"
    copy.feed(" and in Can")
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {"ada"}
    copy.feed("ada")
    assert copy.favoured() == []  # "Canada" is quoted in the result: its quote mark is not copied
    copy.feed(" 40097761")
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {","}  # up to the next quote


def test_an_answer_s_copy_begins_within_its_last_characters() -> None:
    tokens = _tokens("761")
    copy = _answer(tokens, RESULT)
    copy.feed("x" * (ANSWER_WINDOW + 40) + " 40097")
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {"761"}
    # a copy that began further back is not followed (its every ending is longer)
    long_word = "b" * ANSWER_WINDOW
    far = _answer(_tokens("omega"), f"alpha {long_word} omega")
    far.feed(f"Here alpha {long_word} ")
    assert far.favoured() == []


def tokens_text(tokens: TokenTexts, token: int) -> str:
    return next(t for t, ids in tokens._by_text.items() if token in ids)


def test_a_value_already_written_is_not_favoured_again() -> None:
    tokens = _tokens("UTC", "+0900", "Tokyo")
    copy = _copy(tokens, "2026-12-02 20:14:55 JST (UTC+0900)", "What time is it in Tokyo?")
    copy.feed('[{"name": "f", "arguments": {"zones": ["')
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {"UTC", "Tokyo"}
    copy.feed('UTC+0900", "')
    # "UTC+0900" again would start a list that repeats itself; "Tokyo" is still a copy
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {"Tokyo"}


def test_the_bias_is_stronger_inside_a_word_the_sources_spell() -> None:
    tokens = _tokens("Liver", "pool", "ly", "tomato", "es", "gas", "-powered", "Li", "ver")
    source = "Where do Liverpool rank? Price of tomatoes and a gas-powered car"
    copy = _copy(tokens, source, bias=3.0)
    copy.feed('[{"name": "f", "arguments": {"team": "')
    copy.favoured()
    assert copy.strength == 3.0  # the value has not begun a word
    copy.feed("Li")
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {"ver"}
    assert copy.strength == 3.0  # two letters may begin another word
    copy.feed("ver")
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {"pool"}
    assert copy.strength == 3.0 * MID_WORD_FACTOR > 3.0  # "Liver" is half of "Liverpool"
    copy.feed("pool")
    copy.favoured()
    assert copy.strength == 3.0  # the word is whole: the model decides whether to go on
    copy.feed('", "item": "tomato')
    assert copy.favoured() and copy.strength == 3.0 * MID_WORD_FACTOR > 3.0
    copy.feed('", "kind": "gas')
    copy.favoured()
    assert copy.strength == 3.0  # "gas" ends where "-powered" begins: a word of its own
    copy.feed('", "x": "C4ab')
    assert copy.favoured() == [] and copy.strength == 3.0
    assert copy.counts.inside_words == 2
    assert copy_record(
        GenerationParams(copy_bias=3.0, copy_from=(source,), constraint=CALLS), copy
    ) == CopyBiasRecord(bias=3.0, steps=copy.counts.steps, tokens=0, inside_words=2)


def test_a_word_written_whole_somewhere_in_the_sources_keeps_the_plain_bias() -> None:
    tokens = _tokens("es", " soup")
    copy = _copy(tokens, "tomato soup, then tomatoes", bias=2.0)
    copy.feed('{"a": "tomato')
    assert copy.favoured() and copy.strength == 2.0  # "tomato" is a word there too


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(['{"', '"a', "b", '"', ":", ",", "[", "]", "}", "\\", '\\"', " "])))
def test_where_the_text_is_cut_does_not_change_what_is_favoured(pieces: list[str]) -> None:
    """Tokens cut JSON anywhere (inside escapes, between a key and its colon): fed whole or
    piece by piece, the same tokens are favoured next."""
    tokens = _tokens("a", "ab", "b", "ab c", '"')
    whole = CopyBias(CopySources(["ab c ab"]), tokens, 3.0)
    cut = CopyBias(CopySources(["ab c ab"]), tokens, 3.0)
    whole.feed("".join(pieces))
    for piece in pieces:
        cut.feed(piece)
    assert sorted(cut.favoured()) == sorted(whole.favoured())


def test_numbers_the_user_spelled_with_separators_or_words() -> None:
    text = "Net income of $2,000,000, dividends of $200,000.50, a payout of 50 million and 12."
    assert spelled_numbers([text]) == (
        ("2", "2000000"),
        ("200", "200000.50"),
        ("50", "50000000"),
    )
    assert spelled_numbers(["1.5 billion, 3 thousand"]) == (("1.5", "1500000000"), ("3", "3000"))
    assert spelled_numbers(["12 apples, 2024, 3.14"]) == ()  # written as JSON writes them


def test_a_number_goes_on_once_it_has_the_digits_the_user_wrote_first() -> None:
    tokens = _tokens("4", "400", "00", "000", ",", "}", " ", "1")
    copy = _copy(tokens, "A loan of $400,000 at 4% for 15 years.")
    copy.feed('[{"name": "mortgage", "arguments": {"loan_amount": ')
    assert copy.favoured() == []  # no number started: the model picks its first digits
    copy.feed("4", chosen=0)
    assert copy.favoured() == []  # "4" may be the 4%: not yet the "400" of "400,000"
    copy.feed("00", chosen=2)
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {"00", "000"}
    copy.feed("000", chosen=3)
    # the whole number: its end is favoured (a small model writing zeros goes on)
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {",", "}", " "}
    copy.feed(', "rate": 4')
    assert copy.favoured() == []  # a different number, not one the user spelled apart
    copy.feed(', "note": "400')
    assert "000" not in {tokens_text(tokens, i) for i in copy.favoured()}  # a string's own rule


def test_a_number_that_starts_two_spelled_numbers_is_left_to_the_model() -> None:
    tokens = _tokens("0", ",")
    copy = _copy(tokens, "Income of $2,000,000 and dividends of $200,000.")
    copy.feed('{"dividends": 200')
    assert copy.favoured() == [0]  # on to 200000 (or 2000000)
    copy.feed("000")
    assert copy.favoured() == []  # 200000 is whole, and starts 2000000: no favour either way


def test_a_number_the_user_also_wrote_as_it_is_is_left_to_the_model() -> None:
    tokens = _tokens("000", ",")
    copy = _copy(tokens, "Alimony on an income of $10,000 for the next 10 years.")
    copy.feed('{"duration": 10')
    assert copy.favoured() == []  # "10 years": the 10 may be that one
    assert plain_numbers(["$10,000 for 10 years, 50 million, 1.5"]) == {"10", "1.5"}


def test_numbers_in_a_list_and_negative_ones_go_on_too() -> None:
    # a variation of the loan case: the spelled numbers are items of a list, one negative
    tokens = _tokens("000", "0", ",", "]")
    copy = _copy(tokens, "NPV of cash flows -50,000, 10,000 and 15,000 at 8%.")
    copy.feed('[{"name": "npv", "arguments": {"cash_flows": [-50')
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {"000", "0"}
    copy.feed("000, 10")
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {"000", "0"}
    copy.feed("000")
    assert {tokens_text(tokens, i) for i in copy.favoured()} == {",", "]"}  # whole: end it
    copy.feed('], "rate": 8')
    assert copy.favoured() == []
