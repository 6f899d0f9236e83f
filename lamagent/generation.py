"""What crosses the boundary between the loop and a model, independent of any engine.

A leaf module (it imports only pydantic and `lamagent.messages`): formats build `Constraint`s,
backends take `GenerationParams` and return `Generation`s, and `ModelInfo` tells a format which
model it is talking to, without either side importing the other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from lamagent.messages import Usage


class Constraint(BaseModel):
    """What the model is allowed to say, independent of any engine.

    Either a JSON document matching `json_schema` (the Format's call list, built from the tools'
    schemas), or, when `allow_text` is set, plain text that does not begin like a call (its first
    non-space character is none of `call_prefixes`). Backends compile this to their grammar
    language (GBNF, xgrammar, a server's structured-output parameter) and cache the result.
    """

    model_config = ConfigDict(frozen=True)

    json_schema: dict[str, Any] | None = None
    allow_text: bool = False
    call_prefixes: tuple[str, ...] = ("[", "{")
    #: Stable identity for caching compiled grammars (a hash of the schema and the flags).
    key: str = ""

    @property
    def cache_key(self) -> str:
        """`key`, or the content hash when it was built without one (`content_key`)."""
        return self.key or content_key(self.json_schema, self.allow_text, self.call_prefixes)

    @property
    def text_only(self) -> bool:
        """Plain text and no call list (the call gate's answer)."""
        return self.json_schema is None and self.allow_text


def content_key(schema: Mapping[str, Any] | None, allow_text: bool, prefixes: Sequence[str]) -> str:
    """A stable hash of a constraint's canonical schema JSON and flags (the grammar cache key)."""
    canon = json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    blob = f"{canon}|allow_text={allow_text}|prefixes={json.dumps(list(prefixes))}"
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class GenerationParams(BaseModel):
    """Sampling settings for one generation. temperature 0 means greedy."""

    stop: list[str] = Field(default_factory=list)
    max_tokens: int = Field(default=512, ge=1)
    temperature: float = Field(default=0.0, ge=0.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    seed: int | None = None
    constraint: Constraint | None = None
    #: Added to the logits of tokens that copy a span of `copy_from` while the model writes a
    #: JSON string value under a call grammar (0: off). See docs/small-models.md.
    copy_bias: float = Field(default=0.0, ge=0.0)
    #: The texts a value may copy from (the turn source fills it: user messages, tool results).
    copy_from: tuple[str, ...] = ()
    #: `copy_bias` acts in a text answer too (a text-only grammar, such as the call gate's
    #: answer): a span of a tool's result the answer began copying ("The rate is 19" of a
    #: result's 191.32) goes on as written; nothing is favoured where no copy began, and the
    #: user's words are not copied. See docs/small-models.md.
    copy_answers: bool = False
    #: In a turn that must call, generate again with the optional arguments the user asked
    #: for that the calls left out made required, or for the tool the user's words name when
    #: the draft called another (`lamagent.gate.named`; docs/small-models.md).
    mentioned_arguments: bool = False
    #: Under a call grammar, a string parameter whose description shows its value's shape by
    #: example ("e.g. San Francisco, CA", "'YYYY-MM-DD'") takes that shape's pattern
    #: (`lamagent.tools.shapes`, docs/small-models.md); a percentage goes to a fraction
    #: parameter as a fraction (and a fraction of it to a percentage parameter as the
    #: percentage), a number the model cut short or wrote without its minus sign is as the
    #: user wrote it, and a list it copied past the end of a list the user wrote in brackets
    #: is cut there (`lamagent.gate.percentages`, `lamagent.gate.numbers`,
    #: `lamagent.gate.written_lists`); a number the user wrote once goes to one argument,
    #: numbered arguments take the user's numbers in the user's order, a value that runs on
    #: into another argument's ends where that one begins, and a value the user gave after
    #: naming its parameter is that value, also in place of one the model invented
    #: (`lamagent.gate.shared_numbers`, `lamagent.gate.ordered`, `lamagent.gate.overruns`,
    #: `lamagent.gate.named_values`); a value opened with a list's separator is what follows
    #: it (`lamagent.gate.separators`), and a date the user wrote is in the form its
    #: parameter's description names (`lamagent.gate.dates`); a value the model writes in a
    #: loop is closed as it goes round and cut back to what it held before the loop
    #: (`lamagent.repetition`, `lamagent.gate.loops`); an optional argument whose value only
    #: names its parameter ("method_used", "string", "{{id}}"), or is a number nobody
    #: wrote, is left out (`lamagent.gate.placeholders`, `lamagent.gate.unwritten_numbers`).
    example_shapes: bool = False
    #: A text answer (no call grammar) that ends in a loop (one round written three times in
    #: a row, `lamagent.repetition.answer_loop`) ends there, after its first round; the rounds
    #: cut are kept in `Generation.cut_loop`. See docs/small-models.md.
    end_answer_loops: bool = False
    #: A turn's calls follow what the user asked for: one call per other item of an
    #: enumeration of which a call took one item ("the factorial of 5, 10 and 15": three
    #: calls) and per other clause written like the one a call took its values from; a list
    #: the calls began in order is finished, and a call takes the items and clause values
    #: the user paired with its own; a call nobody asked for (a repeat, another tool, with
    #: nothing the conversation wrote, or a tool called on another tool's clause) is left
    #: out and recorded; each ask the request enumerates ("First, ... Secondly, ...
    #: Lastly, ...") that no call took from, or where it enumerates none, each sentence no
    #: call took anything from with a number of its own, is drafted on its own for its call
    #: (the one rule that generates); see
    #: `lamagent.gate.listed`, `lamagent.gate.clauses`, `lamagent.gate.unasked`,
    #: `lamagent.gate.other_asks`, `lamagent.gate.parts`, `lamagent.gate.sentences` and
    #: docs/small-models.md.
    listed_items: bool = False


FinishReason = Literal["stop", "length", "error"]
FINISH_REASONS: tuple[str, ...] = get_args(FinishReason)


class CopyBiasRecord(BaseModel):
    """What copy-aware decoding did in one generation (`GenerationParams.copy_bias`)."""

    #: The bias added to the logits of tokens that continue a span of the sources.
    bias: float
    #: Decoding steps inside a value (a string, or a number the user spelled apart, such as
    #: "$400,000") where some tokens continued the sources.
    steps: int = 0
    #: Of those, the steps whose chosen token was one of them.
    tokens: int = 0
    #: Of the steps, those inside a word the sources spell, where the bias was
    #: `MID_WORD_FACTOR` times stronger (`lamagent.backends._engine.copy_bias`).
    inside_words: int = 0


class Generation(BaseModel):
    """The result of one generation."""

    text: str
    finish_reason: FinishReason = "stop"
    usage: Usage = Field(default_factory=Usage)
    #: Seconds spent: "prefill", "decode", "total" (engines report what they measure).
    timings: dict[str, float] = Field(default_factory=dict)
    #: Copy-aware decoding, when it was on (None: off, or the engine exposes no logits).
    copy_bias: CopyBiasRecord | None = None
    #: The rounds cut from the end of a text answer that went round (`end_answer_loops`):
    #: `text` ends after the first round, and this is what the model wrote after it.
    cut_loop: str | None = None


class ModelInfo(BaseModel):
    """What a backend knows about its model, used to pick a Format."""

    model_id: str = "unknown"
    architecture: str | None = None
    chat_template: str | None = None
    bos_token: str | None = None
    eos_token: str | None = None
    special_tokens: dict[str, str] = Field(default_factory=dict)
    #: Every string the tokenizer turns into a control token (turn markers, tool tags, ...):
    #: data rendered into a prompt must never contain one of these verbatim.
    control_tokens: tuple[str, ...] = ()
    context_length: int | None = None


__all__ = [
    "FINISH_REASONS",
    "Constraint",
    "CopyBiasRecord",
    "FinishReason",
    "Generation",
    "GenerationParams",
    "ModelInfo",
    "content_key",
]
