"""Cheap evidence that a drafted call list answers the conversation, each a number in [0, 1].

A small model under a calls-only grammar always calls; whether it should have is visible in
what it wrote. A call whose argument values come from the user's words (or from earlier tool
results), whose argument names the user talks about, and whose tool the query describes is
likely wanted; a call that invents its values for a tool the query never mentions is not.

- `grounding`: the share of argument values found in the context after normalisation (lower
  case, letters and digits): a value counts by the share of its words the context holds
  (singular or plural: "hearts" in "a heart card"), or fully when its letters and digits
  appear there as one run ("2023-10-01" in "20231001").
- `argument_names`: the share of the call's argument names whose words the query uses.
- `tool_match`: the share of the query's content words that the tool's name, description and
  parameter names use (how much of the request the tool speaks to). Words the draft copied into
  its argument values are left out: they are data (judged by grounding), not the request, and a
  long query full of data would otherwise dilute the match ("... Tel Aviv, in Fahrenheit").
- `repeated`: the draft makes a call again that was made since the user's last message
  (`lamagent.gate.repeats`), so making it again would loop.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lamagent.gate.repeats import repeats
from lamagent.gate.reshape import tool_properties
from lamagent.messages import MessageLike, ToolCall, to_messages

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = [
    "GENERIC_NAME_WORDS",
    "STOPWORDS",
    "GateSignals",
    "SaidWords",
    "WordRuns",
    "content_words",
    "holds_in_a_row",
    "leaf_values",
    "leaves",
    "measure",
    "meets",
    "named_at",
    "named_in",
    "normalise",
    "query_text",
    "singular",
    "stem",
    "text_of",
    "words",
]

_WORD = re.compile(r"[a-z]+|[0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
#: Words too common to say what a request is about.
_STOPWORD_TEXT = (
    "a an the of to in on at for from by with and or but is are was were be been being it "
    "its this that these those what which who whom whose how when where why can could would "
    "should will shall may might do does did done have has had i me my we our you your he "
    "she they them their his her there here as if then than so such not no yes please get "
    "give find tell show need want like some any all each every about into over under up "
    "down out also just only using use used given one two three me s t many much"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
#: The same words, for the modules that read a query's words alongside the signals.
STOPWORDS = _STOPWORDS
#: Values shorter than this (after normalisation) count only as whole words, never as a run.
_MIN_RUN = 3


def normalise(text: str) -> str:
    """Lower case, letters and digits only: the form in which values are compared."""
    return "".join(_WORD.findall(text.lower()))


def words(text: str) -> list[str]:
    """The lower-case words (runs of letters, runs of digits) of `text`, camelCase split."""
    return _WORD.findall(_CAMEL.sub(" ", text).lower())


def holds_in_a_row(said: Sequence[str], part: Sequence[str]) -> bool:
    """Whether the words `said` hold the words `part` in a row."""
    size = len(part)
    return any(list(said[i : i + size]) == list(part) for i in range(len(said) - size + 1))


def stem(word: str) -> str:
    """A crude stem, so "calculates", "calculated" and "calculation" meet at "calcul"."""
    if word.isdigit():
        return word
    for suffix in ("ations", "ation", "ings", "ing", "ies", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:6]


def singular(word: str) -> str:
    """`word` without a plural ending ("hearts" is "heart", "stories" "story"); a word of
    three letters or fewer, or ending in "ss", "us" or "is" ("gas", "glass", "status",
    "analysis"), as it is."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") else word


#: Words (stems) of a parameter's name that only say what kind of thing a value is ("type",
#: "name", "id"): the name's other words say which thing.
GENERIC_NAME_WORDS = frozenset(
    stem(w) for w in ("type", "name", "id", "value", "kind", "category", "string", "data")
)


def content_words(text: str) -> set[str]:
    """The stems of the words of `text` that say what it is about (no stop words); of a tool's
    name too, its parts split at dots, underscores, dashes and camelCase ("getTopGoalScorers")."""
    return {stem(w) for w in words(text) if w not in _STOPWORDS and len(w) > 1}


def meets(word: str, pool: set[str]) -> bool:
    """`word` is in `pool`, or one is a prefix of the other ("loc" meets "locati")."""
    if word in pool:
        return True
    if len(word) < _MIN_RUN or word.isdigit():
        return False
    return any(len(p) >= _MIN_RUN and (p.startswith(word) or word.startswith(p)) for p in pool)


#: The shortest start of a word that says it ("carb" of "carbohydrates").
_MIN_START = 4


def _says(said: str, word: str) -> bool:
    """Whether a word of the request (stemmed) says `word`: the same, or a start of it at
    least `_MIN_START` letters long."""
    return said == word or (len(said) >= _MIN_START and word.startswith(said))


class WordRuns:
    """A text's words (as given) in a row, by how many: where each run of words is written.
    Each run length is indexed once, when first asked for, so looking up many values in a
    long request stays linear in the request."""

    def __init__(self, said: Sequence[str]) -> None:
        self.said = list(said)
        self._by_size: dict[int, dict[tuple[str, ...], list[int]]] = {}

    def at(self, wanted: Sequence[str]) -> list[int]:
        """Where the words `wanted` are written in a row: each run's first index, in order."""
        size = len(wanted)
        if not size:
            return []
        if size not in self._by_size:
            runs: dict[tuple[str, ...], list[int]] = {}
            for i in range(len(self.said) - size + 1):
                runs.setdefault(tuple(self.said[i : i + size]), []).append(i)
            self._by_size[size] = runs
        return self._by_size[size].get(tuple(wanted), [])


class SaidWords:
    """A request's words (stemmed), indexed by word: where a run of words may begin is looked
    up, not searched for (a tool may list thousands of options, a request be long)."""

    def __init__(self, said: Sequence[str]) -> None:
        self.said = list(said)
        self.at: dict[str, list[int]] = {}
        for i, word in enumerate(self.said):
            self.at.setdefault(word, []).append(i)

    def starts(self, word: str) -> list[int]:
        """Where a word that says `word` is written: `word` itself, or a start of it at least
        `_MIN_START` letters long."""
        found = list(self.at.get(word, ()))
        for end in range(_MIN_START, len(word)):
            found += self.at.get(word[:end], ())
        return found


def named_in(wanted: Sequence[str], said: SaidWords) -> bool:
    """Whether the words `said` (stemmed) hold the words `wanted` (stemmed) in a row, each
    the same or a start of it `_MIN_START` letters long or more ("carbs" says "carbohydrates")."""
    return bool(named_at(wanted, said))


def named_at(wanted: Sequence[str], said: SaidWords) -> list[int]:
    """Where the words `said` hold the words `wanted` in a row (as `named_in` reads them):
    the index of each run's first word, in order."""
    if not wanted:
        return []
    words = said.said
    return sorted(
        at
        for at in set(said.starts(wanted[0]))
        if at + len(wanted) <= len(words)
        and all(_says(words[at + k], word) for k, word in enumerate(wanted))
    )


def _share(part: set[str], pool: set[str]) -> float | None:
    """The share of `part`'s words that meet a word of `pool` (None for no words)."""
    if not part:
        return None
    return sum(meets(w, pool) for w in part) / len(part)


@dataclass(frozen=True)
class GateSignals:
    """The evidence about one drafted call list (None: the signal has nothing to measure)."""

    grounding: float | None
    argument_names: float | None
    tool_match: float | None
    repeated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def query_text(messages: Sequence[MessageLike]) -> str:
    """The text of the last user message ("" when there is none): the request at hand."""
    users = [m for m in to_messages(messages) if m.role == "user"]
    return text_of(users[-1].content) if users else ""


def text_of(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return json.dumps(content, ensure_ascii=False, default=str)


def leaves(value: Any) -> Iterator[Any]:
    """The values inside an argument value that are no list or object, in order (booleans
    and null among them)."""
    if isinstance(value, Mapping):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from leaves(item)
    else:
        yield value


def leaf_values(value: Any) -> Iterator[str]:
    """Strings and numbers inside an argument value; booleans and null carry no evidence."""
    for leaf in leaves(value):
        if isinstance(leaf, bool) or leaf is None:
            continue
        if isinstance(leaf, float) and leaf.is_integer():
            yield str(int(leaf))
        elif isinstance(leaf, (int, float, str)):
            yield str(leaf)


def _value_grounding(value: str, context_words: set[str], context_run: str) -> float | None:
    """The share of the value's words the context holds, singular or plural ("hearts" of "a
    heart card"); 1 where its letters and digits are one run of the context's."""
    value_words = words(value)
    if not value_words:
        return None
    flat = "".join(value_words)
    if len(flat) >= _MIN_RUN and flat in context_run:
        return 1.0
    return sum(singular(w) in context_words for w in value_words) / len(value_words)


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def measure(
    calls: Sequence[ToolCall], messages: Sequence[MessageLike], tools: Sequence[Tool]
) -> GateSignals:
    """The signals of a drafted call list against the conversation it answers."""
    history = to_messages(messages)
    context = " ".join(text_of(m.content) for m in history if m.role in ("user", "tool"))
    users = [m for m in history if m.role == "user"]
    query = text_of(users[-1].content) if users else context
    context_words = {singular(w) for w in words(context)}
    context_run = normalise(context)
    query_content = content_words(query)
    by_name = {t.name: t for t in tools}

    values = [
        _value_grounding(v, context_words, context_run)
        for call in calls
        for v in leaf_values(call.arguments)
    ]
    names = [
        _share(content_words(name), query_content) for call in calls for name in call.arguments
    ]
    copied = content_words(" ".join(v for call in calls for v in leaf_values(call.arguments)))
    asked = {w for w in query_content if w not in copied}
    matches: list[float | None] = []
    for call in calls:
        tool = by_name.get(call.name)
        if tool is None or not asked:
            matches.append(None)
            continue
        spoken = content_words(" ".join([tool.name, tool.description, *_parameter_names(tool)]))
        matches.append(_share(asked, spoken))
    return GateSignals(
        grounding=_mean(values),
        argument_names=_mean(names),
        tool_match=_mean(matches),
        repeated=repeats(calls, history, tools),
    )


def _parameter_names(tool: Tool) -> list[str]:
    props = tool_properties(tool)
    return [str(name) for name in props] if isinstance(props, Mapping) else []
