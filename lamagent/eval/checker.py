"""BFCL's AST check of function calls against the ground truth, written from its rules.

A case passes when the model called the right function(s) with every required argument, no
argument the ground truth does not list, and each value among the acceptable ones. The
allowances follow BFCL's `ast_checker`: an argument whose acceptable values include `""` may be
left out; an int is accepted where a float is expected (Python); a tuple is read as a list;
strings compare after BFCL's normalisation (lowercased, `'` read as `"`, and spaces and the
characters `,./-_*^` removed); parallel calls match in any order. Where BFCL compares nested
dicts and lists with plain equality, this checker compares them element by element with the same
string normalisation, and it matches parallel calls with a full bipartite matching rather than
BFCL's first-fit, so it never fails a case that some assignment of calls would pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from lamagent.eval.literals import from_java, from_javascript

__all__ = [
    "REASONS",
    "CallMatch",
    "CheckResult",
    "Reason",
    "category_of",
    "check_bfcl",
    "language_of",
    "matched_calls",
    "normalize_string",
]

Reason = Literal[
    "wrong_function",
    "missing_argument",
    "unexpected_argument",
    "wrong_value",
    "wrong_type",
    "wrong_count",
    "parse_error",
    "irrelevance_call",
]
REASONS: tuple[str, ...] = get_args(Reason)

Language = Literal["python", "java", "javascript"]

# BFCL's string normalisation: these characters are dropped before a case-insensitive compare,
# so "April 1, 2024" and "april 1 2024" are the same answer.
_STRIP = re.compile(r"[ ,./\-_*^]")
_ID_SUFFIX = re.compile(r"_[\d-]+$")

# Python types of BFCL's type words (and the JSON Schema words, for files that use those).
_PYTHON_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "float": float,
    "number": float,
    "boolean": bool,
    "array": list,
    "tuple": list,
    "dict": dict,
    "object": dict,
    "any": str,
}
_JAVA_TYPES: dict[str, type] = {
    "byte": int,
    "short": int,
    "integer": int,
    "long": int,
    "float": float,
    "double": float,
    "boolean": bool,
    "char": str,
    "String": str,
    "any": str,
    "Array": list,
    "ArrayList": list,
    "Queue": list,
    "Stack": list,
    "HashMap": dict,
    "Hashtable": dict,
}
_JS_TYPES: dict[str, type] = {
    "String": str,
    "integer": int,
    "float": float,
    "Bigint": int,
    "Boolean": bool,
    "dict": dict,
    "array": list,
    "any": str,
}
_TYPES: dict[str, dict[str, type]] = {
    "python": _PYTHON_TYPES,
    "java": _JAVA_TYPES,
    "javascript": _JS_TYPES,
}


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one case. Unpacks as `(passed, reason)`; `detail` says what differed."""

    passed: bool
    reason: Reason | None = None
    detail: str = ""

    def __iter__(self) -> Iterator[Any]:
        yield self.passed
        yield self.reason

    def __bool__(self) -> bool:
        return self.passed


_PASS = CheckResult(True)


def _fail(reason: Reason, detail: str) -> CheckResult:
    return CheckResult(False, reason, detail)


def normalize_string(text: str) -> str:
    """BFCL's string normalisation (see the module docstring)."""
    return _STRIP.sub("", text).lower().replace("'", '"')


def category_of(case_id: str) -> str:
    """The BFCL category of a case id: `simple_python_12` -> `simple_python`,
    `live_simple_3-2-1` -> `live_simple`."""
    return _ID_SUFFIX.sub("", case_id)


def language_of(category: str) -> Language:
    """The argument language BFCL uses for a category (Java and JavaScript are literal strings)."""
    if "javascript" in category:
        return "javascript"
    if "java" in category:
        return "java"
    return "python"


# --------------------------------------------------------------------------------------------
# Values


def _is_acceptable_dict(value: Any) -> bool:
    """Ground truth writes a dict argument as `{key: [acceptable values]}`."""
    return isinstance(value, dict) and all(isinstance(v, list) for v in value.values())


def _same_kind(a: Any, b: Any) -> bool:
    """Booleans never equal numbers (Python's True == 1 must not pass)."""
    return isinstance(a, bool) == isinstance(b, bool)


def _match_literal(value: Any, expected: Any) -> bool:
    """Does `value` equal one ground-truth value, compared element by element?"""
    if isinstance(expected, dict):
        if not isinstance(value, dict):
            return False
        if _is_acceptable_dict(expected):
            return _match_dict(value, expected)
        return value.keys() == expected.keys() and all(
            _match_literal(value[k], expected[k]) for k in expected
        )
    if isinstance(expected, (list, tuple)):
        if not isinstance(value, (list, tuple)) or len(value) != len(expected):
            return False
        return all(_match_literal(v, e) for v, e in zip(value, expected, strict=True))
    if isinstance(expected, str):
        return isinstance(value, str) and normalize_string(value) == normalize_string(expected)
    if expected is None or value is None:
        return value is None and expected is None
    if isinstance(value, (dict, list, tuple, str)):
        return False
    return _same_kind(value, expected) and bool(value == expected)


def _match_any(value: Any, acceptable: Sequence[Any]) -> bool:
    return any(_match_literal(value, expected) for expected in acceptable)


def _match_dict(value: Mapping[str, Any], acceptable: Mapping[str, list[Any]]) -> bool:
    """A dict value against `{key: [acceptable values]}`: no unknown key, no missing key unless
    `""` is acceptable for it, every value acceptable."""
    for key, val in value.items():
        if key not in acceptable or not _match_any(val, acceptable[key]):
            return False
    return all(key in value or "" in vals for key, vals in acceptable.items())


# --------------------------------------------------------------------------------------------
# Types


def _first_type(acceptable: Sequence[Any]) -> type | None:
    """The type of the first acceptable value that is not the "may be omitted" marker."""
    for value in acceptable:
        if value != "":
            return type(value)
    return None


def _check_type(
    name: str,
    value: Any,
    acceptable: Sequence[Any],
    expected: type,
    item_type: type | None,
) -> CheckResult:
    """BFCL's type check: the value has the schema's type, or the ground truth's own type (a
    variable name given as a string where the schema wants, say, an integer)."""
    if type(value) is expected:
        if item_type is None or not isinstance(value, list):
            return _PASS
        # Each element has the item type (or, for a variable, the ground truth's element type)
        # for at least one acceptable list; a non-list acceptable value (`""`) waives the check.
        for answer in acceptable:
            if not isinstance(answer, list):
                return _PASS
            answer_type = _first_type(answer)
            if all(type(v) is item_type or type(v) is answer_type for v in value):
                return _PASS
        return _fail(
            "wrong_type",
            f"argument {name!r}: expected a list of {item_type.__name__}, got {value!r}",
        )
    answer_type = _first_type(acceptable)
    if answer_type is not None and type(value) is answer_type:
        return _PASS
    return _fail(
        "wrong_type",
        f"argument {name!r}: expected {expected.__name__}, got {type(value).__name__} {value!r}",
    )


def _convert(value: Any, type_word: str, item_word: str | None, language: Language) -> Any:
    """The value as the checker compares it: literals read for Java/JS, int as float, tuples as
    lists."""
    if language == "java":
        value = from_java(value, type_word, item_word)
    elif language == "javascript":
        value = from_javascript(value, type_word, item_word)
    if isinstance(value, tuple):
        value = list(value)
    if type_word in ("float", "number", "double") and type(value) is int:
        value = float(value)
    return value


# --------------------------------------------------------------------------------------------
# Calls


def _call_parts(call: Any) -> tuple[str, dict[str, Any]]:
    """`(name, arguments)` of a `{"name", "arguments"}` dict, a ToolCall or `{name: args}`."""
    if isinstance(call, Mapping):
        if "name" in call and isinstance(call["name"], str):
            args = call.get("arguments", {})
            return call["name"], dict(args) if isinstance(args, Mapping) else {}
        if len(call) == 1:
            ((name, args),) = call.items()
            return str(name), dict(args) if isinstance(args, Mapping) else {}
        raise ValueError(f"not a function call: {dict(call)!r}")
    name = getattr(call, "name", None)
    args = getattr(call, "arguments", None)
    if isinstance(name, str) and isinstance(args, Mapping):
        return name, dict(args)
    raise ValueError(f"not a function call: {call!r}")


def _names_match(called: str, expected: str, underscore_names: bool) -> bool:
    if called == expected:
        return True
    return underscore_names and called == expected.replace(".", "_")


def _find_function(functions: Sequence[Mapping[str, Any]], name: str) -> Mapping[str, Any] | None:
    for fn in functions:
        if fn.get("name") == name:
            return fn
    return functions[0] if len(functions) == 1 else None


def _check_call(
    function: Mapping[str, Any] | None,
    call: tuple[str, dict[str, Any]],
    expected: Mapping[str, Mapping[str, list[Any]]],
    language: Language,
    underscore_names: bool,
) -> CheckResult:
    """One model call against one ground-truth call `{name: {arg: [acceptable values]}}`."""
    ((expected_name, answers),) = expected.items()
    name, args = call
    if not _names_match(name, expected_name, underscore_names):
        return _fail("wrong_function", f"called {name!r}, expected {expected_name!r}")
    params: Mapping[str, Any] = (function or {}).get("parameters") or {}
    properties: Mapping[str, Any] = params.get("properties") or {}
    for required in params.get("required") or []:
        if required not in args:
            detail = f"{expected_name}: required argument {required!r} missing"
            return _fail("missing_argument", detail)
    types = _TYPES[language]
    for arg, raw in args.items():
        if arg not in properties or arg not in answers:
            return _fail("unexpected_argument", f"{expected_name}: unexpected argument {arg!r}")
        schema = properties[arg] if isinstance(properties[arg], Mapping) else {}
        type_word = str(schema.get("type", ""))
        items = schema.get("items")
        item_word = str(items.get("type", "")) if isinstance(items, Mapping) else None
        value = _convert(raw, type_word, item_word, language)
        # BFCL's data writes "the empty list" as no acceptable value at all (`"arg": []`),
        # which no output could match; read it as `[[]]`.
        acceptable = answers[arg] or [[]]
        expected_type = types.get(type_word)
        if expected_type is not None:
            item_type = types.get(item_word) if item_word and expected_type is list else None
            verdict = _check_type(arg, value, acceptable, expected_type, item_type)
            if not verdict.passed:
                return _fail("wrong_type", f"{expected_name}: {verdict.detail}")
        if not _match_any(value, acceptable):
            return _fail(
                "wrong_value",
                f"{expected_name}: argument {arg!r} = {raw!r}, expected one of {acceptable!r}",
            )
    for arg, acceptable in answers.items():
        if arg not in args and "" not in acceptable:
            return _fail("missing_argument", f"{expected_name}: argument {arg!r} missing")
    return _PASS


def _verdicts(
    functions: Sequence[Mapping[str, Any]],
    calls: list[tuple[str, dict[str, Any]]],
    ground_truth: Sequence[Mapping[str, Any]],
    language: Language,
    underscore_names: bool,
) -> list[list[CheckResult]]:
    """Each ground-truth call checked against each model call."""
    return [
        [
            _check_call(
                _find_function(functions, next(iter(expected))),
                call,
                expected,
                language,
                underscore_names,
            )
            for call in calls
        ]
        for expected in ground_truth
    ]


def _matching(verdicts: Sequence[Sequence[CheckResult]], calls: int) -> dict[int, int]:
    """The most ground-truth calls matched to distinct model calls that pass them (augmenting
    paths): model call index -> ground-truth index."""
    owner: dict[int, int] = {}

    def assign(gt: int, seen: set[int]) -> bool:
        for j in range(calls):
            if verdicts[gt][j].passed and j not in seen:
                seen.add(j)
                if j not in owner or assign(owner[j], seen):
                    owner[j] = gt
                    return True
        return False

    for gt in range(len(verdicts)):
        assign(gt, set())
    return owner


def _check_parallel(verdicts: Sequence[Sequence[CheckResult]], calls: int) -> CheckResult:
    """Every ground-truth call matched to a distinct model call, in any order (`verdicts`:
    each ground-truth call against each of as many model calls, `calls`)."""
    owner = _matching(verdicts, calls)
    unmatched = [gt for gt in range(len(verdicts)) if gt not in owner.values()]
    if not unmatched:
        return _PASS
    # Explain the first unmatched expected call by the calls left over after the best matching.
    gt = unmatched[0]
    leftover = [verdicts[gt][j] for j in range(calls) if j not in owner]
    for verdict in leftover:
        if verdict.reason != "wrong_function":
            return _fail(verdict.reason or "wrong_value", f"expected call {gt}: {verdict.detail}")
    detail = leftover[0].detail if leftover else "no call left to match"
    return _fail("wrong_function", f"expected call {gt}: {detail}")


@dataclass(frozen=True)
class CallMatch:
    """How many of a case's expected calls the model made right, whatever its count: the
    partial credit `check_bfcl` does not give (it passes a case only when every call is
    right and none is extra)."""

    #: Expected calls matched, each to a distinct model call that passes it.
    matched: int
    #: Calls the ground truth expects.
    expected: int
    #: Model calls matched to no expected call.
    extra: int


def matched_calls(
    question: Mapping[str, Any],
    ground_truth: Sequence[Mapping[str, Any]],
    calls: Sequence[Any],
    *,
    category: str | None = None,
    underscore_names: bool = False,
) -> CallMatch:
    """The expected calls of a case the model's `calls` match (arguments as `check_bfcl`); a
    call that is not one raises `ValueError`."""
    category = category or category_of(str(question.get("id", "")))
    functions: list[Mapping[str, Any]] = list(question.get("function") or [])
    parsed = [_call_parts(c) for c in calls]
    language = language_of(category)
    verdicts = _verdicts(functions, parsed, ground_truth, language, underscore_names)
    matched = len(_matching(verdicts, len(parsed)))
    return CallMatch(matched, len(ground_truth), len(parsed) - matched)


def check_bfcl(
    question: Mapping[str, Any],
    ground_truth: Sequence[Mapping[str, Any]] | None,
    calls: Sequence[Any] | None,
    *,
    category: str | None = None,
    parse_error: str | None = None,
    underscore_names: bool = False,
) -> CheckResult:
    """Check one BFCL case.

    `question` is the question record (its `function` list gives the schemas; its `id` the
    category unless `category` is given), `ground_truth` the answer record's `ground_truth` list
    (None for irrelevance), `calls` the model's calls as `{"name", "arguments"}` dicts (or
    ToolCalls). `parse_error` marks output that was neither text nor readable calls.
    `underscore_names` also accepts `a_b` for a function named `a.b` (BFCL does that for models
    whose APIs forbid dots); off by default, so names must match exactly.
    """
    category = category or category_of(str(question.get("id", "")))
    functions: list[Mapping[str, Any]] = list(question.get("function") or [])
    try:
        parsed = [_call_parts(c) for c in calls or []]
    except ValueError as exc:
        parsed, parse_error = [], parse_error or str(exc)

    if "irrelevance" in category or (ground_truth is None and "relevance" not in category):
        # As in BFCL, output that cannot be read as calls counts as no call.
        if parsed:
            names = [n for n, _ in parsed]
            return _fail("irrelevance_call", f"called {names} on an irrelevant question")
        return _PASS
    if "relevance" in category:
        if parsed:
            return _PASS
        if parse_error:
            return _fail("parse_error", parse_error)
        return _fail("wrong_count", "no call made; a relevant function was available")

    if parse_error and not parsed:
        return _fail("parse_error", parse_error)
    assert ground_truth is not None
    language = language_of(category)
    if len(parsed) != len(ground_truth):
        return _fail("wrong_count", f"{len(parsed)} calls, expected {len(ground_truth)}")
    if "parallel" in category:
        verdicts = _verdicts(functions, parsed, ground_truth, language, underscore_names)
        return _check_parallel(verdicts, len(parsed))
    expected = ground_truth[0]
    function = _find_function(functions, next(iter(expected)))
    return _check_call(function, parsed[0], expected, language, underscore_names)
