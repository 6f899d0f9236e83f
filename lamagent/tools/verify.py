"""Call verification: the xLAM paper's call checks (section 3.3), applied at run time.

A call is checked against the tool's JSON Schema, so tools built from spec dicts verify as well
as Python functions. The checks: the tool exists, every argument is defined, every required
argument is present, every value has the right type (recursively, with enums and ranges).
Mistakes a small model often makes and that have one obvious meaning are repaired and recorded:
numbers and booleans sent as strings, a float with no fraction for an integer, an int for a
float, a list or object sent as a JSON string (parsed with `json`, never evaluated), a single
value where a list of such values is expected, an enum value in the wrong case, and `null` for
an optional argument (dropped, so the default applies). Anything else becomes a `CallError`
whose message tells the model what to fix. Verification never raises on model output.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from lamagent.messages import ToolCall
from lamagent.records import CALL_ERROR_KINDS, CallError, CallErrorKind, Repair

__all__ = [
    "CallError",
    "CallErrorKind",
    "Repair",
    "VerifiedCall",
    "describe_parameters",
    "unknown_tool_error",
    "verify_arguments",
]

_KIND_ORDER: dict[str, int] = {kind: i for i, kind in enumerate(CALL_ERROR_KINDS)}
_NUMBER_RE = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_INT_RE = re.compile(r"-?(?:0|[1-9]\d*)")
_TRUE_WORDS = frozenset({"true"})
_FALSE_WORDS = frozenset({"false"})
_MAX_SHOWN = 80


class VerifiedCall(BaseModel):
    """A call that passed verification: arguments valid, coerced and JSON-able."""

    call: ToolCall
    repairs: list[Repair] = Field(default_factory=list)


class _Mismatch(Exception):
    """Internal: one problem found while checking a value (never escapes this module)."""

    def __init__(self, kind: CallErrorKind, path: str, message: str) -> None:
        super().__init__(message)
        self.kind: CallErrorKind = kind
        self.path = path
        self.message = message


def _shown(value: Any) -> str:
    """A short rendering of a value for a message."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _json_type(value: Any) -> str | None:
    """The JSON Schema type of a Python value, or None if it is not a JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number" if math.isfinite(value) else None
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object" if all(isinstance(k, str) for k in value) else None
    return None


def _type_noun(value: Any) -> str:
    kind = _json_type(value)
    if kind is None:
        return f"a non-JSON value ({type(value).__name__})"
    if kind == "null":
        return "null"
    return {"integer": "an integer", "array": "an array", "object": "an object"}.get(
        kind, f"a {kind}"
    )


def _got(value: Any) -> str:
    noun = _type_noun(value)
    return noun if value is None or _json_type(value) is None else f"{noun} {_shown(value)}"


def _json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON sees it (True is not 1; 1 is 1.0)."""
    ta, tb = _json_type(a), _json_type(b)
    numeric = ("integer", "number")
    if ta in numeric and tb in numeric:
        return bool(a == b)
    if ta != tb:
        return False
    if ta == "array":
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if ta == "object":
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def _types(raw: Any) -> list[str] | None:
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw and all(isinstance(t, str) for t in raw):
        return list(raw)
    return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse_json(text: str) -> Any:
    """Strict JSON (no NaN or Infinity); raises ValueError."""
    return json.loads(text, parse_constant=_reject_constant)


def summarize(schema: Any, root: Mapping[str, Any] | None = None, depth: int = 0) -> str:
    """A short human (and model) readable description of what a schema accepts."""
    if not isinstance(schema, Mapping) or not schema:
        return "any value" if schema is not False else "nothing"
    if depth > 3:
        return "value"
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ref.rsplit("/", 1)[-1]
    if isinstance(schema.get("enum"), list):
        return "one of " + ", ".join(_shown(v) for v in schema["enum"][:12])
    if "const" in schema:
        return _shown(schema["const"])
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            return " or ".join(summarize(s, root, depth + 1) for s in schema[key])
    types = _types(schema.get("type"))
    if types is None:
        return "any value"
    parts = []
    for t in types:
        if t == "array":
            items = schema.get("items")
            prefix = schema.get("prefixItems")
            if isinstance(prefix, list):
                parts.append("[" + ", ".join(summarize(s, root, depth + 1) for s in prefix) + "]")
            elif isinstance(items, Mapping) and items:
                parts.append(f"array of {summarize(items, root, depth + 1)}")
            else:
                parts.append("array")
        elif t == "object" and isinstance(schema.get("properties"), Mapping):
            props = schema["properties"]
            inner = ", ".join(f"{k}: {summarize(v, root, depth + 1)}" for k, v in props.items())
            parts.append("object {" + inner + "}" if props else "object")
        else:
            word = t
            bounds = []
            for key, sign in (
                ("minimum", ">="),
                ("maximum", "<="),
                ("exclusiveMinimum", ">"),
                ("exclusiveMaximum", "<"),
            ):
                if isinstance(schema.get(key), (int, float)) and not isinstance(
                    schema.get(key), bool
                ):
                    bounds.append(f"{sign} {schema[key]}")
            parts.append(word + (" " + " and ".join(bounds) if bounds else ""))
    return " or ".join(parts)


def describe_parameters(parameters: Mapping[str, Any]) -> str:
    """`city (string, required), days (integer >= 1, optional)`: the expected arguments."""
    props = parameters.get("properties")
    if not isinstance(props, Mapping) or not props:
        return "no arguments"
    required = parameters.get("required")
    required_set = set(required) if isinstance(required, list) else set()
    return ", ".join(
        f"{name} ({summarize(sub, parameters)}, "
        f"{'required' if name in required_set else 'optional'})"
        for name, sub in props.items()
    )


class _Checker:
    """Checks and repairs one value against a JSON Schema, collecting repairs."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.repairs: list[Repair] = []

    # -- schema plumbing -------------------------------------------------------------------
    def _resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        seen = 0
        while isinstance(schema.get("$ref"), str) and seen < 32:
            ref: str = schema["$ref"]
            target: Any = None
            if ref.startswith("#/"):
                target = self.root
                for part in ref[2:].split("/"):
                    target = target.get(part) if isinstance(target, Mapping) else None
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **rest} if isinstance(target, Mapping) else rest
            seen += 1
        return schema

    def _attempt(self, value: Any, schema: Any, path: str) -> tuple[bool, Any, _Mismatch | None]:
        """Check without committing repairs when it fails."""
        saved = len(self.repairs)
        try:
            return True, self.check(value, schema, path), None
        except _Mismatch as exc:
            del self.repairs[saved:]
            return False, None, exc

    def _repair(self, path: str, kind: str, original: Any, repaired: Any) -> None:
        self.repairs.append(Repair(argument=path, kind=kind, original=original, repaired=repaired))

    # -- the check -------------------------------------------------------------------------
    def check(self, value: Any, schema: Any, path: str) -> Any:
        """The value, coerced to the schema, or `_Mismatch`."""
        if schema is True or schema is None:
            schema = {}
        if schema is False:
            raise _Mismatch("wrong_type", path, f"'{path}' must be left out")
        if not isinstance(schema, Mapping):
            schema = {}
        schema = self._resolve(schema)
        all_of = schema.get("allOf")
        if isinstance(all_of, list):
            for sub in all_of:
                value = self.check(value, sub, path)
        for key in ("anyOf", "oneOf"):
            branches = schema.get(key)
            if isinstance(branches, list) and branches:
                value = self._any_of(value, branches, schema, path)
        types = _types(schema.get("type"))
        if _json_type(value) is None:
            raise _Mismatch(
                "wrong_type", path, f"'{path}' must be JSON data, got {_type_noun(value)}"
            )
        if types is not None and not self._matches(value, types):
            return self._coerce(value, types, schema, path)
        return self._structure(value, types, schema, path)

    def _any_of(self, value: Any, branches: list[Any], schema: Mapping[str, Any], path: str) -> Any:
        best: tuple[int, Any, list[Repair]] | None = None
        deepest: _Mismatch | None = None
        for branch in branches:
            saved = len(self.repairs)
            ok, out, exc = self._attempt(value, branch, path)
            if not ok:
                if exc is not None and exc.path != path:
                    shallower = deepest is not None and len(deepest.path) >= len(exc.path)
                    deepest = deepest if shallower else exc
                continue
            made = self.repairs[saved:]
            del self.repairs[saved:]
            if best is None or len(made) < best[0]:
                best = (len(made), out, made)
            if not made:
                break
        if best is None:
            if deepest is not None:  # the value fits a branch's shape but not inside: say where
                raise deepest
            expected = summarize({"anyOf": branches}, self.root)
            wants_list = any(
                isinstance(b, Mapping) and "array" in (_types(b.get("type")) or [])
                for b in branches
            )
            hint = _hint(value) if wants_list else ""
            raise _Mismatch(
                "wrong_type", path, f"'{path}' must be {expected}, got {_got(value)}{hint}"
            )
        self.repairs.extend(best[2])
        return best[1]

    @staticmethod
    def _matches(value: Any, types: list[str]) -> bool:
        actual = _json_type(value)
        return actual in types or (actual == "integer" and "number" in types)

    def _coerce(self, value: Any, types: list[str], schema: Mapping[str, Any], path: str) -> Any:
        """Try the safe repairs for a value of the wrong JSON type."""
        candidates: list[tuple[str, Any]] = []
        actual = _json_type(value)
        if actual == "number" and "integer" in types and float(value).is_integer():
            candidates.append(("float_to_int", int(value)))
        if actual == "string":
            text = value.strip()
            for t in types:
                if t == "integer" and _INT_RE.fullmatch(text):
                    candidates.append(("string_to_integer", _to_int(text)))
                elif t == "integer" and _NUMBER_RE.fullmatch(text):
                    number = _to_float(text)
                    if number is not None and number.is_integer():
                        candidates.append(("string_to_integer", int(number)))
                elif t == "number" and _NUMBER_RE.fullmatch(text):
                    candidates.append(("string_to_number", _to_float(text)))
                elif t == "boolean" and text.lower() in _TRUE_WORDS | _FALSE_WORDS:
                    candidates.append(("string_to_boolean", text.lower() in _TRUE_WORDS))
                elif t in ("array", "object") and text[:1] in "[{":
                    try:
                        parsed = _parse_json(text)
                    except (ValueError, RecursionError):
                        continue
                    if _json_type(parsed) == t:
                        candidates.append(("json_string", parsed))
        if "array" in types and actual != "array" and not _looks_like_list(value):
            candidates.append(("wrap_in_list", [value]))
        deeper: _Mismatch | None = None
        for kind, new in candidates:
            if new is None:
                continue
            saved = len(self.repairs)
            ok, out, exc = self._attempt(new, schema, path)
            if ok:
                self.repairs.insert(
                    saved, Repair(argument=path, kind=kind, original=value, repaired=new)
                )
                return out
            if kind == "json_string" and deeper is None:
                deeper = exc
        if deeper is not None:
            raise deeper
        expected = summarize(schema, self.root)
        hint = _hint(value) if "array" in types else ""
        raise _Mismatch("wrong_type", path, f"'{path}' must be {expected}, got {_got(value)}{hint}")

    def _structure(
        self, value: Any, types: list[str] | None, schema: Mapping[str, Any], path: str
    ) -> Any:
        """Keyword checks for a value whose JSON type already fits."""
        actual = _json_type(value)
        if actual == "object":
            value = self._object(value, schema, path)
        elif actual == "array":
            value = self._array(list(value), schema, path)
        elif actual == "string":
            self._string(value, schema, path)
        elif actual in ("integer", "number"):
            if (
                actual == "integer"
                and types is not None
                and "integer" not in types
                and "number" in types
            ):
                try:
                    as_float = float(value)
                except OverflowError as exc:
                    raise _Mismatch("wrong_type", path, f"'{path}' is too large") from exc
                self._repair(path, "int_to_float", value, as_float)
                value = as_float
            self._number(value, schema, path)
        value = self._enum(value, schema, path)
        if "const" in schema and not _json_equal(value, schema["const"]):
            expected = _shown(schema["const"])
            raise _Mismatch("wrong_type", path, f"'{path}' must be {expected}, got {_shown(value)}")
        return value

    def _enum(self, value: Any, schema: Mapping[str, Any], path: str) -> Any:
        options = schema.get("enum")
        if not isinstance(options, list) or not options:
            return value
        if any(_json_equal(value, o) for o in options):
            return value
        if isinstance(value, str):
            folded = [o for o in options if isinstance(o, str) and o.lower() == value.lower()]
            if len(folded) == 1:
                self._repair(path, "enum_case", value, folded[0])
                return folded[0]
        shown = ", ".join(_shown(o) for o in options[:20])
        raise _Mismatch("wrong_type", path, f"'{path}' must be one of {shown}; got {_shown(value)}")

    def _string(self, value: str, schema: Mapping[str, Any], path: str) -> None:
        low, high = schema.get("minLength"), schema.get("maxLength")
        if isinstance(low, int) and len(value) < low:
            raise _Mismatch("wrong_type", path, f"'{path}' must have at least {low} characters")
        if isinstance(high, int) and len(value) > high:
            raise _Mismatch("wrong_type", path, f"'{path}' must have at most {high} characters")
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            try:
                matched = re.search(pattern, value) is not None
            except re.error:
                matched = True  # a pattern Python cannot read does not block the call
            if not matched:
                raise _Mismatch("wrong_type", path, f"'{path}' must match the pattern {pattern}")

    def _number(self, value: float, schema: Mapping[str, Any], path: str) -> None:
        checks = (
            ("minimum", lambda b: value >= b, ">="),
            ("maximum", lambda b: value <= b, "<="),
            ("exclusiveMinimum", lambda b: value > b, ">"),
            ("exclusiveMaximum", lambda b: value < b, "<"),
        )
        for key, ok, sign in checks:
            bound = schema.get(key)
            if isinstance(bound, (int, float)) and not isinstance(bound, bool) and not ok(bound):
                raise _Mismatch(
                    "wrong_type", path, f"'{path}' must be {sign} {bound}, got {_shown(value)}"
                )
        step = schema.get("multipleOf")
        if isinstance(step, (int, float)) and not isinstance(step, bool) and step > 0:
            quotient = value / step
            if not math.isclose(quotient, round(quotient), rel_tol=1e-9, abs_tol=1e-9):
                raise _Mismatch("wrong_type", path, f"'{path}' must be a multiple of {step}")

    def _array(self, value: list[Any], schema: Mapping[str, Any], path: str) -> list[Any]:
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        if isinstance(items, list):  # draft-4 tuple form
            prefix, items = items, schema.get("additionalItems", True)
        prefix = prefix if isinstance(prefix, list) else []
        low, high = schema.get("minItems"), schema.get("maxItems")
        if isinstance(low, int) and len(value) < low:
            raise _Mismatch(
                "wrong_type", path, f"'{path}' needs at least {low} items, got {len(value)}"
            )
        if isinstance(high, int) and len(value) > high:
            raise _Mismatch(
                "wrong_type", path, f"'{path}' allows at most {high} items, got {len(value)}"
            )
        out = []
        for i, item in enumerate(value):
            sub = prefix[i] if i < len(prefix) else items
            out.append(self.check(item, sub, f"{path}[{i}]"))
        if schema.get("uniqueItems") is True:
            for i in range(len(out)):
                if any(_json_equal(out[i], out[j]) for j in range(i)):
                    raise _Mismatch(
                        "wrong_type", path, f"'{path}' must not repeat items ({_shown(out[i])})"
                    )
        return out

    def _object(
        self,
        value: Mapping[str, Any],
        schema: Mapping[str, Any],
        path: str,
    ) -> dict[str, Any]:
        props = schema.get("properties")
        props = props if isinstance(props, Mapping) else {}
        required = schema.get("required")
        required_set = (
            {r for r in required if isinstance(r, str)} if isinstance(required, list) else set()
        )
        extra = schema.get("additionalProperties", True)
        for name in value:
            if name not in props and extra is False:
                where = _join(path, name)
                raise _Mismatch("unknown_argument", where, _unknown_message(where, name, props))
        for name in props:
            if name in required_set and name not in value:
                where = _join(path, name)
                raise _Mismatch(
                    "missing_argument",
                    where,
                    f"'{where}' is required: {summarize(props[name], self.root)}",
                )
        out: dict[str, Any] = {}
        for name, item in value.items():
            where = _join(path, name)
            sub = props.get(name, extra)
            ok, checked, exc = self._attempt(item, sub, where)
            if ok:
                out[name] = checked
            elif item is None and name not in required_set and name in props:
                self._repair(where, "dropped_null", None, None)
            else:
                assert exc is not None
                raise exc
        low, high = schema.get("minProperties"), schema.get("maxProperties")
        if isinstance(low, int) and len(out) < low:
            raise _Mismatch("wrong_type", path, f"'{path}' needs at least {low} keys")
        if isinstance(high, int) and len(out) > high:
            raise _Mismatch("wrong_type", path, f"'{path}' allows at most {high} keys")
        return out


def _looks_like_list(value: Any) -> bool:
    """A string written like a list: wrapping it in a list would hide the real mistake."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return len(text) >= 2 and text[0] == "[" and text[-1] == "]"


def _hint(value: Any) -> str:
    if _looks_like_list(value):
        return ' (send a JSON array such as ["a", "b"], not a string)'
    return ""


def _to_int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:  # beyond Python's digit limit for int()
        return None


def _to_float(text: str) -> float | None:
    try:
        number = float(text)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _unknown_message(where: str, name: str, props: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(name, [str(p) for p in props], n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"'{where}' is not a defined argument{hint}"


def unknown_tool_error(name: Any, tool_names: Sequence[str]) -> CallError:
    """The error for a call of a tool that does not exist, with the closest real name."""
    shown = name if isinstance(name, str) else repr(name)
    close = difflib.get_close_matches(shown, list(tool_names), n=1, cutoff=0.5)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    available = ", ".join(tool_names) if tool_names else "none"
    return CallError(
        kind="unknown_tool",
        tool=shown,
        argument=None,
        message=(
            f"There is no tool named '{_clip(shown)}'.{hint} "
            f"Call one of the available tools: {available}."
        ),
    )


def _clip(text: str, limit: int = _MAX_SHOWN) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def verify_arguments(
    name: str, parameters: Mapping[str, Any], arguments: Any, *, call_id: str | None = None
) -> VerifiedCall | CallError:
    """Check a call's arguments against a tool's parameter schema; repair what is safe.

    Every problem is found (unknown arguments, missing ones, wrong values); the `CallError`
    carries the first by kind order and a message listing all of them with the expected
    parameters. Never raises.
    """
    try:
        return _verify(name, parameters, arguments, call_id)
    except Exception as exc:  # a pathological input (e.g. nested too deep) is still data
        return CallError(
            kind="wrong_type",
            tool=name,
            argument=None,
            message=(
                f"The arguments of '{name}' could not be checked ({type(exc).__name__}). "
                f"Send a flat JSON object with: {describe_parameters(parameters)}."
            ),
        )


def _verify(
    name: str, parameters: Mapping[str, Any], arguments: Any, call_id: str | None
) -> VerifiedCall | CallError:
    if not isinstance(arguments, Mapping) or not all(isinstance(k, str) for k in arguments):
        return CallError(
            kind="wrong_type",
            tool=name,
            argument=None,
            message=(
                f"The arguments of '{name}' must be a JSON object with: "
                f"{describe_parameters(parameters)}."
            ),
        )
    props = parameters.get("properties")
    props = props if isinstance(props, Mapping) else {}
    required = parameters.get("required")
    required_list = (
        [r for r in required if isinstance(r, str)] if isinstance(required, list) else []
    )
    extra = parameters.get("additionalProperties", False)
    checker = _Checker(parameters)
    problems: list[_Mismatch] = []
    for arg in arguments:
        if arg not in props and extra is False:
            problems.append(_Mismatch("unknown_argument", arg, _unknown_message(arg, arg, props)))
    for arg in required_list:
        if arg in props and arg not in arguments:
            problems.append(
                _Mismatch(
                    "missing_argument",
                    arg,
                    f"the required argument '{arg}' is missing "
                    f"({summarize(props[arg], parameters)})",
                )
            )
    out: dict[str, Any] = {}
    for arg, value in arguments.items():
        if arg not in props and extra is False:
            continue
        sub = props.get(arg, extra)
        ok, checked, exc = checker._attempt(value, sub, arg)
        if ok:
            out[arg] = checked
        elif value is None and arg in props and arg not in required_list:
            checker._repair(arg, "dropped_null", None, None)
        else:
            assert exc is not None
            problems.append(exc)
    if problems:
        problems.sort(key=lambda p: _KIND_ORDER[p.kind])
        first = problems[0]
        listed = "; ".join(p.message for p in problems)
        return CallError(
            kind=first.kind,
            tool=name,
            argument=first.path,
            message=(
                f"Call of '{name}' rejected: {listed}. "
                f"Expected arguments: {describe_parameters(parameters)}."
            ),
        )
    call = (
        ToolCall(name=name, arguments=out, id=call_id)
        if call_id
        else ToolCall(name=name, arguments=out)
    )
    return VerifiedCall(call=call, repairs=checker.repairs)
