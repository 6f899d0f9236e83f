"""A value that runs on into the next one: it ends with what another argument holds, or with a
number nobody wrote.

Copying the user's words, a small model often does not stop where one value ends and writes the
next argument's value into it too, then again in its own place: "What is the air quality index
in London 2022/08/16?" gives `"location": "London 2022/08/16", "date": "2022/08/16"`, "my house
located at 123 main street, ... in Santa Clara county" gives `"address": "123 main street, Santa
Clara county", "county": "Santa Clara county"`.

`overrun_values(calls, query)`: a string argument whose value ends with the value of another
argument of the same call (a string or a number the user wrote, as written) after a separator (a
space or a comma, with or without a hyphen) becomes what comes before it, when that is words the
user wrote (case aside) and at least `MIN_HEAD_CHARS` characters: "London", "123 main street",
"Natural History Museum" of "Natural History Museum in London" (separators and function words at
the cut are dropped, and so are the words in lower case of the tool's name, which say what the
tool is about, not the value: "Gold" of "Gold price per ounce" beside a `measure` "ounce", for
`get_metal_price`). "Liga2021" and "test-gc-analysis.log" are one value each, and so are names
capitalised throughout that the user wrote whole ("Japanese Yen" beside a "Yen"; "Hilton Hotel
Paris" beside a "Paris", of "any Hilton Hotel ... in Paris", is "Hilton Hotel");
"La" of "La Liga" (the other argument took "Liga") is none, and "2010-2015" beside `from_year`
2010 and `to_year` 2015 is two other values, not one of its own.

`unwritten_tails(calls, query)`: a value that runs on into a tail nobody wrote is cut the same
way. A number nobody wrote: "What is the capital city of Australia" gives `"country":
"Australia, 100,000,000"`, "a marble statue in the museum of Philadelphia ... in New York
museum" `"museum_location": "New York 2020"`. A string argument whose value ends with a number
(after a separator) that the user's text does not write, in digits, in words, with a magnitude
or as a percentage (`unwritten_numbers.written_numbers_of`), becomes what comes before it, on
the same terms (what is left is words the user wrote: "iPhone" of "iPhone 12" where the user
asked for "an iPhone"; "Liga2021", "London 2022-08-16" and "10:30" end with no number of their
own). So is a value that ran on from a number the user wrote into words nobody wrote in that
order: "Apple Inc. 30 days ago" of "Apple Inc. ... for the next 30 days" is "Apple Inc." (the
longest head the user wrote is kept; a value that is the user's words, punctuation aside, is
left alone, and so are numbers alone after it: "Paris 12"). A mangled value says the draft went
wrong, and the turn's rules that ask a clause again read it so ("Australia, 100,000,000" took
from no clause: `lamagent.gate.joined`), so `lamagent.gate.final_calls` cuts these once the
turn's drafts are done.

Then a value that ran on past the call's end, with the closing braces and brackets of its JSON
inside the string ("Apple Inc.}}}] You can use the following JSON array ...", "sin(x)}"), is
cut before the first run of them the user's text does not write, on the same terms (what is
left is the user's words, three characters at least: "{{order_id}}}" is left alone, or ends
with a number tail the user's words are left of: "New York 2020}}]" is "New York").

Nothing else changes; nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from lamagent.gate.items import NUMBER, number_value
from lamagent.gate.reshape import reshaped_calls
from lamagent.gate.signals import STOPWORDS, singular, stem, words
from lamagent.gate.unwritten_numbers import written_numbers_of
from lamagent.messages import ToolCall

__all__ = ["overrun_values", "unwritten_tails"]

#: What may stand between a value and the next one it ran into: a space or a comma at least
#: ("London 2022/08/16", "main street, Santa Clara"; "gc-analysis.log" is one value).
_SEPARATOR = re.compile(r"[\s,;:/-]+$")
_SPACED = re.compile(r"[\s,;]")
#: Words that link a value to the next beside the function words ("Gold price per ounce").
_LINKS = frozenset({"per", "via"})
#: A function word at the end of what is left ("Paris in", "report for").
_TRAILING_WORD = re.compile(r"(?:^|\s)([^\W\d_]+)$")
#: A number that ends a value ("100,000,000", "2020", "$5"); one inside a word, a date or a
#: time ("Liga2021", "2022-08-16", "10:30") has no space or comma before it (`_before`).
_LAST_NUMBER = re.compile(rf"{NUMBER}$")
#: A number that opens the words a value ran on into ("30 days ago"): after a space or a comma,
#: and before one (not "2022-08-16", "10:30", "1st").
_TAIL_NUMBER = re.compile(rf"(?<=[\s,]){NUMBER}(?=[\s,])")
_LETTER = re.compile(r"[^\W\d_]")
#: Closing braces and brackets in a row ("}}}]"), the end of a call's JSON.
_CLOSING = re.compile(r"[}\]]+")
#: Fewest characters of the value run into (one letter or digit is in too many values).
MIN_RUN_CHARS = 2
#: Fewest characters of what is left ("La" of "La Liga" is no value of its own).
MIN_HEAD_CHARS = 3


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = str(value).strip()
    return text if len(text) >= MIN_RUN_CHARS else None


def _before(
    value: str, other: str, *, one_name: bool = True, subject: frozenset[str] = frozenset()
) -> str | None:
    """What `value` holds before `other` when it ends with it after a separator, trimmed of
    separators and function words at the cut, and of the words in lower case of the tool's
    name (`subject`, stems: "price" of `get_metal_price` in "Gold price per ounce"); None when
    it does not, or when the two are one name capitalised throughout and `one_name` (the user
    wrote the value whole)."""
    if len(value) <= len(other) or not value.endswith(other):
        return None
    head = value[: len(value) - len(other)]
    separator = _SEPARATOR.search(head)
    if separator is None or not _SPACED.search(separator.group()):
        return None  # "Liga2021", "test-gc-analysis.log": the value's own characters
    last = head[: separator.start()].split()[-1:] or [""]
    capitals = last[0][:1].isupper() and other[:1].isupper()
    if one_name and separator.group().isspace() and capitals:
        return None  # "Japanese Yen", "La Liga": one name, capitalised throughout
    while True:
        head = _SEPARATOR.sub("", head)
        word = _TRAILING_WORD.search(head)
        if word is None:
            break
        said = word.group(1)
        named = stem(singular(said)) in subject  # what the tool is about (stems in lower case)
        if said.lower() not in STOPWORDS and said.lower() not in _LINKS and not named:
            break
        head = head[: word.start(1)]
    return head if len(head) >= MIN_HEAD_CHARS else None


def overrun_values(calls: Sequence[ToolCall], query: str) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each value that ran on into another argument's cut where that one
    begins (see the module's docstring), and a note per value changed ("air_quality.location:
    'London 2022/08/16' as 'London', 'date' holds the rest")."""

    def cut(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        if not isinstance(value, str):
            return None
        others = {o: t for o, v in call.arguments.items() if o != name and (t := _text(v))}
        # "Hilton Hotel Paris" beside a "Paris", of "any Hilton Hotel ... in Paris": no name
        # the user wrote
        whole = _written(value.strip(), query)
        subject = frozenset(stem(singular(w)) for w in words(call.name))
        for other, text in others.items():
            if text not in query:
                continue
            head = _before(value.strip(), text, one_name=whole, subject=subject)
            # "2010" of "2010-2015" beside from_year 2010, to_year 2015: two values, no head
            if head is not None and _written(head, query) and head not in others.values():
                return head, f"{value!r} as {head!r}, {other!r} holds the rest"
        return None

    return reshaped_calls(calls, cut)


def unwritten_tails(calls: Sequence[ToolCall], query: str) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each string value cut before a tail nobody wrote: a number nobody wrote,
    words from a number on that nobody wrote in that order, then a closing brace or bracket
    the user's text does not write (see the module's docstring), and a note per value changed
    ("country_info.capital.country: 'Australia, 100,000,000' as 'Australia', a number nobody
    wrote ends it")."""
    said = written_numbers_of([query])
    query_words = f" {' '.join(words(query))} "

    def loosely_written(text: str) -> bool:  # its words in order, punctuation aside
        return f" {' '.join(words(text))} " in query_words

    def number_tail(value: str) -> tuple[str, str] | None:
        text = value.strip()
        number = _LAST_NUMBER.search(text)
        if number is not None and number_value(number.group()) not in said:
            head = _before(text, number.group())
            if head is not None and _written(head, query):
                return head, "a number nobody wrote ends it"
        if loosely_written(text):
            return None
        # "Apple Inc. 30 days ago" of "Apple Inc. ... for the next 30 days": the number is
        # the user's, the words from it on are not (the longest head the user wrote first)
        for opening in reversed(list(_TAIL_NUMBER.finditer(text))):
            tail = text[opening.start() :]
            if tail == text or not _LETTER.search(tail) or loosely_written(tail):
                continue  # numbers alone are `overrun_values`' or the user's ("Paris 12")
            head = _before(text, tail)
            if head is not None and _written(head, query):
                return head, f"nobody wrote {tail!r}"
        return None

    def bracket_tail(value: str) -> list[tuple[str, str]]:
        closing = next((m for m in _CLOSING.finditer(value) if m.group() not in query), None)
        if closing is None:
            return []
        head = value[: closing.start()].rstrip(" ,;:")
        cut = [(head, "a bracket nobody wrote ends it")]
        if len(head) >= MIN_HEAD_CHARS and _written(head, query):
            return cut
        # a number tail may end what the bracket left ("New York 2020}}]")
        number = number_tail(head) if len(head) >= MIN_HEAD_CHARS else None
        return [*cut, number] if number is not None else []

    def cut(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        if not isinstance(value, str):
            return None
        number = number_tail(value)
        cuts = [number] if number is not None else []
        cuts += bracket_tail(cuts[-1][0] if cuts else value)
        if not cuts:
            return None
        return cuts[-1][0], f"{value!r} as {cuts[-1][0]!r}, {' and '.join(w for _, w in cuts)}"

    return reshaped_calls(calls, cut)


def _written(text: str, query: str) -> bool:
    """Whether `query` writes `text` as words of its own (case aside)."""
    return re.search(rf"(?<!\w){re.escape(text)}(?!\w)", query, re.IGNORECASE) is not None
