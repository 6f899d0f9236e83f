"""The items a text lists: enumerations, values the same words introduce, lists in brackets.

The call rules (`lamagent.gate.listed`, `clauses`, `unasked`, `written_lists`, `numbers`) read
the user's words for the values they list; this module reads them, and tells whether a call's
value is one of them.

- `item_lists(text)`: the enumerations of a text: two or more numbers, ISO dates
  ("2022-01-01"), lists written in brackets ("[1, 2] and [3, 4]"), capitalised names, quoted
  strings or single lower-case words (not stop words: "navy, purple and maroon", "copper and
  aluminum"), one after another with only commas and a conjunction ("and", "or", "&")
  between them; all but quoted strings need the conjunction (dates like "March 10, 2022" are
  not lists), quoted strings do not. A number may carry a unit word ("20 minutes and 15
  minutes") or a short unit written onto it ("5cm", "10kg"). A name that ends in a number,
  with numbers after it, opens a list of numbers ("Case No 28473 and 64725"). Clauses are
  no list: the pronoun "I" is no name ("Kesha and I have"), two names or words with a comma
  before the conjunction join clauses ("is vegan, and takes"), and a last word right before
  a determiner, a pronoun or "is" opens one ("tofu and keep the total", "ip is ...").
- `cue_lists(text)`: values the same words introduce in clauses of their own ("a change in
  time of 4 seconds, then repeat with a change in time of 10 seconds").
- `value_lists(text)`: both, read once per text.
- `item_matches(value, item, kind)` (a name's possessive is the name: "Madrid" takes
  "Madrid's"), `as_drafted(draft, item)`, `list_elements(written)`,
  `same_element(value, element)`, `number_value(text)`: a call's value against an item, an
  item in the type of a drafted value, a bracketed list's elements read as text (never
  evaluated).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Literal

from lamagent.gate.signals import STOPWORDS

__all__ = [
    "BRACKETED",
    "DATE",
    "GLUED_UNIT",
    "NAME",
    "NUMBER",
    "NUMBERS",
    "QUOTED",
    "ItemKind",
    "ItemList",
    "as_drafted",
    "cue_lists",
    "item_lists",
    "item_matches",
    "item_text",
    "list_elements",
    "number_argument",
    "number_value",
    "numbers_of",
    "same_element",
    "value_lists",
]

ItemKind = Literal["number", "name", "quoted", "word", "date", "list"]

#: A number as people write it ("$400,000", "2.5%").
NUMBER = r"[-+]?\$?\d+(?:,\d{3})*(?:\.\d+)?%?"
#: Numbers as a text writes them ("$400,000", "2.5%", "-3").
NUMBERS = re.compile(NUMBER)
#: A name: capitalised words, on past "Inc." or "D.C.", not past a sentence's end ("New York.
#: Also").
NAME = r"\b[A-Z][\w.&'-]*(?:(?<![a-z]{3}\.)[ ][A-Z0-9][\w.&'-]*)*"
_CONJUNCTION = r"(?:and|or|&)"
#: A lower-case unit word after a number ("20 minutes"), never a conjunction.
_UNIT = rf"(?:[ ](?!{_CONJUNCTION}\b)[a-z]+\b)?"
#: A unit written onto a number ("5cm", "10kg", "30s"): the usual short ones only, so that
#: "3x^2", "2nd" or "4y" stay what they are.
GLUED_UNIT = (
    r"(?:mm|cm|km|m|mi|ft|yd|mg|kg|g|lbs?|oz|ml|l|ms|s|min|h|hr|hrs|mph|kph|kmh|kw|kwh|hz|khz|"
    r"mhz|ghz|kb|mb|gb|tb)"
)
#: A quoted string ('Hilton', "New York, NY"), of one line and at most 80 characters.
QUOTED = r"'[^'\n]{1,80}'|\"[^\"\n]{1,80}\""
#: A date as ISO 8601 writes it ("2022-01-01"), one item rather than three numbers.
DATE = r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])"
#: A list written in brackets ("[23, 45, 67, 89]", "['red', 'blue']"), flat.
BRACKETED = r"\[[^\[\]\n]{1,2000}\]"
_ITEM = re.compile(
    rf"(?P<date>{DATE})"
    rf"|(?P<list>{BRACKETED})"
    rf"|(?P<number>(?<![\w.$]){NUMBER}(?:{GLUED_UNIT})?(?!\w|\.\d){_UNIT})"
    rf"|(?P<quoted>{QUOTED})"
    rf"|(?P<name>{NAME})"
    rf"|(?P<word>\b(?!{_CONJUNCTION}\b)[a-z][a-z-]*\b)"
)
#: What may stand between two items of a list.
_SEPARATOR = re.compile(rf"\s*(?:,\s*(?:{_CONJUNCTION}\s+)?|{_CONJUNCTION}\s+)", re.IGNORECASE)
_HAS_CONJUNCTION = re.compile(rf"\b{_CONJUNCTION}(?=\s)|&", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[a-z]{3}\.$")
_COMMA = re.compile(r",")
_POSSESSIVE = re.compile(r"['’]s$")
_PRONOUN = re.compile(r"I(?:['’](?:m|d|ve|ll))?")
#: Words that show a lower-case word before them opens a clause, not a list's last item:
#: what a verb or a conjunction governs ("keep the total", "whether it has") or a verb of
#: one subject ("fab-ed and ip is 3.321.3232.2": a list of two would take "are").
_CLAUSE_WORDS = frozenset(
    {
        *("the", "a", "an", "my", "your", "our", "their", "his", "her", "its", "it"),
        *("this", "that", "these", "those", "them", "me", "us", "him"),
        *("is", "was", "has"),
    }
)
_NEXT_WORD = re.compile(r" ([a-z]+)\b")
#: A number a name ends in ("Case No 28473"): the first of a list when numbers follow it.
_NAMED_NUMBER = re.compile(r"[ ](\d+)$")


@dataclass(frozen=True)
class ItemList:
    """Like items of a text, as written (a number without its unit word): an enumeration, or
    (`clauses`) the values the same words introduce in clauses of their own."""

    kind: ItemKind
    items: tuple[str, ...]
    clauses: bool = False


def item_text(kind: ItemKind, written: str) -> str:
    if kind == "quoted":
        return written[1:-1].strip()
    if kind == "number":  # without its unit, written apart or onto it
        found = NUMBERS.match(written)
        return found.group() if found else written
    if kind in ("date", "list"):
        return written
    # a full stop after a word ends the sentence ("... and Bulls."), after an abbreviation
    # it is the name's own ("Apple Inc.", "Washington D.C.")
    name = written[:-1] if _SENTENCE_END.search(written) else written
    # a sentence's first word is capitalised too: a stop word there is not the name's ("Find
    # Taylor Swift"; a verb such as "Play" cannot be told apart and stays)
    first, _, rest = name.partition(" ")
    return rest if rest and first.lower() in STOPWORDS else name


def item_lists(text: str) -> list[ItemList]:
    """The enumerations of `text`, in order (see the module's docstring)."""
    found: list[ItemList] = []
    run: list[tuple[ItemKind, str]] = []
    separators: list[str] = []
    previous_end = -1

    def close() -> None:
        kind = run[0][0] if run else "word"
        if kind == "word" and len(run) >= 2 and _opens_clause(text, previous_end):
            run.pop()  # "tofu and keep the total": a verb, not an item
            separators.pop()
        if len(run) >= 2:
            joined = " ".join(separators)
            # two items joined by a comma and a conjunction join clauses ("is vegan, and
            # takes under 30 minutes"); a list of two is written without the comma
            clauses = len(run) == 2 and kind in ("word", "name") and _COMMA.search(joined)
            if kind == "quoted" or (_HAS_CONJUNCTION.search(joined) and not clauses):
                found.append(ItemList(kind, tuple(item_text(kind, w) for _, w in run)))
        run.clear()
        separators.clear()

    for match in _ITEM.finditer(text):
        kind: ItemKind = match.lastgroup  # type: ignore[assignment]
        if _stop_word(kind, match.group()):  # "deer and their habitat", "Kesha and I have"
            close()
            previous_end = -1
            continue
        between = text[previous_end : match.start()] if previous_end >= 0 else ""
        separated = _SEPARATOR.fullmatch(between) is not None
        if kind == "number" and separated and len(run) == 1 and run[0][0] == "name":
            numbered = _NAMED_NUMBER.search(run[0][1])  # "Case No 28473 and 64725"
            if numbered:
                run[0] = ("number", numbered.group(1))
        joined = bool(run) and run[0][0] == kind and separated
        if not joined:
            close()
        else:
            separators.append(between)
        run.append((kind, match.group()))
        previous_end = match.end()
    close()
    return found


def _stop_word(kind: ItemKind, written: str) -> bool:
    """Whether an item's match is a stop word, never an item of a list: a lower-case one, or
    the pronoun "I" ("I", "I'm", "I'd": "Kesha and I have been told")."""
    if kind == "word":
        return written in STOPWORDS
    return kind == "name" and _PRONOUN.fullmatch(written) is not None


def _opens_clause(text: str, end: int) -> bool:
    """Whether the word before `end` opens a clause (`_CLAUSE_WORDS` follows it: "keep the",
    "whether it", "ip is")."""
    following = _NEXT_WORD.match(text, end) if end >= 0 else None
    return following is not None and following.group(1) in _CLAUSE_WORDS


#: Words a cue is read from: the two just before a value.
_CUE_WORD = re.compile(r"[A-Za-z]+")
_CUE_WORDS = 2
_CUE_REACH = 40  # characters before a value that hold its cue


def cue_lists(text: str) -> list[ItemList]:
    """The values (numbers, names, quoted strings) that the same two words introduce more than
    once, with different values: "a change in time of 4 seconds, then repeat with a change in
    time of 10 seconds" gives ("4", "10"), "base 10 and height 5, and base 8 and height 6"
    gives ("10", "8") and ("5", "6"). The cue must end where the value starts and hold a word
    that is not a stop word ("of 5" and "of 7" are no cue)."""
    found: dict[tuple[tuple[str, ...], ItemKind], list[str]] = {}
    for match in _ITEM.finditer(text):
        kind: ItemKind = match.lastgroup  # type: ignore[assignment]
        if kind == "word":
            continue
        before = text[max(0, match.start() - _CUE_REACH) : match.start()]
        cue = tuple(w.lower() for w in _CUE_WORD.findall(before)[-_CUE_WORDS:])
        ends_here = before.rstrip().lower().endswith(cue[-1]) if cue else False
        if len(cue) < _CUE_WORDS or not ends_here or all(w in STOPWORDS for w in cue):
            continue
        values = found.setdefault((cue, kind), [])
        value = item_text(kind, match.group())
        if value not in values:
            values.append(value)
    return [ItemList(kind, tuple(v), clauses=True) for (_, kind), v in found.items() if len(v) >= 2]


@lru_cache(maxsize=16)
def value_lists(text: str) -> tuple[ItemList, ...]:
    """The enumerations of `text`, then its cue lists that are not one of them. Read once
    per text: every rule of a turn (lists, pairs, calls nobody asked for) reads the same
    request."""
    lists = item_lists(text)
    seen = {found.items for found in lists}
    return (*lists, *(found for found in cue_lists(text) if found.items not in seen))


def number_argument(value: Any) -> Decimal | None:
    """The finite number an argument's value is, when it is a number (an int or a float;
    never a boolean or text)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = Decimal(str(value))  # a float's str is its shortest repr: 0.05, not 0.05000...
    return number if number.is_finite() else None


def number_arguments(arguments: Mapping[str, Any]) -> set[Decimal]:
    """The numbers a call's arguments are (each a number, not in a list or text)."""
    return {n for value in arguments.values() if (n := number_argument(value)) is not None}


def numbers_of(value: Any) -> tuple[Decimal, ...] | None:
    """The numbers of a number or a flat, non-empty list of numbers (never booleans), or
    None."""
    items = value if isinstance(value, list) else [value]
    found = tuple(number_argument(item) for item in items)
    if not found or None in found:
        return None
    return tuple(n for n in found if n is not None)


def number_value(text: str) -> Decimal | None:
    """The number `text` writes ("$400,000", "2.5%"), or None."""
    try:
        return Decimal(text.replace("$", "").replace(",", "").rstrip("%"))
    except InvalidOperation:
        return None


def list_elements(written: str) -> list[Decimal | str]:
    """The elements of a bracketed list as written: numbers, or strings without their
    quotes ("[3, 'red', \"blue\"]" gives 3, "red", "blue"). Read as text, never evaluated."""
    inner = written.strip()[1:-1]
    if not inner.strip():
        return []
    elements: list[Decimal | str] = []
    for part in inner.split(","):
        text = part.strip()
        number = number_value(text) if text else None
        elements.append(number if number is not None else text.strip("'\"").strip())
    return elements


def same_element(value: Any, element: Decimal | str) -> bool:
    """Whether a list's element is the element written (a number equal to it, a string equal
    to it without regard to case)."""
    if isinstance(element, Decimal):
        return (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and Decimal(str(value)) == element
        )
    return isinstance(value, str) and value.strip().casefold() == element.casefold()


def item_matches(value: Any, item: str, kind: ItemKind) -> bool:
    """Whether an argument's value is the item, as a whole."""
    if isinstance(value, bool):
        return False
    if kind == "list":
        elements = list_elements(item)
        return (
            isinstance(value, list)
            and len(value) == len(elements)
            and all(same_element(v, e) for v, e in zip(value, elements, strict=True))
        )
    if isinstance(value, (int, float)):
        number = number_value(item) if kind == "number" else None
        return number is not None and number == Decimal(str(value))
    if isinstance(value, str) and kind == "number":  # "400000" for "$400,000"
        number = number_value(value.strip())
        return number is not None and number == number_value(item)
    if isinstance(value, str):  # with or without a final full stop ("Washington D.C.")
        written, listed = value.strip().rstrip(".").casefold(), item.rstrip(".").casefold()
        if kind != "name":
            return written == listed
        # a name's last words: a sentence's first word joins the name after it ("Play Taylor
        # Swift and Maroon 5"); a name's possessive is the name ("Madrid's music stores")
        return written in (listed, _POSSESSIVE.sub("", listed)) or listed.endswith(" " + written)
    return False


def as_drafted(draft: Any, item: str) -> Any:
    """The item in the type the draft's value has (a number for a number, a list of the
    draft's element type for a list, else the text)."""
    if isinstance(draft, list):
        like = draft[0] if draft else ""
        return [
            as_drafted(like, str(e)) if isinstance(e, Decimal) else e for e in list_elements(item)
        ]
    if isinstance(draft, (int, float)) and not isinstance(draft, bool):
        number = number_value(item)
        if number is None:
            return draft
        if isinstance(draft, int) and number == number.to_integral_value():
            return int(number)
        return float(number)
    return item
