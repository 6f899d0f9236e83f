"""The BFCL AST checker: ground truth passes everywhere, each kind of mistake fails as itself."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest

from lamagent.eval import CallMatch, check_bfcl, matched_calls
from lamagent.eval.bfcl_data import BFCLCase, first_acceptable_calls, load_bfcl
from lamagent.eval.checker import REASONS, category_of, language_of, normalize_string
from lamagent.eval.literals import from_java, from_javascript

DATA = Path(__file__).parent / "data" / "bfcl"
CASES = load_bfcl(DATA)
CATEGORIES = sorted({c.category for c in CASES})
ANSWERED = [c for c in CASES if c.ground_truth is not None]


def gold(case: BFCLCase) -> list[dict[str, Any]]:
    assert case.ground_truth is not None
    return first_acceptable_calls(case.ground_truth, case.functions)


def check(case: BFCLCase, calls: list[dict[str, Any]]) -> tuple[bool, str | None]:
    passed, reason = check_bfcl(case.record, case.ground_truth, calls)
    return passed, reason


def test_data_has_the_expected_categories() -> None:
    assert CATEGORIES == ["irrelevance", "live_simple", "multiple", "parallel", "simple_python"]
    assert len(CASES) == 400 + 200 + 200 + 258 + 240


@pytest.mark.parametrize("category", CATEGORIES)
def test_ground_truth_scores_100_percent(category: str) -> None:
    cases = [c for c in CASES if c.category == category]
    failures = []
    for case in cases:
        calls = gold(case) if case.ground_truth is not None else []
        result = check_bfcl(case.record, case.ground_truth, calls)
        if not result.passed:
            failures.append((case.id, result))
    assert failures == []


def test_parallel_ground_truth_passes_in_any_order() -> None:
    rng = random.Random(7)
    cases = [c for c in ANSWERED if "parallel" in c.category]
    reordered = 0
    for case in cases:
        calls = gold(case)
        for _ in range(3):
            shuffled = calls[:]
            rng.shuffle(shuffled)
            reordered += shuffled != calls
            assert check(case, shuffled) == (True, None), case.id
    assert reordered > 100


def test_wrong_function_name_fails_as_wrong_function() -> None:
    for case in ANSWERED:
        calls = gold(case)
        calls[0]["name"] += "_v2"
        assert check(case, calls) == (False, "wrong_function"), case.id


def test_choosing_another_offered_function_fails_in_multiple() -> None:
    tried = 0
    for case in (c for c in ANSWERED if c.category == "multiple"):
        calls = gold(case)
        others = [f["name"] for f in case.functions if f["name"] != calls[0]["name"]]
        if others:
            calls[0]["name"] = others[0]
            assert check(case, calls) == (False, "wrong_function"), case.id
            tried += 1
    assert tried > 150


def test_dropped_required_argument_fails_as_missing_argument() -> None:
    tried = 0
    for case in ANSWERED:
        calls = gold(case)
        schema = next(f for f in case.functions if f["name"] == calls[0]["name"])
        required = [
            a for a in schema["parameters"].get("required", []) if a in calls[0]["arguments"]
        ]
        if not required:
            continue
        del calls[0]["arguments"][required[0]]
        assert check(case, calls) == (False, "missing_argument"), case.id
        tried += 1
    assert tried > 900


def test_extra_argument_fails_as_unexpected_argument() -> None:
    for case in ANSWERED:
        calls = gold(case)
        calls[-1]["arguments"]["not_a_parameter"] = 1
        assert check(case, calls) == (False, "unexpected_argument"), case.id


def _changed(value: Any) -> Any:
    """A different value of the same type, or None where there is no obvious one."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1000
    if isinstance(value, float):
        return value + 1000.5
    if isinstance(value, str):
        return value + " zebra"
    return None


def test_changed_value_fails_as_wrong_value() -> None:
    tried = 0
    for case in ANSWERED:
        calls = gold(case)
        assert case.ground_truth is not None
        answers = next(iter(case.ground_truth[0].values()))
        for arg, value in calls[0]["arguments"].items():
            new = _changed(value)
            if new is None or new in answers[arg]:
                continue
            perturbed = copy.deepcopy(calls)
            perturbed[0]["arguments"][arg] = new
            assert check(case, perturbed) == (False, "wrong_value"), (case.id, arg)
            tried += 1
            break
    assert tried > 1000


def test_extra_or_missing_parallel_call_fails_as_wrong_count() -> None:
    for case in (c for c in ANSWERED if c.category == "parallel"):
        calls = gold(case)
        assert check(case, [*calls, calls[0]]) == (False, "wrong_count"), case.id
        assert check(case, calls[1:]) == (False, "wrong_count"), case.id


def test_no_call_or_two_calls_in_simple_fails_as_wrong_count() -> None:
    case = next(c for c in ANSWERED if c.category == "simple_python")
    assert check(case, []) == (False, "wrong_count")
    assert check(case, gold(case) * 2) == (False, "wrong_count")


def test_any_call_on_irrelevance_fails_as_irrelevance_call() -> None:
    for case in (c for c in CASES if c.category == "irrelevance"):
        fn = case.functions[0]
        call = {"name": fn["name"], "arguments": {}}
        assert check(case, [call]) == (False, "irrelevance_call"), case.id
        assert check(case, []) == (True, None)


def test_the_parallel_matching_is_not_first_fit() -> None:
    # Call 0 could match either expected call; first-fit would give it to the first and then
    # find nothing for the second.
    question = {"id": "parallel_0", "function": [_fn("f", {"x": "string"}, [])]}
    truth = [{"f": {"x": ["a", "b"]}}, {"f": {"x": ["a"]}}]
    calls = [{"name": "f", "arguments": {"x": "a"}}, {"name": "f", "arguments": {"x": "b"}}]
    assert check_bfcl(question, truth, calls).passed


def test_matched_calls_gives_partial_credit() -> None:
    question = {"id": "parallel_0", "function": [_fn("f", {"x": "string"}, [])]}
    truth = [{"f": {"x": ["a", "b"]}}, {"f": {"x": ["a"]}}, {"f": {"x": ["c"]}}]
    a, b, z = ({"name": "f", "arguments": {"x": v}} for v in "abz")
    # not first fit: "a" goes to the call only it matches, "b" to the other
    assert matched_calls(question, truth, [a, b]) == CallMatch(2, 3, 0)
    assert matched_calls(question, truth, [a, a, z]) == CallMatch(2, 3, 1)
    assert matched_calls(question, truth, []) == CallMatch(0, 3, 0)
    # every gold call of the dev copy's parallel cases, one left out and one wrong added
    for case in (c for c in ANSWERED if c.category == "parallel"):
        calls = gold(case)
        n = len(calls)
        assert matched_calls(case.record, case.ground_truth or [], calls) == CallMatch(n, n, 0)
        partial = matched_calls(case.record, case.ground_truth or [], [*calls[1:], z])
        assert partial == CallMatch(n - 1, n, 1), case.id


def _fn(name: str, params: dict[str, str], required: list[str], **items: str) -> dict[str, Any]:
    props: dict[str, Any] = {p: {"type": t} for p, t in params.items()}
    for p, item_type in items.items():
        props[p]["items"] = {"type": item_type}
    return {
        "name": name,
        "description": "",
        "parameters": {"type": "dict", "properties": props, "required": required},
    }


def _simple(
    params: dict[str, str], answers: dict[str, list[Any]], args: dict[str, Any], **items: str
) -> tuple[bool, str | None]:
    question = {"id": "simple_python_0", "function": [_fn("f", params, [], **items)]}
    return tuple(check_bfcl(question, [{"f": answers}], [{"name": "f", "arguments": args}]))  # type: ignore[return-value]


def test_int_is_accepted_for_float_but_not_bool_for_int() -> None:
    assert _simple({"x": "float"}, {"x": [2.0]}, {"x": 2}) == (True, None)
    assert _simple({"x": "integer"}, {"x": [1]}, {"x": True}) == (False, "wrong_type")
    assert _simple({"x": "integer"}, {"x": [2]}, {"x": 2.0}) == (False, "wrong_type")
    assert _simple({"x": "string"}, {"x": ["2"]}, {"x": 2}) == (False, "wrong_type")


def test_strings_compare_normalised() -> None:
    assert normalize_string("April 1, 2024") == normalize_string("april 1 2024")
    assert normalize_string("New-York_City.") == "newyorkcity"
    assert _simple({"x": "string"}, {"x": ["San Francisco, CA"]}, {"x": "san francisco CA"}) == (
        True,
        None,
    )
    assert _simple({"x": "string"}, {"x": ["Paris"]}, {"x": "Pariss"}) == (False, "wrong_value")


def test_optional_argument_may_be_omitted_only_where_empty_string_is_acceptable() -> None:
    params = {"x": "integer", "unit": "string"}
    assert _simple(params, {"x": [1], "unit": ["", "cm"]}, {"x": 1}) == (True, None)
    assert _simple(params, {"x": [1], "unit": ["", "cm"]}, {"x": 1, "unit": "cm"}) == (True, None)
    assert _simple(params, {"x": [1], "unit": ["cm"]}, {"x": 1}) == (False, "missing_argument")


def test_lists_tuples_and_nested_dicts_compare_element_by_element() -> None:
    assert _simple({"xs": "tuple"}, {"xs": [[1, 2]]}, {"xs": (1, 2)}, xs="integer")[0]
    assert _simple({"xs": "array"}, {"xs": [["A b", "c"]]}, {"xs": ["ab", "C"]}, xs="string")[0]
    assert _simple({"xs": "array"}, {"xs": [[1, 2]]}, {"xs": [2, 1]}, xs="integer") == (
        False,
        "wrong_value",
    )
    assert _simple({"xs": "array"}, {"xs": [[1, 2]]}, {"xs": ["1", "2"]}, xs="integer") == (
        False,
        "wrong_type",
    )
    answers = {"d": [{"a": ["x"], "b": ["", 2], "c": [{"deep": [[1, "Y"]]}]}]}
    assert _simple({"d": "dict"}, answers, {"d": {"a": "X", "c": {"deep": [1, "y"]}}})[0]
    assert not _simple({"d": "dict"}, answers, {"d": {"a": "x", "c": {"deep": [1, "z"]}}})[0]
    assert not _simple({"d": "dict"}, answers, {"d": {"a": "x"}})[0]
    assert not _simple({"d": "dict"}, answers, {"d": {"a": "x", "c": {"deep": [1]}, "e": 1}})[0]


def test_variable_names_are_accepted_where_the_ground_truth_has_them() -> None:
    # BFCL writes a variable's name as a string for a non-string parameter.
    assert _simple({"n": "integer"}, {"n": ["count"]}, {"n": "count"}) == (True, None)


def test_dotted_names_must_match_exactly_unless_underscores_are_allowed() -> None:
    question = {"id": "simple_python_1", "function": [_fn("math.factorial", {"n": "integer"}, [])]}
    truth = [{"math.factorial": {"n": [5]}}]
    underscored = [{"name": "math_factorial", "arguments": {"n": 5}}]
    assert tuple(check_bfcl(question, truth, underscored)) == (False, "wrong_function")
    assert check_bfcl(question, truth, underscored, underscore_names=True).passed


def test_parse_errors_fail_except_on_irrelevance() -> None:
    case = next(c for c in ANSWERED if c.category == "simple_python")
    result = check_bfcl(case.record, case.ground_truth, [], parse_error="unterminated JSON")
    assert (result.passed, result.reason, result.detail) == (
        False,
        "parse_error",
        "unterminated JSON",
    )
    irrelevant = next(c for c in CASES if c.category == "irrelevance")
    assert check_bfcl(irrelevant.record, None, [], parse_error="bad").passed


def test_live_relevance_needs_some_call() -> None:
    question = {"id": "live_relevance_1-1-0", "function": [_fn("f", {}, [])]}
    assert check_bfcl(question, None, [{"name": "f", "arguments": {}}]).passed
    assert tuple(check_bfcl(question, None, [])) == (False, "wrong_count")


def test_result_unpacks_and_reasons_are_from_the_vocabulary() -> None:
    case = next(c for c in ANSWERED if c.category == "multiple")
    result = check_bfcl(case.record, case.ground_truth, [{"name": "nope", "arguments": {}}])
    passed, reason = result
    assert not passed and reason in REASONS and "nope" in result.detail


def test_categories_and_languages_from_ids() -> None:
    assert category_of("simple_python_12") == "simple_python"
    assert category_of("live_parallel_multiple_3-2-1") == "live_parallel_multiple"
    assert language_of("simple_java") == "java"
    assert language_of("simple_javascript") == "javascript"
    assert language_of("live_simple") == "python"


def test_java_and_javascript_literals_are_read_as_values() -> None:
    assert from_java("3.5f", "float") == 3.5
    assert from_java("12L", "long") == 12
    assert from_java("new int[]{1, 2, 3}", "Array", "integer") == [1, 2, 3]
    assert from_java('new ArrayList<>(Arrays.asList("a", "b"))', "ArrayList", "String") == [
        "a",
        "b",
    ]
    assert from_java('new HashMap<String, Object>() {{ put("k", 1); }}', "HashMap") == {"k": 1}
    assert from_java("someVariable", "integer") == "someVariable"
    assert from_javascript("123n", "Bigint") == 123
    assert from_javascript("[1, 'two', true]", "array") == [1, "two", True]
    assert from_javascript("{'a': 1}", "dict") == {"a": 1}
    question = {"id": "simple_java_0", "function": [_fn("f", {"n": "long", "s": "String"}, ["n"])]}
    truth = [{"f": {"n": [12], "s": ["abc"]}}]
    assert check_bfcl(question, truth, [{"name": "f", "arguments": {"n": "12L", "s": "abc"}}])
    assert not check_bfcl(question, truth, [{"name": "f", "arguments": {"n": "13L", "s": "abc"}}])
