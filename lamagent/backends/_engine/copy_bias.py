"""Copy-aware decoding: favour tokens that copy the user's words into a call's string values.

A small model under a call grammar knows which argument to fill but often re-invents the
entity ("Tel Aviv" becomes "Taliban"). While it writes a JSON string value, the tokens that
continue a span of the source texts (the user's messages, earlier tool results) get
`GenerationParams.copy_bias` added to their logits before the grammar-aware pick; the grammar
still decides what is allowed, and the model can still stop copying (the bias is finite).

- `CopySources`: the source texts, JSON-escaped (the form they take inside a string value),
  with the start of every word; `continuations(value)` says how the value so far continues
  them: after the whole value where it occurs, else after its longest ending that starts a
  word (the model may add words of its own), never to repeat a span it already copied.
- Inside a word the sources spell (three letters or more of it written, and every place
  copied goes on with letters), the bias is `MID_WORD_FACTOR` times stronger: a word left
  half copied is an invented one ("Liverly" for "Liverpool"); at a word's end the model may
  rightly stop or go on ("gas" of "gas-powered"). Engines read `CopyBias.strength`.
- Spans the user quoted ('go to Goa', "The Lord of the Rings", `DNA123`) are values whole:
  inside one, function words do not end the copy (a copy still starts at the quote or at a
  word that is no function word), its closing quote mark is never favoured
  (nor an opening one from outside it), and a value that ends in one whole is steered to
  close (the string's closing quote is favoured): the user said where it ends ("ABC Ltd."
  not "ABC Ltd. 345").
- `TokenTexts`: the text of every token of a vocabulary, indexed by text (built once a model).
- `CopyBias`: one generation's state: it follows the output, and before each token says which
  token ids continue a span of the sources.
- Text answers (`GenerationParams.copy_answers`, under a text-only grammar such as the call
  gate's answer; the sources are the tools' results only): the answer so far is the value,
  but a copy is favoured only once the answer began one (within its last `ANSWER_WINDOW`
  characters): "The population of Canada is 4" goes on to "40097761" of the tool's result,
  not "400,977,610". Nothing is favoured at the answer's start or between copies: a small
  model made to open with a copy writes "AUD AUD AUD" for "What's the capital of
  Australia?".
- A string value does not open with a closing bracket (`shunned`, lowered by `SHUN_BIAS`): a
  small model that wants the call to end writes "}}]  # 12445 is ..." or ");{" into the value
  the grammar holds open; a bracket the sources quote as a value's start (')') stays.
- Numbers the user spelled apart from JSON ("$400,000", "50 million"): a number value that
  holds the digits written before the separator or word goes on to the whole number, and
  its end is favoured once whole (`spelled_numbers`, `CopySources.number_continuations`).

Engines share this module: llama.cpp adds the bias to the context's logits, transformers to the
row of logits, in both cases before the grammar is consulted.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from lamagent.backends._engine.json_scan import JsonScanner
from lamagent.generation import CopyBiasRecord, GenerationParams
from lamagent.numerals import MAGNITUDE, MAGNITUDES

#: Separates source texts; JSON-escaped text never holds it raw.
_SEPARATOR = "\x00"
#: The mark that ends a sentence: "!" or "?", or a full stop after a word of four letters or
#: more (not "St." or "Inc."); then the end of the text, a line break (as written, or escaped
#: as in a value's sources), or a space and a capital or a quote.
_SENTENCE_END = re.compile(r"(?:[!?]|(?<=[^\W\d_]{4})\.)(?=\s*(?:$|\x00)|\n|\\n|\s+[A-Z\"'])")
#: Longest token text considered (longer tokens are rare and never needed to copy).
MAX_TOKEN_CHARS = 32
#: How much stronger the bias is inside a word the sources spell: leaving a word half copied
#: invents one ("Liverly" for "Liverpool", "Quee" for "Queen", "tomato" for "tomatoes"), where
#: leaving at a word's end may be right ("gas" of "gas-powered").
MID_WORD_FACTOR = 3.0
#: Letters of a word written before the stronger bias holds: one or two letters may start
#: another word ("T" of "Tel Aviv" or of "TLV").
MID_WORD_LETTERS = 3
#: The word a value ends in: letters after a character that is no letter or digit.
_TRAILING_WORD = re.compile(r"(?<![^\W_])[^\W\d_]+$")
#: How far back a text answer's copy may begin: the endings looked up in the sources start in
#: its last characters (an answer is long; a value is short and looked up whole).
ANSWER_WINDOW = 2 * MAX_TOKEN_CHARS
#: Most anchors followed at once (a value's start can match every word of a long observation).
MAX_ANCHORS = 512


_FUNCTION_WORD_TEXT = (
    "a an the and or but nor of to in on at for from by with as is are was were be been if "
    "then than so that this these those which who whom what when where why how please can "
    "could would should will shall may might must do does did i me my you your we our us it "
    "its he she they them their his her there here also"
)
#: Function words: a copied span neither starts nor goes on with one ("Seattle and Los
#: Angeles" holds two values, "Hyderabad in Fahrenheit" a value and a unit), unless the user
#: quoted it whole ('go to Goa', "The Lord of the Rings").
FUNCTION_WORDS = frozenset(_FUNCTION_WORD_TEXT.split(" "))


def _quoted(double: str) -> re.Pattern[str]:
    """Spans the user quoted ('go to Goa', "Inception", `DNA123`), with `double` the pattern
    of a span between double quote marks. A quote mark opens where no letter or digit
    precedes it and closes where none follows ("I'm", "Bob's" and "players' scores" quote
    nothing); a span stays within one source text."""
    return re.compile(rf"(?<![^\W_])(?:'([^'\x00]+?)'|{double}|`([^`\x00]+?)`)(?![^\W_])")


#: Quoted spans as JSON escapes them (\"Inception\").
_QUOTED = _quoted(r'\\"((?:[^"\\\x00]|\\[^"])+?)\\"')
#: The same, in text as written (a text answer's sources): "Inception" between plain quotes.
_QUOTED_RAW = _quoted(r'"([^"\x00]+?)"')


def escape(text: str) -> str:
    """`text` as it is written inside a JSON string (what the model's tokens spell)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _is_word_char(ch: str) -> bool:
    return ch.isalnum()


#: A number written with thousands separators ("400,000", "$2,000,000.50", "-50,000").
_GROUPED = re.compile(r"(?<![\d.,])(-?\d{1,3}(?:,\d{3})+)(\.\d+)?(?![\d,]*\d)")
#: What a string value does not start with: a closing bracket. A small model that wants the
#: call to end writes them into the value the grammar holds open ("}}]  # 12445 is ...",
#: ");{"). Separators may start one (a `delimiter` of ";" or ", ").
_NO_VALUE_START = frozenset("}])")
#: How much lower a token that would open a value with one of them is made (finite: if the
#: grammar allowed nothing else, the pick still happens).
SHUN_BIAS = 30.0
#: What may follow a number value in JSON, up to the next key's quote.
_AFTER_NUMBER = frozenset(',}] \n\t"')
#: A number written as JSON writes it ("10 years"), not the head of one spelled apart.
_PLAIN = re.compile(
    r"(?<![\d.,])\d+(?:\.\d+)?(?![\d.,]*\d)(?!\s*(?:thousand|million|billion|trillion)\b)",
    re.IGNORECASE,
)


def plain_numbers(texts: Iterable[str]) -> frozenset[str]:
    """The numbers of `texts` written as JSON writes them ("10" of "for 10 years")."""
    return frozenset(m.group() for text in texts for m in _PLAIN.finditer(text))


def spelled_numbers(texts: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """The numbers of `texts` whose JSON spelling differs from how they are written, each as
    (the digits written before the separator or word, the number as JSON writes it): with
    thousands separators ("400,000": ("400", "400000")) or a magnitude word ("50 million":
    ("50", "50000000"))."""
    found: list[tuple[str, str]] = []
    for text in texts:
        for match in _GROUPED.finditer(text):
            head = match.group(1).split(",")[0]
            found.append((head, match.group(1).replace(",", "") + (match.group(2) or "")))
        for match in MAGNITUDE.finditer(text):
            value = Decimal(match.group(1)) * MAGNITUDES[match.group(2).lower()]
            full = str(value.quantize(Decimal(1)) if value == value.to_integral() else value)
            found.append((match.group(1), full))
    return tuple(dict.fromkeys(found))


class CopySources:
    """The texts a string value may copy from, JSON-escaped and joined; for a text answer
    (`answer`), as written, and a copy only goes on (`anchors`)."""

    def __init__(self, texts: Iterable[str], *, answer: bool = False) -> None:
        texts = [t for t in texts if t]
        self.answer = answer
        #: Numbers a number value may go on to (see `spelled_numbers`), unless what it wrote
        #: is a number the sources hold as written ("10" for "10 years" beside "$10,000").
        self.numbers = spelled_numbers(texts)
        self.plain = plain_numbers(texts)
        parts = [t.replace(_SEPARATOR, " ") if answer else escape(t) for t in texts]
        self.text = _SEPARATOR.join(parts)
        text = self.text
        self.word_starts: list[int] = [
            i
            for i, ch in enumerate(text)
            if _is_word_char(ch) and (i == 0 or not _is_word_char(text[i - 1]))
        ]
        self._word_start_set = frozenset(self.word_starts)
        #: The quoted spans' contents, as (start, end) in `text`, in order.
        self.quoted: list[tuple[int, int]] = []
        #: Where each quoted span's opening quote mark starts, in order.
        self._opening: list[int] = []
        for match in (_QUOTED_RAW if answer else _QUOTED).finditer(text):
            group = next(g for g in (1, 2, 3) if match.group(g) is not None)
            self.quoted.append((match.start(group), match.end(group)))
            self._opening.append(match.start())
        self._quoted_starts = [start for start, _ in self.quoted]
        #: The first characters of the quoted spans ("')'" quotes a value that starts so).
        self.quoted_openings = frozenset(text[a] for a, b in self.quoted if b > a)
        #: The quoted spans' contents by their last character: a value that ends in one of
        #: them whole has ended where the user's quote ends.
        self._quoted_by_end: dict[str, set[str]] = {}
        for a, b in self.quoted:
            self._quoted_by_end.setdefault(text[b - 1], set()).add(text[a:b])
        #: Where a sentence ends (its final mark), in order: no copy goes on past one.
        self._sentence_ends = [m.start() for m in _SENTENCE_END.finditer(text)]

    def __bool__(self) -> bool:
        return bool(self.text)

    def number_continuations(self, number: str) -> tuple[set[str], bool]:
        """How the number value written so far goes on to a number of `numbers`, once it has
        written at least the digits the user wrote before the separator or word ("400" of
        "400,000"); and whether it has written one whole and may not go on to another (then
        its end is favoured: a small model that wrote zeros goes on writing zeros)."""
        if number in self.plain:
            return set(), False
        rests = {
            full[len(number) :]
            for head, full in self.numbers
            if len(number) >= len(head) and full.startswith(number) and full != number
        }
        whole = any(full == number for _, full in self.numbers)
        if whole and rests:  # "200" of "200,000" and of "2,000,000": the model decides
            return set(), False
        return rests, whole

    def _occurrences(self, part: str, word_start: bool) -> list[int]:
        """Where `part` ends in the sources (at a word start, when `word_start`)."""
        ends: list[int] = []
        start = self.text.find(part)
        while start >= 0 and len(ends) < MAX_ANCHORS:
            if not word_start or start in self._word_start_set:
                ends.append(start + len(part))
            start = self.text.find(part, start + 1)
        return ends

    def anchors(self, value: str) -> list[int]:
        """Positions in the sources where `value` (the string value so far) continues.

        An empty value may start any word. Otherwise the whole value, or failing that its
        longest ending that starts a word of it (the value may have added words of its own),
        is looked up; an ending that starts a word must start a word of the sources too.
        A text answer's sources (`answer`) start no copy, and its endings start in its last
        `ANSWER_WINDOW` characters.
        """
        answer = self.answer
        if not value:
            return [] if answer else self.word_starts[:MAX_ANCHORS]
        ends = self._occurrences(value, word_start=False)
        if ends:
            return ends
        for i in range(max(1, len(value) - ANSWER_WINDOW) if answer else 1, len(value)):
            if _is_word_char(value[i]) and not _is_word_char(value[i - 1]):
                ending = value[i:]
                if ending in value[:i]:
                    # copied once already: going on would repeat the span, up to the token limit
                    return []
                ends = self._occurrences(ending, word_start=True)
                if ends:
                    return ends
        return []

    def continuations(self, value: str, horizon: int = MAX_TOKEN_CHARS) -> set[str]:
        """The next characters of the sources (up to `horizon`) after each anchor of `value`.

        The end of the string is never favoured: the model decides where a copied span ends
        (favouring the closing quote at word ends was tried and cut spans short: "Bangkok"
        for "Bangkok, Thailand").
        """
        found: set[str] = set()
        for end in self.anchors(value):
            piece = self.text[end : end + horizon]
            cut = piece.find(_SEPARATOR)
            piece = piece if cut < 0 else piece[:cut]
            piece = self._before_function_word(end, piece)
            if self._quote_at(end) is None:
                piece = self._before_sentence_end(end, piece)
            if piece:
                found.add(piece)
        return found

    def _before_sentence_end(self, start: int, piece: str) -> str:
        """`piece` (the sources from `start` on) up to the mark that ends a sentence in it:
        "in Chicago." names "Chicago"; its full stop is the sentence's, not the value's."""
        i = bisect.bisect_left(self._sentence_ends, start)
        if i < len(self._sentence_ends) and self._sentence_ends[i] < start + len(piece):
            return piece[: self._sentence_ends[i] - start]
        return piece

    def ends_quote(self, value: str) -> bool:
        """Whether `value` ends in a span the user quoted, whole: the span is all of it, or
        follows a character that is no letter or digit ("Weapon Guardian Sword+"); a span of
        one character ends only a value that is that character (a tool result's `"x"` key
        says nothing of where "find x" ends)."""
        for quoted in self._quoted_by_end.get(value[-1:], ()):
            if value == quoted:
                return True
            if len(quoted) > 1 and value.endswith(quoted):
                before = value[: len(value) - len(quoted)]
                if not _is_word_char(before[-1]):
                    return True
        return False

    def _word_at(self, start: int) -> str:
        """The word of the sources that starts at `start` ("" where none does)."""
        if start not in self._word_start_set:
            return ""
        end = start
        while end < len(self.text) and _is_word_char(self.text[end]):
            end += 1
        return self.text[start:end]

    def _function_word_at(self, start: int) -> bool:
        """Whether a function word starts at `start`."""
        return self._word_at(start).lower() in FUNCTION_WORDS

    def _quote_at(self, position: int) -> tuple[int, int] | None:
        """The quoted span whose content holds `position` or ends there, if any."""
        i = bisect.bisect_right(self._quoted_starts, position) - 1
        if i >= 0 and self.quoted[i][0] <= position <= self.quoted[i][1]:
            return self.quoted[i]
        return None

    def _before_function_word(self, start: int, piece: str) -> str:
        """`piece` (the sources from `start` on) up to the first function word that starts in
        it, and the spaces before that word; inside a span the user quoted, up to its closing
        quote mark, function words and all (the quote mark itself is never favoured)."""
        quoted = self._quote_at(start)
        if quoted is not None:
            if start != quoted[0] and self._function_word_at(start):
                return ""  # a value starts at the quote or at a word that is no function word
            return piece[: quoted[1] - start]
        # outside the quotes, a piece ends where a quoted span opens ("company 'ABC Ltd.'")
        opening = bisect.bisect_left(self._opening, start)
        if opening < len(self._opening) and self._opening[opening] < start + len(piece):
            piece = piece[: self._opening[opening] - start].rstrip()
        i = 0
        while i <= len(piece):  # the word just past the piece counts too: its spaces go
            word = self._word_at(start + i)
            if not word:
                i += 1
            elif word.lower() in FUNCTION_WORDS:
                return piece[:i].rstrip()
            else:
                i += len(word)
        return piece


class TokenTexts:
    """Every token's text, indexed by text: which tokens spell a given string exactly."""

    def __init__(self, texts: Sequence[str | None]) -> None:
        by_text: dict[str, list[int]] = {}
        longest = 0
        for token, text in enumerate(texts):
            if not text or len(text) > MAX_TOKEN_CHARS or _SEPARATOR in text:
                continue
            by_text.setdefault(text, []).append(token)
            longest = max(longest, len(text))
        self._by_text = by_text
        self.longest = longest
        #: Tokens that end a number value: only what may follow one in JSON (",", "}",
        #: "}]", ', "', ...), not every token that starts with a space or a comma.
        self.enders: tuple[int, ...] = tuple(
            token for text, ids in by_text.items() if set(text) <= _AFTER_NUMBER for token in ids
        )
        #: Tokens that open with a closing bracket (`}}]`, `);`, `]`), by that bracket: no
        #: value starts with one (see `CopyBias.shunned`).
        self.closing_starts: dict[str, tuple[int, ...]] = {
            mark: tuple(t for text, ids in by_text.items() if text[:1] == mark for t in ids)
            for mark in sorted(_NO_VALUE_START)
        }
        #: Tokens that open a string and its value with a closing bracket in one (`"}}`,
        #: ` "]`), by that bracket: outside a string they can do nothing else.
        self.opening_closing_starts: dict[str, tuple[int, ...]] = {
            mark: tuple(
                t for text, ids in by_text.items() if text.lstrip()[:2] == f'"{mark}' for t in ids
            )
            for mark in sorted(_NO_VALUE_START)
        }
        #: Tokens that close a string value: its quote, then only what may follow it
        #: (`"`, `",`, `"}`, `"}]`, ...).
        self.string_closers: tuple[int, ...] = tuple(
            token
            for text, ids in by_text.items()
            if text[:1] == '"' and set(text[1:]) <= _AFTER_NUMBER - {'"'}
            for token in ids
        )

    def prefixes_of(self, text: str) -> Iterable[int]:
        """Ids of the tokens whose text is a non-empty prefix of `text`."""
        for k in range(1, min(len(text), self.longest) + 1):
            yield from self._by_text.get(text[:k], ())


@dataclass
class CopyCounts:
    """What the bias did in one generation."""

    #: Decoding steps inside a value (a string, or a number the user spelled apart) where
    #: some tokens continued the sources.
    steps: int = 0
    #: Of those, the steps whose chosen token was one of them.
    tokens: int = 0
    #: Of the steps, those inside a word the sources spell (the bias times `MID_WORD_FACTOR`).
    inside_words: int = 0


class _ValueScanner:
    """Follows JSON text: whether it is inside a string value (not a key), and its text so far.

    Strings and escapes are the shared `JsonScanner`'s; this adds which strings are keys.
    Text before the first bracket (a format's preamble) is not JSON and is skipped.
    """

    def __init__(self) -> None:
        self.started = False
        self._json = JsonScanner()
        self._stack: list[str] = []
        self._expect_key = False
        self._in_key = False
        self.value = ""
        #: The string values written so far, in order.
        self.finished: list[str] = []
        #: The number value being written (outside strings; "" when none).
        self.number = ""
        self._last = ""  # the last character outside strings that is not a space

    @property
    def in_value(self) -> bool:
        return self._json.in_string and not self._in_key

    @property
    def value_next(self) -> bool:
        """Whether a value may open next: outside strings, after a ":", a "[" or an array's
        ","."""
        return (
            self.started
            and not self._json.in_string
            and not self._expect_key
            and self._last in (":", "[", ",")
        )

    def feed(self, text: str) -> None:
        for ch in text:
            if not self.started:
                if ch not in "[{":
                    continue
                self.started = True
            was_in_string = self._json.in_string
            self._json.step(ch)
            if not was_in_string and not self._json.in_string:
                if ch in "-.0123456789" and (self.number or self._last in (":", "[", ",")):
                    self.number += ch
                else:
                    self.number = ""
                if not ch.isspace():
                    self._last = ch
            else:
                self.number = ""
            if was_in_string:
                if self._json.in_string:
                    if not self._in_key:
                        self.value += ch
                    continue
                if not self._in_key and self.value:  # a value's closing quote
                    self.finished.append(self.value)
                self._last = '"'
                self._in_key = False
                self.value = ""
            elif self._json.in_string:  # an opening quote
                self._in_key = self._expect_key and bool(self._stack) and self._stack[-1] == "{"
                self.value = ""
            elif ch in "[{":
                self._stack.append(ch)
                self._expect_key = ch == "{"
            elif ch in "]}":
                if self._stack:
                    self._stack.pop()
                self._expect_key = False
            elif ch == ",":
                self._expect_key = bool(self._stack) and self._stack[-1] == "{"
            elif ch == ":":
                self._expect_key = False


class CopyBias:
    """One generation's copy bias: feed it each piece of output, ask it which tokens to favour."""

    def __init__(self, sources: CopySources, tokens: TokenTexts, bias: float) -> None:
        self.sources = sources
        #: The output is a text answer, all of it the value (`copy_answers`), not a call list.
        self.answer = sources.answer
        self._answer_text = ""
        self.tokens = tokens
        self.bias = bias
        self.counts = CopyCounts()
        self._scan = _ValueScanner()
        self._favoured: frozenset[int] = frozenset()
        self._cache: dict[tuple[str, int], tuple[list[int], bool]] = {}
        #: The bias of the next pick: `bias`, or `bias * MID_WORD_FACTOR` inside a word the
        #: sources spell.
        self.strength = bias
        # what `shunned` lowers, once a generation: the brackets the sources quote no value
        # starting with
        quoted = sources.quoted_openings
        self._shun_in_value = [
            t for mark, ids in tokens.closing_starts.items() if mark not in quoted for t in ids
        ]
        self._shun_opening = [
            t
            for mark, ids in tokens.opening_closing_starts.items()
            if mark not in quoted
            for t in ids
        ]

    def feed(self, text: str, chosen: int | None = None) -> None:
        """Follow the output by `text`, the piece of the token `chosen` (if any) just picked."""
        if chosen is not None and self._favoured:
            self.counts.tokens += chosen in self._favoured
        self._favoured = frozenset()
        if self.answer:
            self._answer_text += text
        else:
            self._scan.feed(text)

    def _repeats(self, copy: str) -> bool:
        """Whether `copy` would write an earlier value of this output again (a list of the
        same string, over and over, until the token limit)."""
        return any(done.startswith(copy) or copy.startswith(done) for done in self._scan.finished)

    def _number_ids(self, number: str) -> list[int]:
        """The tokens that take the number value written so far on to a number the user
        spelled apart, or end it once it is whole."""
        rests, whole = self.sources.number_continuations(number)
        ids = set(self.tokens.enders) if whole else set()
        for rest in rests:
            ids.update(self.tokens.prefixes_of(rest))
        return sorted(ids)

    def _count(self, ids: list[int]) -> list[int]:
        self._favoured = frozenset(ids)
        if ids:
            self.counts.steps += 1
        return ids

    def favoured(self) -> list[int]:
        """Ids of the tokens to favour before the next pick (none outside a string value,
        but in a number value that starts a number the user spelled with separators or a
        magnitude word: "400" goes on to 400000 for "$400,000")."""
        self.strength = self.bias
        if self.answer:
            return self._answer_favoured()
        if self._scan.number and self.sources.numbers:
            return self._count(self._number_ids(self._scan.number))
        if not self._scan.in_value or not self.sources:
            self._favoured = frozenset()
            return []
        value = self._scan.value
        key = (value, len(self._scan.finished))
        cached = self._cache.get(key)
        if cached is None:
            found: set[int] = set()
            pieces = [
                piece
                for piece in self.sources.continuations(value, self.tokens.longest)
                if not self._repeats(value + piece)
            ]
            for piece in pieces:
                found.update(self.tokens.prefixes_of(piece))
            if self.sources.ends_quote(value):
                found.update(self.tokens.string_closers)  # the user's quote ends here
            cached = (sorted(found), bool(pieces) and _inside_word(value, pieces))
            if len(self._cache) < 4096:
                self._cache[key] = cached
        return self._favour(*cached)

    def shunned(self) -> list[int]:
        """Ids of the tokens to lower by `SHUN_BIAS` before the next pick: at the start of a
        string value, those that open it with a closing bracket; where a value may open, those
        that open a string and a closing bracket in one (`"}}`); unless the sources quote a
        value that starts with that bracket ("replace ')' with ']'")."""
        if self.answer:
            return []
        if self._scan.in_value:
            return [] if self._scan.value else self._shun_in_value
        return self._shun_opening if self._scan.value_next else []

    def _answer_favoured(self) -> list[int]:
        """The tokens that go on with a copy a text answer began (none where none began)."""
        value = self._answer_text
        pieces = sorted(self.sources.continuations(value, self.tokens.longest))
        found: set[int] = set()
        for piece in pieces:
            found.update(self.tokens.prefixes_of(piece))
        return self._favour(sorted(found), bool(pieces) and _inside_word(value, pieces))

    def _favour(self, ids: list[int], inside: bool) -> list[int]:
        """Favour `ids` next, `MID_WORD_FACTOR` times as strongly `inside` a word."""
        if inside:
            self.strength = self.bias * MID_WORD_FACTOR
        self.counts.inside_words += bool(ids) and inside
        return self._count(ids)


def _inside_word(value: str, pieces: Sequence[str]) -> bool:
    """Whether `value` ends inside a word of the sources: at least `MID_WORD_LETTERS` letters
    (a word of its own, not the end of one with digits) that every place it copies goes on
    with more letters ("Liver" of "Liverpool", "tomato" of "tomatoes")."""
    word = _TRAILING_WORD.search(value)
    if word is None or len(word.group()) < MID_WORD_LETTERS:
        return False
    return all(piece[:1].isalpha() for piece in pieces)


def applies(params: GenerationParams) -> bool:
    """Whether a generation asks for the copy bias: a bias, under a call grammar (or, with
    `copy_answers`, under a text-only grammar)."""
    constraint = params.constraint
    if params.copy_bias <= 0 or constraint is None:
        return False
    return constraint.json_schema is not None or _text_answer(params)


def _text_answer(params: GenerationParams) -> bool:
    """Whether a generation is a text answer the bias acts in (`copy_answers`, a text-only
    grammar)."""
    return params.copy_answers and params.constraint is not None and params.constraint.text_only


def copy_bias_for(params: GenerationParams, tokens: TokenTexts) -> CopyBias | None:
    """The copy bias of a generation, or None when it is off (no bias, grammar or sources)."""
    if not applies(params):
        return None
    found = CopySources(params.copy_from, answer=_text_answer(params))
    if not found:
        return None
    return CopyBias(found, tokens, params.copy_bias)


def copy_record(params: GenerationParams, copy: CopyBias | None) -> CopyBiasRecord | None:
    """What the copy bias did in a generation (None when it did not ask for it)."""
    if not applies(params):
        return None
    if copy is None:
        return CopyBiasRecord(bias=params.copy_bias)
    return CopyBiasRecord(
        bias=copy.bias,
        steps=copy.counts.steps,
        tokens=copy.counts.tokens,
        inside_words=copy.counts.inside_words,
    )


__all__ = [
    "ANSWER_WINDOW",
    "FUNCTION_WORDS",
    "MAX_TOKEN_CHARS",
    "MID_WORD_FACTOR",
    "SHUN_BIAS",
    "CopyBias",
    "CopyCounts",
    "CopySources",
    "TokenTexts",
    "applies",
    "copy_bias_for",
    "copy_record",
    "escape",
]
