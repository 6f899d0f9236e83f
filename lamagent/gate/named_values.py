"""A value the user wrote right after naming its parameter.

Users often say which argument a value is for: "The title should be 'Breakthrough in Artificial
Intelligence'", "add todo with content go to sleep at 9 pm", "run this command: grep -rn 'TODO'
src". A small model under a call grammar still writes its own title, or copies part of the value
("sleep at 9 pm").

`named_values(calls, tools, query)`: a string argument whose parameter the user named (its name's
words in a row, each word as written or inflected: "titled" names `title`), followed by a linking
word or none ("is", "should be", "to", "called", ":", "=", "-") and then

- a quoted span ('...', "...", `...`): takes that span, whatever the model wrote;
- else the rest of the sentence, at most `MAX_WORDS` words, no list ("copper and aluminum") and no
  verb first ("the content must cover ..."): takes it when the model wrote its end but left off its
  first words (at most `MAX_DROPPED`, not only function words, none a word of the parameter's name
  or description: "decay factor of 0.5" for "The decay factor" leaves 0.5), so "sleep at 9 pm"
  becomes "go to sleep at 9 pm". A value the model wrote whole and then the sentence goes on
  ("Marble" of "material Marble in Rome") is left: where an unquoted value ends is the model's
  call.

`invented_values(calls, tools, query)`: a value that holds none of the user's words (empty,
"dontcare" for "directed by Gene Stupnitsky", "1.0.0.0" for "version 2.1.3") where the user
named its parameter and wrote no quotes after it takes the first words written after the name,
at most `MAX_HEAD`, up to a function word, a verb or a comma ("XYZ123" of "case number XYZ123",
"Herbert Ross" of "directed by Herbert Ross and featuring ..."); not when they start with such a
word or the parameter's own ("decay factor of 0.5"), stop inside brackets, follow a bare "to"
or "as" ("the best month to visit Hawaii"), or the name is only a prefix of the words written
("Data" names `database` for `named_values`, not here). It weighs against a call that does
not fit, so the call gate applies it once it has decided (`lamagent.turns.with_invented_values`).

Left alone: a value that is a span the user quoted (the model copied a whole value: "a target
variable 'Purchase_Amount'" gives no "variable 'Purchase_Amount'"; not when the user quoted it
once, right after naming another parameter: "host 'db.example.com', ... a password '1234'"
drafted with "1234" as the host), a name after a word that names
another parameter ("the restaurant named 'Nobu'" is no `name`), a parameter with an enum, a const
or a pattern (the grammar keeps those), a name the user wrote before two such values (which one is
meant?), a parameter the turn's calls give different values (the user asked for several and named
one: "the artwork named 'Starry Night' ... another artwork called 'The Scream'"), a name of fewer
than three letters, and a parameter whose name the user wrote after the value ("'X' as content").
Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.given_ids import ID_WORDS
from lamagent.gate.reshape import open_string, reshaped_calls, tool_schemas
from lamagent.gate.signals import STOPWORDS, meets, normalise, stem, words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["MAX_HEAD", "MAX_WORDS", "invented_values", "named_values"]

#: Most words of an unquoted value (a sentence's rest beyond that is more than one value).
MAX_WORDS = 10
#: Most words the model may have left off an unquoted value's start.
MAX_DROPPED = 2
#: Most words of a named value that replaces one the model invented.
MAX_HEAD = 3
#: Words that say something of the parameter rather than start its value ("the content
#: must cover the recent advancements").
_VERBS = frozenset(
    (
        *("must", "should", "will", "would", "shall", "can", "could", "may", "might"),
        *("is", "are", "was", "were", "be", "has", "have", "had", "does", "do", "did"),
        *("needs", "need"),
    )
)
#: Words and marks that join items of a list.
_LIST = re.compile(r",|\b(?:and|or)\b", re.IGNORECASE)
#: Fewest letters of a parameter's name ("id", "to" are words of too many sentences).
MIN_NAME_LETTERS = 3
_TOKEN = re.compile(r"[^\W_]+")
#: What may stand between a parameter's name and its value.
_LINK = re.compile(
    r"\s*(?:(?:(?:should|must|will|would|shall|can|could)\s+be|is|are|be|to|as|called|named|"
    r"set\s+to|equal\s+to)\b)?\s*[:=-]?\s*",
    re.IGNORECASE,
)
#: The same, but for a bare "to" or "as", which also start an infinitive or a clause ("the
#: best month to visit Hawaii").
_STRICT_LINK = re.compile(
    r"\s*(?:(?:(?:should|must|will|would|shall|can|could)\s+be|is|are|be|called|named|"
    r"set\s+to|equal\s+to)\b)?\s*[:=-]?\s*",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"""'([^'\n]+)'(?![\w])|"([^"\n]+)"|`([^`\n]+)`|“([^”\n]+)”|‘([^’\n]+)’""")
#: Where an unquoted value ends: a sentence's end, a line break, or the end of the text.
_UNQUOTED = re.compile(r"([^\n]+?)(?=[.?!;](?:\s|$)|\n|$)")


def _name_ends(
    query: str, parameter: str, others: Sequence[str], *, whole: bool = False
) -> list[int]:
    """Where, in `query`, each place that writes the parameter's name ends; not where the
    word before it names another parameter (`others`): "the restaurant named 'Nobu'" names
    the restaurant, not a `name`. With `whole`, each word as the name writes it (up to
    inflection): "Data" then names no `database`."""
    name = [stem(w) for w in words(parameter)]
    if not name or sum(len(w) for w in name) < MIN_NAME_LETTERS:
        return []
    other_words = {stem(w) for other in others for w in words(other)}
    tokens = list(_TOKEN.finditer(query))
    ends: list[int] = []
    for i in range(len(tokens) - len(name) + 1):
        run = tokens[i : i + len(name)]
        said = [stem(t.group().lower()) for t in run]
        if not all((w == n) if whole else meets(w, {n}) for w, n in zip(said, name, strict=True)):
            continue
        if i > 0 and meets(stem(tokens[i - 1].group().lower()), other_words - set(name)):
            continue
        ends.append(run[-1].end())
    return ends


def _value_after(query: str, end: int, *, strict: bool = False) -> tuple[str, bool] | None:
    """The value written after a parameter's name that ends at `end`, and whether the user
    quoted it; None when none is."""
    start = (_STRICT_LINK if strict else _LINK).match(query, end)
    at = start.end() if start else end
    quoted = _QUOTED.match(query, at)
    if quoted:
        return next(g for g in quoted.groups() if g is not None), True
    rest = _UNQUOTED.match(query, at)
    if rest is None:
        return None
    text = rest.group(1).strip()
    if not text or len(text.split()) > MAX_WORDS or text.split()[0].lower() in _VERBS:
        return None
    return text, False


def _words_of(name: str, spec: Any) -> set[str]:
    """The stems of a parameter's name and description."""
    return {stem(w) for w in words(f"{name} {spec.get('description') or ''}")}


def _began_at_its_end(named: str, value: str, parameter: set[str]) -> bool:
    """Whether `value` is the end of the unquoted `named` without its first words, at most
    `MAX_DROPPED` of them: the model copied the value but not its start ("sleep at 9 pm" of
    "go to sleep at 9 pm"; "rn 'TODO' src" of "grep -rn 'TODO' src"), not only function
    words ("the neutron") and none of the parameter's own words (`parameter`: the stems of
    its name and description). A value that holds a list ("copper and aluminum") is no one
    value."""
    if _LIST.search(named):
        return False
    whole = named.rstrip("'\"`")
    if not value.strip() or not whole.endswith(value) or whole == value:
        return False
    dropped = whole[: len(whole) - len(value)]
    if dropped[-1:].isalnum() or not 0 < len(dropped.split()) <= MAX_DROPPED:
        return False
    left_off = [w for w in words(dropped) if w not in STOPWORDS]
    # "the neutron" for "neutron": an article is no part of the value; "decay factor of
    # 0.5" for `decay` ("The decay factor"): the words left off are the parameter's; "ID
    # ef903ac-893-f00" for "the vulnerability ID ef903ac-893-f00": an identifier's word
    # labels the value
    return (
        bool(left_off)
        and not any(meets(stem(w), parameter) for w in left_off)
        and not all(w in ID_WORDS for w in left_off)
    )


def _found(
    query: str, name: str, others: Sequence[str], *, whole: bool = False, strict: bool = False
) -> set[tuple[str, bool]]:
    """The values written after the parameter's name, and whether each was quoted (`whole`:
    see `_name_ends`; `strict`: no bare "to" or "as" between)."""
    return {
        after
        for end in _name_ends(query, name, others, whole=whole)
        if (after := _value_after(query, end, strict=strict)) is not None
    }


def _invented(value: str, query: str) -> bool:
    """Whether `value` holds none of the user's words (of two characters at least; a value
    without such words as a whole): empty, or the model's own ("1.0.0.0" for "version
    2.1.3", "dontcare" for "directed by david leitch"); one the user wrote as it is ("x^3" of
    "the function y = x^3"), or of no word of two characters whose letters and digits the
    user wrote in a row ("x**3" of "y = x^3"), is the user's."""
    written = value.strip()
    if len(written) >= 2 and re.search(rf"(?<!\w){re.escape(written)}(?!\w)", query):
        return False
    said = set(words(query))
    own = [w for w in words(value) if len(w) >= 2]
    if not own:  # no word of two characters: the value's letters and digits as a whole,
        # as the user wrote them in any notation ("x**3" of "y = x^3")
        whole = normalise(value)
        return whole not in said and (len(whole) < 2 or whole not in normalise(query))
    return not any(w in said for w in own)


def _head(named: str, parameter: set[str]) -> str | None:
    """The first words of an unquoted named value, up to `MAX_HEAD` of them: to the first
    function word, verb or comma ("Herbert Ross" of "Herbert Ross and featuring ...",
    "123456" of "123456 in Texas"); None when it starts with such a word or one of the
    parameter's own words ("factor" of "The decay factor of 0.5"), or is cut inside
    brackets."""
    head: list[str] = []
    for part in named.split():
        bare = part.strip(",;:'\"()").casefold()
        if bare in STOPWORDS or bare in _VERBS:
            break
        if not head and (not _TOKEN.search(bare) or _describes(bare, parameter)):
            return None
        head.append(part)
        if part.endswith((",", ";")):
            break
    text = " ".join(head).rstrip(",;")
    if text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1]  # "(id Adriel)": the user's bracket, not the value's
    if not 0 < len(head) <= MAX_HEAD or len(text) < 2:
        return None
    if any(text.count(opens) != text.count(closes) for opens, closes in ("()", "[]", "{}")):
        return None  # cut inside brackets: "['Sam'" of "order: ['Sam', 'Alice']"
    return text


def _named_for(value: str, others: Sequence[str], query: str) -> bool:
    """Whether the user quoted `value` right after naming one of the `others` (the tool's
    other parameters), and nowhere else."""
    return (
        any(
            _found(query, other, [o for o in others if o != other]) == {(value, True)}
            for other in others
        )
        and sum(1 for m in _QUOTED.finditer(query) if value in m.groups()) == 1
    )


def _describes(word: str, parameter: set[str]) -> bool:
    """Whether `word` is one of the parameter's own words (its numbers are examples)."""
    return any(meets(stem(w), parameter) for w in words(word) if not w.isdigit())


Named = Callable[[str, Any, Any, tuple[str, bool], Sequence[str]], str | None]


def _reshaped_as_named(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str, take: Named
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each free string value whose parameter the user named once reshaped by
    `take` (the parameter's name, its schema, the value, what the user wrote after the name
    and whether quoted, the other parameters' names: the new value or None)."""
    schemas = tool_schemas(tools)
    spans = {next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(query)}
    # a parameter the calls give different values: the user asked for several, and named
    # one of them ("the artwork named 'Starry Night' ... another artwork called ...")
    drafted: dict[tuple[str, str], set[str]] = {}
    for call in calls:
        for name, value in call.arguments.items():
            drafted.setdefault((call.name, str(name)), set()).add(repr(value))

    def as_named(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        spec = schemas.get(call.name, {}).get(name)
        if not isinstance(value, str) or not open_string(spec):
            return None
        if len(drafted[(call.name, name)]) > 1:
            return None
        others = [str(o) for o in schemas.get(call.name, {}) if o != name]
        found = _found(query, name, others)
        if len(found) != 1:
            return None
        [written] = found
        # a span the user quoted is a value whole, unless the user named another parameter
        # for it ("host 'db.example.com', ..., a password '1234567890'" drafted with the
        # password as the host)
        if written[0] == value or (value in spans and not _named_for(value, others, query)):
            return None
        named = take(name, spec, value, written, others)
        return None if named is None else (named, f"{value!r} as {named!r}, named")

    return reshaped_calls(calls, as_named)


def named_values(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each value the user wrote after naming its parameter, quoted or the
    value's end (see the module's docstring), and a note per value changed ("todo.content:
    'sleep at 9 pm' as 'go to sleep at 9 pm', named")."""

    def take(name: str, spec: Any, value: Any, written: tuple[str, bool], _: Any) -> str | None:
        named, quoted = written
        if quoted or _began_at_its_end(named, value, _words_of(name, spec)):
            return named
        return None

    return _reshaped_as_named(calls, tools, query, take)


def invented_values(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each value that holds none of the user's words as the first words the
    user wrote after naming its parameter (see the module's docstring), and a note per value
    changed ("lawsuit_info.case_number: '' as 'XYZ123', named")."""

    def take(
        name: str, spec: Any, value: Any, written: tuple[str, bool], others: Sequence[str]
    ) -> str | None:
        named, quoted = written
        if quoted or not _invented(value, query):
            return None
        head = _head(named, _words_of(name, spec))
        # the name as written, then a link that is no infinitive's "to" ("the best month
        # to visit Hawaii")
        if head is None or _found(query, name, others, whole=True, strict=True) != {written}:
            return None
        return head

    return _reshaped_as_named(calls, tools, query, take)
