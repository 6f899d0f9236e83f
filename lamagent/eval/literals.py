"""Java and JavaScript argument literals read as Python values (BFCL's Java and JS categories).

BFCL asks models in the `simple_java` and `simple_javascript` categories to write every argument
as a string in the target language's syntax (`"3.5f"`, `"123L"`, `"new int[]{1, 2}"`, `"[1, 'a']"`)
while the ground truth holds the plain values. A JSON-speaking model may also give the plain value
directly; `from_java` and `from_javascript` accept both. A string that is not a literal of the
expected type stays a string (a variable name, as BFCL reads it).
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["from_java", "from_javascript"]

_INT = re.compile(r"^-?\d+$")
_JAVA_FLOAT = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?[fF]$")
_DECIMAL = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")
_JAVA_LONG = re.compile(r"^-?\d+[lL]$")
_JS_BIGINT = re.compile(r"^-?\d+n$")
_JAVA_ARRAY = re.compile(r"^new\s+\w+(<[^>]*>)?\s*\[\]\s*\{(?P<body>.*)\}$", re.DOTALL)
_JAVA_ASLIST = re.compile(
    r"^new\s+ArrayList<[^>]*>\(\s*Arrays\.asList\((?P<body>.*)\)\s*\)$", re.DOTALL
)
_JAVA_ADDS = re.compile(r"^new\s+ArrayList<[^>]*>\(\)\s*\{\{(?P<body>.*)\}\}$", re.DOTALL)
_JAVA_EMPTY_LIST = re.compile(r"^new\s+ArrayList<[^>]*>\(\)$")
_JAVA_MAP = re.compile(r"^new\s+HashMap<[^>]*>\(\)\s*(\{\s*\{?(?P<body>.*?)\}?\s*\})?$", re.DOTALL)
_JAVA_PUT = re.compile(r"put\(\s*\"(.*?)\"\s*,\s*(.*?)\)\s*;")
_JAVA_ADD = re.compile(r"add\((.+?)\)\s*;")


def _split_top(body: str) -> list[str]:
    """Split a comma-separated literal list at depth 0 (outside brackets and quotes)."""
    parts: list[str] = []
    depth = 0
    quote: str | None = None
    start = 0
    for i, ch in enumerate(body):
        if quote:
            if ch == quote and body[i - 1] != "\\":
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(body[start:i].strip())
            start = i + 1
    last = body[start:].strip()
    if last or parts:
        parts.append(last)
    return [p for p in parts if p]


def _java_scalar(text: str) -> Any:
    """A Java literal of unknown type: boolean, string, char, long, float, int or double."""
    if text in ("true", "false"):
        return text == "true"
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    if _JAVA_LONG.match(text):
        return int(text[:-1])
    if _JAVA_FLOAT.match(text):
        return float(text[:-1])
    if _INT.match(text):
        return int(text)
    if _DECIMAL.match(text):
        return float(text)
    return text


def from_java(value: Any, type_word: str, item_type: str | None = None) -> Any:
    """`value` read as a Java literal of BFCL type `type_word` (`integer`, `long`, `Array`, ...)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    word = type_word
    if word in ("byte", "short", "integer"):
        return int(text) if _INT.match(text) else value
    if word == "long":
        if _JAVA_LONG.match(text):
            return int(text[:-1])
        return value
    if word == "float":
        return float(text[:-1]) if _JAVA_FLOAT.match(text) else value
    if word == "double":
        return float(text) if _DECIMAL.match(text) else value
    if word == "boolean":
        return text == "true" if text in ("true", "false") else value
    if word in ("Array", "ArrayList"):
        for pattern in (_JAVA_ARRAY, _JAVA_ASLIST):
            m = pattern.match(text)
            if m:
                return [_java_item(p, item_type) for p in _split_top(m.group("body"))]
        m = _JAVA_ADDS.match(text)
        if m:
            return [_java_item(p.strip(), item_type) for p in _JAVA_ADD.findall(m.group("body"))]
        if _JAVA_EMPTY_LIST.match(text):
            return []
        return value
    if word == "HashMap":
        m = _JAVA_MAP.match(text)
        if m:
            body = m.group("body") or ""
            return {k: _java_scalar(v.strip()) for k, v in _JAVA_PUT.findall(body)}
        return value
    return value


def _java_item(text: str, item_type: str | None) -> Any:
    if item_type in ("String", "char") and len(text) >= 2 and text[0] in "\"'":
        return text[1:-1]
    if item_type:
        converted = from_java(text, item_type)
        return converted
    return _java_scalar(text)


def _js_scalar(text: str) -> Any:
    text = text.strip()
    if text in ("true", "false"):
        return text == "true"
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    if _INT.match(text):
        return int(text)
    if _DECIMAL.match(text):
        return float(text)
    return text


def _js_value(text: str) -> Any:
    text = text.strip()
    if text.startswith("new Array(") and text.endswith(")"):
        return [_js_value(p) for p in _split_top(text[len("new Array(") : -1])]
    if text.startswith("[") and text.endswith("]"):
        return [_js_value(p) for p in _split_top(text[1:-1])]
    if text.startswith("{") and text.endswith("}"):
        out: dict[str, Any] = {}
        for pair in _split_top(text[1:-1]):
            key, sep, val = pair.partition(":")
            if not sep:
                return text
            out[key.strip().strip("'\"")] = _js_value(val)
        return out
    return _js_scalar(text)


def from_javascript(value: Any, type_word: str, item_type: str | None = None) -> Any:
    """`value` read as a JavaScript literal of BFCL type `type_word` (`Bigint`, `array`, ...)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if type_word == "String":
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
            return text[1:-1]
        return value
    if type_word == "integer":
        return int(text) if _INT.match(text) else value
    if type_word == "float":
        return float(text) if _DECIMAL.match(text) else value
    if type_word == "Bigint":
        return int(text[:-1]) if _JS_BIGINT.match(text) else value
    if type_word == "Boolean":
        return text == "true" if text in ("true", "false") else value
    if type_word in ("array", "dict"):
        try:
            return json.loads(text)
        except ValueError:
            pass
        parsed = _js_value(text)
        wanted = list if type_word == "array" else dict
        return parsed if isinstance(parsed, wanted) else value
    return value
