"""A backend that replays scripted outputs: the test double for agents and for your own tests.

`ScriptedBackend` stands in for a model so that agent code can be tested deterministically and
offline. It replays a list of outputs in order (or calls a function of the prompt), streams each
output in word-sized deltas, honours stop strings and `max_tokens`, and counts usage roughly
(one token per whitespace-separated word, with simulated prefix-cache reuse).

    backend = ScriptedBackend.calls(
        [[ToolCall(name="get_weather", arguments={"city": "Paris"})], "It is sunny in Paris."]
    )
    agent = Agent(backend, tools=[get_weather])
    assert agent.run("Weather in Paris?").answer == "It is sunny in Paris."
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import anyio

from lamagent.backends._engine.contract import (
    check_constraint_support,
    check_settings,
    context_overflow,
)
from lamagent.backends._engine.prefix import common_prefix_length
from lamagent.backends._engine.stops import cut_at_stop
from lamagent.backends.base import (
    Backend,
    Constraint,
    FinishReason,
    Generation,
    GenerationParams,
    ModelInfo,
)
from lamagent.errors import BackendError, ConstraintError
from lamagent.messages import AssistantTurn, ToolCall, Usage

if TYPE_CHECKING:
    from lamagent.formats.base import Format

#: A scripted output: text, or an exception to raise in place of generating.
ScriptItem = str | BaseException
#: One reply for `ScriptedBackend.calls`: tool calls, a text answer, or a whole turn.
ScriptedReply = Sequence[ToolCall | Mapping[str, Any]] | str | AssistantTurn | BaseException

_TOKEN = re.compile(r"\s+|\S+\s*")


def _tokens(text: str) -> list[str]:
    """Split text into rough tokens (a word with its trailing space); they concatenate back."""
    return _TOKEN.findall(text)


class ScriptedBackend(Backend):
    """Replays `outputs` in order, or calls `outputs(prompt)` for each generation.

    Args:
        outputs: the texts to return, one per generation (an exception instance in the list is
            raised instead, to test error handling), or a function from prompt to text.
        model_info: what `info` reports (default: model id "scripted", no chat template, so
            `lamagent.formats.detect` picks "xlam2-qwen"). With a `context_length`, a prompt
            of that many words or more raises `ContextOverflowError`.
        stream_chunk: how many rough tokens each streamed delta carries.
        supports_constraint: accept `GenerationParams.constraint`. The scripted output is then
            checked against the constraint, and a `ConstraintError` says when the script holds
            something a constrained model could never produce.
        delay: seconds to sleep before each delta, to simulate generation time.

    Every generation is recorded in `requests` as `(prompt, params)` for assertions.
    """

    def __init__(
        self,
        outputs: Sequence[ScriptItem] | Callable[[str], str],
        *,
        model_info: ModelInfo | None = None,
        stream_chunk: int = 1,
        supports_constraint: bool = False,
        delay: float = 0.0,
    ) -> None:
        check_settings(stream_chunk=(stream_chunk, 1), delay=(delay, 0))
        self._outputs: list[ScriptItem] | None = None if callable(outputs) else list(outputs)
        self._fn: Callable[[str], str] | None = outputs if callable(outputs) else None
        self._info = model_info or ModelInfo(model_id="scripted")
        self._chunk = stream_chunk
        self._delay = delay
        self._next = 0
        self._last_prompt = ""
        self.supports_constraint = supports_constraint
        self.requests: list[tuple[str, GenerationParams]] = []

    @classmethod
    def calls(
        cls,
        replies: Sequence[ScriptedReply],
        format: Format | str = "xlam2-qwen",
        **kwargs: Any,
    ) -> ScriptedBackend:
        """Script replies as tool calls and answers, rendered the way `format`'s models write them.

        Each reply is a list of calls (`ToolCall` or `{"name", "arguments"}` dicts), a text
        answer, an `AssistantTurn`, or an exception to raise. Other keyword arguments go to the
        constructor.
        """
        from lamagent import formats

        fmt = formats.get(format) if isinstance(format, str) else format
        outputs: list[ScriptItem] = []
        for reply in replies:
            if isinstance(reply, BaseException):
                outputs.append(reply)
            elif isinstance(reply, AssistantTurn):
                outputs.append(fmt.render_assistant(reply))
            elif isinstance(reply, str):
                outputs.append(fmt.render_assistant(AssistantTurn(answer=reply)))
            else:
                calls = [c if isinstance(c, ToolCall) else ToolCall.from_dict(c) for c in reply]
                outputs.append(fmt.render_assistant(AssistantTurn(calls=calls)))
        return cls(outputs, **kwargs)

    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def remaining(self) -> int | None:
        """How many scripted outputs are left (None for a function script)."""
        return None if self._outputs is None else len(self._outputs) - self._next

    def reset_cache(self) -> None:
        self._last_prompt = ""

    def tokenize(self, text: str) -> list[str]:
        """The prompt's "tokens" as this backend counts them against `context_length`: words."""
        return text.split()

    def _next_output(self, prompt: str) -> str:
        if self._fn is not None:
            return self._fn(prompt)
        assert self._outputs is not None
        if self._next >= len(self._outputs):
            raise BackendError(
                f"ScriptedBackend ran out of outputs after {len(self._outputs)} generations; "
                "script one output per expected model turn"
            )
        item = self._outputs[self._next]
        self._next += 1
        if isinstance(item, BaseException):
            raise item
        return item

    def _evaluated(self, prompt: str) -> int:
        """Prompt tokens past the prefix shared with the previous prompt (simulated KV reuse)."""
        shared = common_prefix_length(self._last_prompt, prompt)
        self._last_prompt = prompt
        return len(prompt[shared:].split())

    async def astream(
        self, prompt: str, params: GenerationParams
    ) -> AsyncIterator[str | Generation]:
        check_constraint_support(
            "this ScriptedBackend",
            self.supports_constraint,
            params,
            "create it with supports_constraint=True to test constrained decoding",
        )
        self.requests.append((prompt, params))
        limit = self._info.context_length
        if limit is not None and len(prompt.split()) >= limit:
            raise context_overflow(len(prompt.split()), limit, "script a shorter conversation")
        text = cut_at_stop(self._next_output(prompt), params.stop)
        finish: FinishReason = "stop"
        tokens = _tokens(text)
        if len(tokens) > params.max_tokens:
            tokens = tokens[: max(params.max_tokens, 0)]
            finish = "length"
        text = "".join(tokens)
        if params.constraint is not None:
            _check_constraint(text, params.constraint)
        for start in range(0, len(tokens), self._chunk):
            if self._delay:
                await anyio.sleep(self._delay)
            else:
                await anyio.lowlevel.checkpoint()
            yield "".join(tokens[start : start + self._chunk])
        usage = Usage(
            prompt_tokens=len(prompt.split()),
            evaluated_tokens=self._evaluated(prompt),
            completion_tokens=len(tokens),
            requests=1,
        )
        yield Generation(text=text, finish_reason=finish, usage=usage)


def _check_constraint(text: str, constraint: Constraint) -> None:
    """Raise ConstraintError when `text` is not something `constraint` allows."""
    stripped = text.lstrip()
    looks_like_call = bool(stripped) and stripped[0] in constraint.call_prefixes
    if constraint.allow_text and not looks_like_call:
        return
    if constraint.json_schema is None:
        raise ConstraintError(
            f"scripted output {text[:80]!r} is text, but the constraint allows none"
        )
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConstraintError(
            f"scripted output {text[:80]!r} is not JSON, but the constraint requires it"
        ) from exc
    try:
        import jsonschema
    except ImportError:  # the JSON check above is all that can be done without it
        return
    try:
        jsonschema.validate(value, constraint.json_schema)
    except jsonschema.ValidationError as exc:
        raise ConstraintError(
            f"scripted output does not match the constraint's schema: {exc.message}"
        ) from exc
