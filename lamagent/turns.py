"""The turn source: one model turn from a conversation, whichever way the model is driven.

The loop, the evaluation and anything else that needs "the model's next turn" ask a
`TurnSource`, resolved once per model by `turn_source(backend, format)`:

- `PromptTurns` (a `Backend`: llama.cpp, transformers, a server's completions API): render the
  conversation with the Format, build the call grammar when constrained, stream the generation
  through the Format's incremental parser, and return the parsed `AssistantTurn`.
- `ChatTurns` (a `ChatBackend`: a server's chat API): send the messages and tool specs, take the
  calls the server parsed, and read a reply without calls with the Format's tolerant parser (a
  server without a tool parser returns the call list as text).

Either way the result is a `ModelTurn`: the `AssistantTurn` plus its `Generation`.
"""

from __future__ import annotations

import dataclasses
import json
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lamagent.backends.base import Backend, ChatBackend, FormatChoice, ModelBackend
from lamagent.errors import BackendError, ConfigError, ConstraintError
from lamagent.formats.choice import ToolChoice
from lamagent.formats.choice import named_tool as named_choice
from lamagent.formats.specs import tool_specs
from lamagent.formats.stream_events import StreamEvent, TextPiece
from lamagent.generation import Constraint, Generation, GenerationParams
from lamagent.messages import AssistantTurn, Message, MessageLike, ToolCall, to_messages

if TYPE_CHECKING:
    from lamagent.formats.base import Format
    from lamagent.tools import Tool

#: Receives text the model writes that is certainly not a call (for streaming to a user).
OnText = Callable[[str], Awaitable[None]]
#: Receives every raw piece of output as it arrives (so a turn cut short keeps what it had).
OnRaw = Callable[[str], None]
#: The calls of a draft kept for an ask (`lamagent.gate.parts.part_calls`, `sentence_calls`).
_KeptCalls = Callable[[Sequence[ToolCall], str, Sequence[ToolCall]], list[ToolCall]]

_CONSTRAINT_CACHE_SIZE = 64
#: The format of a run without a model (the evaluation's ground-truth oracle).
DEFAULT = "xlam2-qwen"


@dataclass(frozen=True)
class TurnRequest:
    """What a model turn is asked for.

    `params` are the sampling settings; the source adds the Format's stop strings and, when
    `constrained`, the call grammar for `tools` and `tool_choice` (at most `max_calls` calls),
    or `constraint` instead when one is given (the schema of a typed final answer).
    """

    messages: Sequence[MessageLike]
    tools: Sequence[Tool] = ()
    params: GenerationParams = field(default_factory=GenerationParams)
    tool_choice: ToolChoice = "auto"
    constrained: bool = False
    max_calls: int | None = None
    constraint: Constraint | None = None
    #: Words the turn starts with: written after the assistant's opening in the prompt, then
    #: continued by the model; they are part of the turn's text (prompt backends only: a chat
    #: API renders the prompt itself, so a `ChatTurns` source refuses a prefill).
    prefill: str = ""
    #: The turn is the call gate's draft: the gate weighs the values the model wrote, so what
    #: the model invented stays until it has decided to call (`with_invented_values`;
    #: `lamagent.gate.turns`).
    gate_draft: bool = False
    #: The user's whole message, when `messages` end with one ask of it drafted on its own
    #: (`PromptTurns.sentence_calls`, `_named_tool_calls`): what the user wrote anywhere in it
    #: is written, and what it asks for is asked (`with_invented_values`).
    whole_request: str = ""


@dataclass(frozen=True)
class ModelTurn:
    """One model turn: what it means (`turn`) and how it was generated (`generation`)."""

    turn: AssistantTurn
    generation: Generation
    #: The rendered prompt (prompt backends), or None (chat backends send messages).
    prompt: str | None = None
    #: Seconds spent rendering the prompt (0 for chat backends).
    render_seconds: float = 0.0
    #: The optional parameters, by tool, that the user asked for and a first draft left out,
    #: so the turn was generated again with them required (`mentioned_arguments`).
    mentioned: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: The tool the draft called and the one the user's words name, when the turn was
    #: generated again for the latter (`mentioned_arguments`, `lamagent.gate.named`).
    renamed: tuple[str, str] | None = None
    #: How many calls were added, one per other item of a list the user wrote, or in place
    #: of a drafted call that paired the items otherwise (`listed_items`); 0 when none.
    listed: int = 0
    #: Drafted calls left out because nobody asked for them: a repeat of a tool, or another
    #: tool, with nothing the conversation wrote (`listed_items`, `lamagent.gate.unasked`),
    #: or a tool called on the values another tool's clause asks with (`gate.other_asks`),
    #: or a call that became a repeat once given its own ask's values (`gate.asked_values`),
    #: or one that mixed two asks' values and gave way to an ask's own (`gate.parts`).
    unasked: tuple[ToolCall, ...] = ()
    #: Values put in the form their parameter takes, one note each ("tool.rate: 3% as 0.03";
    #: `example_shapes`, `lamagent.gate.percentages`).
    reshaped: tuple[str, ...] = ()


def render_prompt(
    format: Format, messages: Sequence[MessageLike], tools: Sequence[Tool | dict[str, Any]]
) -> str:
    """The prompt a prompt backend gets for `messages` and `tools`, up to the assistant's turn.

    The one rendering of a turn: the loop and the evaluation (through `PromptTurns`) and the
    fine-tuning samples all call it, so a model is trained on the bytes it is run on.
    """
    return format.render(messages, list(tools), add_generation_prompt=True)


def _shaped(tools: Sequence[Tool], shapes: bool) -> list[Tool]:
    """`tools`, with the shapes their descriptions show by example when `shapes`."""
    if not shapes:
        return list(tools)
    from lamagent.tools.shapes import shaped_tools

    return shaped_tools(tools)


def copy_sources(
    messages: Sequence[MessageLike], roles: tuple[str, ...] = ("user", "tool")
) -> tuple[str, ...]:
    """What a call's string values may copy (`GenerationParams.copy_from`): the user's
    messages and the tools' results, as text (the messages of `roles`)."""
    texts: list[str] = []
    for message in to_messages(messages):
        if message.role not in roles or message.content is None:
            continue
        content = message.content
        if not isinstance(content, str):
            content = json.dumps(content, ensure_ascii=False, default=str)
        texts.append(content)
    return tuple(texts)


class TurnSource(ABC):
    """A model and its Format, asked for one turn at a time."""

    backend: ModelBackend
    format: Format

    @property
    def supports_constraint(self) -> bool:
        """Whether `TurnRequest.constrained` can be honoured (a grammar reaches the engine)."""
        return self.backend.supports_constraint

    @abstractmethod
    async def next_turn(
        self,
        request: TurnRequest,
        *,
        on_text: OnText | None = None,
        on_raw: OnRaw | None = None,
    ) -> ModelTurn:
        """The model's next turn for `request`; model failures raise `BackendError`."""


class PromptTurns(TurnSource):
    """Turns from a prompt-completion `Backend`, rendered and parsed by the Format."""

    backend: Backend

    def __init__(self, backend: Backend, format: Format) -> None:
        self.backend = backend
        self.format = format
        self._constraints: OrderedDict[tuple[Any, ...], Constraint | None] = OrderedDict()

    def constraint(
        self,
        tools: Sequence[Tool],
        tool_choice: str,
        max_calls: int | None,
        *,
        shapes: bool = False,
    ) -> Constraint | None:
        """The Format's call grammar for these tools (cached: tools rarely change per step);
        with `shapes`, string parameters take the shapes their descriptions show by example."""
        # Tools are held by the key, so their identities cannot be reused while cached.
        key = (tuple(tools), tool_choice, max_calls, shapes)
        if key in self._constraints:
            self._constraints.move_to_end(key)
            return self._constraints[key]
        built = self.format.constraint(_shaped(tools, shapes), tool_choice, max_calls=max_calls)
        self._constraints[key] = built
        if len(self._constraints) > _CONSTRAINT_CACHE_SIZE:
            self._constraints.popitem(last=False)
        return built

    def params_for(self, request: TurnRequest) -> GenerationParams:
        """`request.params` with the Format's stop strings and, if constrained, the grammar."""
        constraint = None
        if request.constrained:
            constraint = request.constraint or self.constraint(
                request.tools,
                request.tool_choice,
                request.max_calls,
                shapes=request.params.example_shapes,
            )
        update: dict[str, Any] = {
            "stop": [*request.params.stop, *self.format.stop],
            "constraint": constraint,
        }
        # what the copy bias favours, and what a value may repeat (a loop the user wrote)
        copies = request.params.copy_bias > 0 or request.params.example_shapes
        if copies and constraint is not None:
            # a text answer copies what the tools returned, not the question it answers
            answer = request.params.copy_answers and constraint.text_only
            roles = ("tool",) if answer else ("user", "tool")
            update["copy_from"] = copy_sources(request.messages, roles)
        return request.params.model_copy(update=update)

    async def next_turn(
        self,
        request: TurnRequest,
        *,
        on_text: OnText | None = None,
        on_raw: OnRaw | None = None,
    ) -> ModelTurn:
        turn = await self._turn(request, on_text=on_text, on_raw=on_raw)
        turn = with_call_rules(turn, request)
        if request.gate_draft or not _calls_only(request):
            return turn  # the call gate asks once it has decided (`sentence_calls`)
        return await self.sentence_calls(turn, request)

    async def sentence_calls(self, model_turn: ModelTurn, request: TurnRequest) -> ModelTurn:
        """`model_turn` with a call for each ask the user's request enumerates that no call
        took from (`lamagent.gate.parts`), or, where it enumerates none, for each sentence no
        call took anything from that writes a number of its own (`lamagent.gate.sentences`)
        and each sentence a marker opens that no call took from (`marked_sentences`, kept as
        a part's calls are) and each clause a join opens inside a sentence that no call took
        from (`lamagent.gate.joined`, kept as a part's), each drafted on its own, then for
        each tool the request names that no call used (`lamagent.gate.named_asks`), drafted
        under that tool's grammar (`_named_tool_calls`), when `listed_items` is on and the
        turn answers the user's message (no tool's result since); never more calls than
        `max_calls`; a draft's call that mixed two parts' values gives way to a part's call
        of its tool (`lamagent.gate.parts.replaced_mixed`, recorded in `unasked`). Then a
        call of a tool on the values of a clause that asks for another
        tool is left out (`lamagent.gate.other_asks`; recorded in `unasked`), and a call that
        took another ask's value takes its own ask's (`lamagent.gate.asked_values`), and a
        value that ran on into a number nobody wrote, or past brackets nobody wrote, is cut
        before it (`lamagent.gate.overruns`): all of `lamagent.gate.final_calls`, noted in
        `reshaped`, a call that became a repeat in `unasked`. The drafts'
        tokens and seconds count in the turn's generation; `listed` counts the calls added."""
        from lamagent.gate.final_calls import final_calls
        from lamagent.gate.joined import joined_clauses
        from lamagent.gate.listed import MAX_CALLS
        from lamagent.gate.parts import (
            marked_sentences,
            open_parts,
            part_calls,
            replaced_mixed,
        )
        from lamagent.gate.sentences import open_sentences, sentence_calls, standalone
        from lamagent.gate.signals import query_text

        turn = model_turn.turn
        messages = to_messages(request.messages)
        if (
            not _rules_apply(model_turn, request.params.listed_items)
            or not messages
            or messages[-1].role != "user"
        ):
            return model_turn
        limit = MAX_CALLS if request.max_calls is None else request.max_calls
        calls = list(turn.calls)
        generation = model_turn.generation
        rendered = model_turn.render_seconds
        query = query_text(messages)
        # the asks the user enumerated, else the sentences that write numbers of their own
        parts = open_parts(calls, query)
        asks: list[tuple[str, _KeptCalls]] = [(part, part_calls) for part in parts or ()]
        if parts is None:  # and a sentence a marker opens is an ask of its own
            sentences = open_sentences(calls, query)
            marked = [s for s in marked_sentences(calls, query) if s not in sentences]
            # and a clause a join opens inside a sentence not asked whole ("Invest $2000 in
            # Google and withdraw $1000 from Apple.")
            whole = [*sentences, *marked]
            joined = [
                c
                for c in joined_clauses(calls, query, request.tools)
                if not any(c in s for s in whole)
            ]
            asks = [(s, sentence_calls) for s in sentences] + [
                (s, part_calls) for s in [*marked, *joined]
            ]
        for ask, kept in asks:
            if len(calls) >= limit:
                break
            asked = dataclasses.replace(
                request,
                messages=[*messages[:-1], Message.user(standalone(ask))],
                max_calls=None,
                whole_request=query,
            )
            drafted = with_call_rules(await self._turn(asked), asked)
            generation = combined_generation(drafted.generation, generation)
            rendered += drafted.render_seconds
            if drafted.turn.error is None:
                calls.extend(kept(drafted.turn.calls, ask, calls))
        # a call that garbled two parts gives way to a part's call of its tool
        calls, replaced = replaced_mixed(calls, len(turn.calls), query)
        # a tool the request names that no call used
        for drafted in await self._named_tool_calls(request, messages, calls, limit):
            generation = combined_generation(drafted.generation, generation)
            rendered += drafted.render_seconds
        added = max(0, len(calls[:limit]) - len(turn.calls) + len(replaced))
        # no call of a tool on the values of a clause that asks for another tool, and each
        # call with the values of its own ask
        final = final_calls(
            calls[:limit], query, request.tools, floats=request.params.example_shapes
        )
        if not added and not final.unasked and not final.reshaped:
            return dataclasses.replace(model_turn, generation=generation, render_seconds=rendered)
        return dataclasses.replace(
            model_turn,
            turn=turn.model_copy(update={"calls": final.calls}),
            generation=generation,
            render_seconds=rendered,
            listed=model_turn.listed + added,
            unasked=(*model_turn.unasked, *replaced, *final.unasked),
            reshaped=(*model_turn.reshaped, *final.reshaped),
        )

    async def _named_tool_calls(
        self, request: TurnRequest, messages: list[Message], calls: list[ToolCall], limit: int
    ) -> list[ModelTurn]:
        """`calls` extended, up to `limit`, with the calls of each tool the request names that
        no call used (`lamagent.gate.named_asks`): drafted under that tool's grammar on the
        words that ask for it, where they write a value and are not the whole request, else
        (or where that kept nothing) on the whole request; none where the tool choice names
        the one tool to call. Returns the drafts made."""
        if named_choice(request.tool_choice) is not None:
            return []
        from lamagent.gate.joined import writes_value
        from lamagent.gate.named_asks import named_asks, named_calls
        from lamagent.gate.sentences import standalone
        from lamagent.gate.signals import query_text

        query = query_text(messages)
        drafts: list[ModelTurn] = []
        for named in named_asks(calls, query, request.tools):
            texts = [(query, messages)]
            if named.ask != query.strip() and writes_value(named.ask):
                texts.insert(0, (named.ask, [*messages[:-1], Message.user(standalone(named.ask))]))
            for text, conversation in texts:
                if len(calls) >= limit:
                    return drafts
                asked = dataclasses.replace(request, messages=conversation, whole_request=query)
                drafted = await self._named_draft(asked, named.tool)
                if drafted is None:
                    return drafts  # an engine that cannot take the narrowed grammar
                drafts.append(drafted)
                made = drafted.turn.calls
                new = named_calls(made, text, calls, named.tool) if made else []
                calls.extend(new)
                if new:
                    break
        return drafts

    async def _named_draft(self, request: TurnRequest, tool: Tool) -> ModelTurn | None:
        """The turn drafted on `request`'s prompt under the call grammar of `tool` alone, with
        the rules of the turn; None where the engine cannot take that grammar."""
        narrowed = dataclasses.replace(self._narrowed(request, [tool], None), max_calls=None)
        try:
            return with_call_rules(await self._generate(narrowed), narrowed)
        except ConstraintError:  # an engine that cannot take the narrowed grammar
            return None

    def _narrowed(
        self, request: TurnRequest, tools: Sequence[Tool], max_calls: int | None
    ) -> TurnRequest:
        """`request` under the call grammar of `tools` (its prompt still shows them all)."""
        constraint = self.format.constraint(
            _shaped(tools, request.params.example_shapes), request.tool_choice, max_calls=max_calls
        )
        return dataclasses.replace(request, constraint=constraint)

    async def _turn(
        self,
        request: TurnRequest,
        *,
        on_text: OnText | None = None,
        on_raw: OnRaw | None = None,
    ) -> ModelTurn:
        if not (request.params.mentioned_arguments and _calls_only(request)):
            return await self._generate(request, on_text=on_text, on_raw=on_raw)
        from lamagent.gate.mentions import amended_tools
        from lamagent.gate.named import named_tool

        turn = await self._generate(request)
        calls = turn.turn.calls if turn.turn.error is None else []
        # the tool the user's words name, when the draft called another
        named = named_tool(calls, request.tools, request.messages) if calls else None
        if named is not None:
            again = await self._again(request, turn, [named])
            if again is not None:
                turn = dataclasses.replace(again, renamed=(calls[0].name, named.name))
                calls = turn.turn.calls
        # the same calls with the arguments the user asked for: only the tools the calls
        # used (a tool whose newly required argument the model would rather not write is no
        # reason to call another)
        tools, wanted = amended_tools(calls, request.tools, request.messages)
        if wanted:
            used = {call.name for call in calls}
            again = await self._again(request, turn, [t for t in tools if t.name in used])
            if again is not None:
                turn = dataclasses.replace(again, mentioned=wanted, renamed=turn.renamed)
        if on_raw is not None:
            on_raw(turn.generation.text)
        return turn

    async def _again(
        self, request: TurnRequest, draft: ModelTurn, tools: Sequence[Tool]
    ) -> ModelTurn | None:
        """The turn generated again on the same prompt under the call grammar of `tools`, with
        no more calls than `draft` made, its usage and time counting the draft's too; None
        when the engine cannot take that grammar or the new turn's calls do not parse."""
        try:
            again = await self._generate(self._narrowed(request, tools, len(draft.turn.calls)))
        except ConstraintError:  # an engine that cannot take the narrowed grammar
            return None
        if again.turn.error is not None or not again.turn.calls:
            return None
        return dataclasses.replace(
            again,
            generation=combined_generation(draft.generation, again.generation),
            render_seconds=draft.render_seconds + again.render_seconds,
        )

    async def _generate(
        self,
        request: TurnRequest,
        *,
        on_text: OnText | None = None,
        on_raw: OnRaw | None = None,
    ) -> ModelTurn:
        """One generation for `request`, streamed through the Format's parser."""
        started = time.perf_counter()
        prompt = render_prompt(self.format, request.messages, request.tools) + request.prefill
        params = self.params_for(request)
        rendered = time.perf_counter() - started
        parser = self.format.stream_parser()
        pieces: list[str] = []
        final: Generation | None = None
        if request.prefill:  # the turn's first words, read and streamed as if generated
            pieces.append(request.prefill)
            if on_raw is not None:
                on_raw(request.prefill)
            events = parser.feed(request.prefill)
            if on_text is not None:
                await _emit_text(events, on_text)
        async for item in self.backend.astream(prompt, params):
            if isinstance(item, Generation):
                final = item
                continue
            pieces.append(item)
            if on_raw is not None:
                on_raw(item)
            events = parser.feed(item)
            if on_text is not None:
                await _emit_text(events, on_text)
        flush = getattr(parser, "flush", None)  # text a parser held back until the end
        if on_text is not None and callable(flush):
            await _emit_text(flush(), on_text)
        if final is None:
            raise BackendError(f"{type(self.backend).__name__}.astream ended without a Generation")
        if request.prefill:
            final = final.model_copy(update={"text": request.prefill + final.text})
        turn = parser.finish() if "".join(pieces) == final.text else self.format.parse(final.text)
        return ModelTurn(turn, final, prompt=prompt, render_seconds=rendered)


class ChatTurns(TurnSource):
    """Turns from a `ChatBackend`: the server's template and tool parser, the Format's reader."""

    backend: ChatBackend

    def __init__(self, backend: ChatBackend, format: Format) -> None:
        self.backend = backend
        self.format = format

    async def next_turn(
        self,
        request: TurnRequest,
        *,
        on_text: OnText | None = None,
        on_raw: OnRaw | None = None,
    ) -> ModelTurn:
        if request.prefill:
            raise ConfigError(
                f"{type(self.backend).__name__} renders the prompt on its server: a turn cannot "
                "start with prefilled words there (use a prompt backend)"
            )
        params = request.params.model_copy(update={"constraint": None})
        # The server renders with the model's template: data must not carry control tokens.
        controls = self.format.control_strings
        messages = [controls.neutralise_value(m.to_dict()) for m in to_messages(request.messages)]
        message, generation = await self.backend.achat(
            messages,
            controls.neutralise_value(tool_specs(list(request.tools))),
            params,
            tool_choice=request.tool_choice,
        )
        if on_raw is not None:
            on_raw(generation.text)
        turn = _chat_turn(message, generation, self.format)
        forced = request.tool_choice not in ("auto", "none") and bool(request.tools)
        if forced and not turn.calls and generation.finish_reason == "stop":
            # The chat API's own constraint: a server that ignores tool_choice must not pass
            # prose off as the answer to a turn that required a call.
            raise ConstraintError(
                f"{type(self.backend).__name__} answered without a call though "
                f"tool_choice={request.tool_choice!r} requires one: the server does not honour "
                "tool_choice (for vLLM, start it with --enable-auto-tool-choice and a "
                "--tool-call-parser), or use tool_choice='auto'"
            )
        if on_text is not None and not turn.calls and turn.answer:
            await on_text(turn.answer)
        return with_call_rules(ModelTurn(turn, generation), request)


def _calls_only(request: TurnRequest) -> bool:
    """A turn that must call, under the Format's own call grammar."""
    return (
        request.constrained
        and request.constraint is None
        and request.tool_choice not in ("auto", "none")
        and bool(request.tools)
    )


def with_call_rules(model_turn: ModelTurn, request: TurnRequest) -> ModelTurn:
    """What every turn source does with the calls it parsed, before the loop sees them: the
    calls nobody asked for are left out (`listed_items`), the numbers and lists the model
    began copying are as the user wrote them (`example_shapes`), the calls follow the user's
    lists and clauses (`listed_items`), then their values take the forms their parameters
    take (`example_shapes`)."""
    asked = with_unasked_left_out(model_turn, request)
    listed = with_listed_items(with_written_values(asked, request), request)
    return with_value_forms(listed, request)


def _rules_apply(model_turn: ModelTurn, on: bool) -> bool:
    turn = model_turn.turn
    return on and turn.error is None and bool(turn.calls)


def with_unasked_left_out(model_turn: ModelTurn, request: TurnRequest) -> ModelTurn:
    """`model_turn` without the calls nobody asked for (`lamagent.gate.unasked`), when
    `listed_items` is on; they are recorded in `unasked`."""
    turn = model_turn.turn
    # one call cannot be a call nobody asked for: the conversation is read for two or more
    if not _rules_apply(model_turn, request.params.listed_items) or len(turn.calls) < 2:
        return model_turn
    from lamagent.gate.signals import query_text
    from lamagent.gate.unasked import unasked_calls

    query = query_text(request.messages)
    sources = copy_sources(request.messages)
    kept, unasked = unasked_calls(turn.calls, query, sources, request.tools)
    if not unasked:
        return model_turn
    return dataclasses.replace(
        model_turn, turn=turn.model_copy(update={"calls": kept}), unasked=tuple(unasked)
    )


def with_listed_items(model_turn: ModelTurn, request: TurnRequest) -> ModelTurn:
    """`model_turn` with its calls following the lists and clauses the user wrote, when
    `listed_items` is on: one call is added per other item of a list of which a call took
    one item (`lamagent.gate.listed`), per other option of a parameter the user named
    together with the one a call took (`lamagent.gate.listed_options`) and per other clause
    written like the one a call took its values from (`lamagent.gate.clauses`); never more
    calls than `max_calls`. A call that copied an earlier call's values into another
    clause's places takes that clause's values (noted in `reshaped`) before the clauses add
    theirs. The number added is recorded in `listed`."""
    if not _rules_apply(model_turn, request.params.listed_items):
        return model_turn
    from lamagent.gate.clauses import clause_calls, mended_calls
    from lamagent.gate.listed import MAX_CALLS, listed_calls, paired_calls
    from lamagent.gate.listed_options import option_calls
    from lamagent.gate.signals import query_text
    from lamagent.gate.whole_lists import item_calls

    turn = model_turn.turn
    query = query_text(request.messages)
    limit = MAX_CALLS if request.max_calls is None else request.max_calls
    made = _made(request.messages)
    split, split_notes = item_calls(turn.calls, query, request.tools, limit)
    paired, noted = paired_calls(split, query, made)
    listed = option_calls(
        listed_calls(paired, query, made, limit, request.tools),
        query,
        request.tools,
        made,
        limit,
    )
    mended, notes = mended_calls(listed, query, made)
    model_turn = _reshaped(model_turn, mended, [*split_notes, *noted, *notes])
    calls = clause_calls(mended, query, made, limit)
    drafted = {call.id for call in turn.calls}
    added = sum(call.id not in drafted for call in calls)
    if not added and [c.id for c in calls] == [c.id for c in turn.calls]:
        return model_turn
    return dataclasses.replace(
        model_turn, turn=model_turn.turn.model_copy(update={"calls": calls}), listed=added
    )


def with_value_forms(model_turn: ModelTurn, request: TurnRequest) -> ModelTurn:
    """`model_turn` with the percentages the user wrote in the form the parameters take (fractions,
    or percentages: `lamagent.gate.percentages`), the values the user gave after naming their
    parameters (`lamagent.gate.named_values`), the sentence of the user's a parameter taking the
    user's own words holds a part of (`lamagent.gate.own_words`), the text the user pasted after
    a colon for the parameter that takes a text (`lamagent.gate.pasted`), the identifiers the
    user gave after an identifier's word where an argument holds nothing of the user's
    (`lamagent.gate.given_ids`), the dates and times the user wrote in the forms their
    parameters' descriptions name (`lamagent.gate.dates`, `lamagent.gate.times`; an hour of a
    24-hour clock as its number, "11 PM" as 23, not in the call gate's draft:
    `with_said_values`), the units the user asked the answer in, for the parameters that take
    one (`lamagent.gate.asked_units`), the values that name one of the options their description
    lists as that option (`lamagent.gate.options`), the option of an enum the user named where
    the call holds another (`lamagent.gate.named_choices`), the action the user asked for in
    other words ("create todo" as "add": `lamagent.gate.actions`), the lists of options cut to
    those the user named, where the user named one (`lamagent.gate.chosen_options`), the numbers
    a description gives the meaning the user named ("2 for ironing service":
    `lamagent.gate.codes`), the math expressions the user wrote for the parameters that take one
    ("x^3" of "y = x^3": `lamagent.gate.expressions`), the lengths of time the user gave, in the
    unit their parameter counts in ("the next week" as 7 days: `lamagent.gate.durations`; one in
    its own unit replaces a held number not in the call gate's draft: `with_said_values`), the
    times a year of a frequency the user named ("monthly" as 12: `lamagent.gate.frequencies`),
    the currencies the user named as their codes, each at the end of the money's way the user
    put it (`lamagent.gate.currencies`), the US states the user named as the codes their
    parameters ask for (`lamagent.gate.states`), and the switches the user named off as false
    (`lamagent.gate.switches`), then, but in the call gate's draft, without what the model
    invented (`with_invented_values`), when `example_shapes` is on."""
    if not _rules_apply(model_turn, request.params.example_shapes):
        return model_turn
    from lamagent.gate.actions import action_choices
    from lamagent.gate.asked_units import asked_units
    from lamagent.gate.chosen_options import chosen_options
    from lamagent.gate.codes import coded_values
    from lamagent.gate.currencies import currency_codes
    from lamagent.gate.dates import dated_values
    from lamagent.gate.durations import duration_values, said_lengths
    from lamagent.gate.expressions import expression_values
    from lamagent.gate.frequencies import frequency_values
    from lamagent.gate.given_ids import given_ids
    from lamagent.gate.named_choices import named_choices
    from lamagent.gate.named_values import named_values
    from lamagent.gate.options import named_options
    from lamagent.gate.own_words import own_words
    from lamagent.gate.pasted import pasted_values
    from lamagent.gate.percentages import percent_fractions
    from lamagent.gate.signals import query_text
    from lamagent.gate.states import state_codes
    from lamagent.gate.switches import negated_switches
    from lamagent.gate.times import said_hours, timed_values
    from lamagent.gate.unwritten_numbers import written_numbers_of

    query = query_text(request.messages)
    fractions, notes = percent_fractions(model_turn.turn.calls, query, request.tools)
    named_valued, valued_notes = named_values(fractions, request.tools, query)
    owned, own = own_words(named_valued, request.tools, query)
    pasted, pastes = pasted_values(owned, request.tools, query)
    valued, given = given_ids(pasted, request.tools, query)
    dated, dated_notes = dated_values(valued, request.tools, query)
    timed, timed_notes = timed_values(dated, request.tools, query)
    if not request.gate_draft:  # an hour the user said replaces a held one once decided
        timed, hours = said_hours(timed, request.tools, query)
        timed_notes += hours
    united, units = asked_units(timed, request.tools, query)
    optioned, named = named_options(united, request.tools, query)
    optioned, choices = named_choices(optioned, request.tools, query)
    optioned, actions = action_choices(optioned, request.tools, query)
    chosen, unchosen = chosen_options(optioned, request.tools, query)
    meant, meanings = coded_values(chosen, request.tools, query)
    meant, expressions = expression_values(meant, request.tools, query)
    # a number any message or tool result wrote is the user's to give (`unwritten_numbers`)
    written = written_numbers_of(copy_sources(request.messages, ("system", "user", "tool")))
    lengths, timed_lengths = duration_values(meant, request.tools, query, written)
    if not request.gate_draft:  # a number the user said replaces a held one once decided
        lengths, said = said_lengths(lengths, request.tools, query, written)
        timed_lengths += said
    yearly, frequencies = frequency_values(lengths, request.tools, query, written)
    coded, codes = currency_codes(yearly, request.tools, query)
    stated, states = state_codes(coded, request.tools, query)
    calls, offs = negated_switches(stated, request.tools, query)
    notes = [*notes, *valued_notes, *own, *pastes, *given, *dated_notes, *timed_notes, *units]
    notes += [*named, *choices, *actions]
    notes += [*unchosen, *meanings, *expressions, *timed_lengths, *frequencies, *codes]
    notes += [*states, *offs]
    reshaped = _reshaped(model_turn, calls, notes)
    return reshaped if request.gate_draft else with_invented_values(reshaped, request)


def with_invented_values(model_turn: ModelTurn, request: TurnRequest) -> ModelTurn:
    """`model_turn` without what the model invented, when `example_shapes` is on: a value that
    holds none of the user's words where the user wrote one after naming its parameter is that
    one (`lamagent.gate.named_values.invented_values`), a required argument whose value is a
    placeholder takes the value the user wrote right before the parameter's name ("the user
    table": `lamagent.gate.named_before`), a value nobody wrote takes the one name of its
    parameter's kind the user wrote ("Ligue 1" for `league` as "Premier League":
    `lamagent.gate.kind_names`), an optional value that ran on past its parameter's default
    into what nobody wrote is the default (`lamagent.gate.past_defaults`), and the optional
    arguments whose values are placeholders or names nobody wrote
    (`lamagent.gate.placeholders`), switches set on that the user neither named nor spoke of
    (`lamagent.gate.switches.unasked_switches`) or numbers nobody wrote (the system prompt,
    the user, the tools' results: `lamagent.gate.unwritten_numbers`; a required one takes the
    default its description states) are left out, and the lists of the user's words hold
    them in the user's order, without the items the model added ("spaghetti" beside the
    user's "pasta" and "cheese": `lamagent.gate.user_items`); the ints of parameters that take
    floats are floats (`lamagent.gate.number_types`), as a tool receives them. For an ask
    drafted on its own (`TurnRequest.whole_request`), what the whole request writes is
    written, and a switch it speaks of is asked for ("... the Magna Carta and calculate how
    many years ago that event took place"). The call gate applies it to its draft once it has
    decided to call: what the model invented is evidence that the call does not fit."""
    if not _rules_apply(model_turn, request.params.example_shapes):
        return model_turn
    from lamagent.gate.kind_names import kind_names
    from lamagent.gate.named_before import named_before
    from lamagent.gate.named_values import invented_values
    from lamagent.gate.number_types import typed_numbers
    from lamagent.gate.past_defaults import past_defaults
    from lamagent.gate.placeholders import placeholder_values
    from lamagent.gate.signals import query_text
    from lamagent.gate.switches import unasked_switches
    from lamagent.gate.unwritten_numbers import unwritten_numbers
    from lamagent.gate.user_items import user_items

    query = query_text(request.messages)
    valued, valued_notes = invented_values(model_turn.turn.calls, request.tools, query)
    placed, before = named_before(valued, request.tools, query)
    # an ask drafted on its own: what the rest of the request writes is written too
    whole = [request.whole_request] if request.whole_request else []
    sources = [*copy_sources(request.messages), *whole]
    placed, kinds = kind_names(placed, request.tools, query, sources)
    placed, switches = unasked_switches(placed, request.tools, request.whole_request or query)
    kept, placeholders = placeholder_values(placed, request.tools, sources)
    defaulted, past = past_defaults(kept, request.tools, sources)
    written = [*copy_sources(request.messages, ("system", "user", "tool")), *whole]
    numbered, unwritten = unwritten_numbers(defaulted, request.tools, written)
    itemed, items = user_items(numbered, request.tools, query)
    calls, typed = typed_numbers(itemed, request.tools)
    notes = [*valued_notes, *before, *kinds, *switches, *placeholders, *past, *unwritten, *items]
    notes += typed
    return _reshaped(model_turn, calls, notes)


def with_said_values(model_turn: ModelTurn, request: TurnRequest) -> ModelTurn:
    """`model_turn` with each number the user did not give an argument replaced by the one
    the user said is its (`lamagent.gate.named_numbers`), by the length of time the user gave
    in its parameter's own unit (`lamagent.gate.durations.said_lengths`) and by the hour of the
    user's time on a 24-hour clock (`lamagent.gate.times.said_hours`), and each name the
    model began copying and made up by the name the user wrote (`lamagent.gate.mangled`),
    when `example_shapes` is on: the rules that replace a value the call holds with one the
    user said. Turns apply them where the values are read (`with_written_values`,
    `with_value_forms`); the call gate, whose draft keeps what the model invented as
    evidence, once it has decided to call."""
    if not _rules_apply(model_turn, request.params.example_shapes):
        return model_turn
    from lamagent.gate.durations import said_lengths
    from lamagent.gate.mangled import mangled_names
    from lamagent.gate.named_numbers import named_numbers
    from lamagent.gate.signals import query_text
    from lamagent.gate.times import said_hours
    from lamagent.gate.unwritten_numbers import written_numbers_of

    query = query_text(request.messages)
    named, notes = named_numbers(model_turn.turn.calls, request.tools, query)
    written = written_numbers_of(copy_sources(request.messages, ("system", "user", "tool")))
    lengthened, lengths = said_lengths(named, request.tools, query, written)
    houred, hours = said_hours(lengthened, request.tools, query)
    calls, mangled = mangled_names(houred, request.tools, copy_sources(request.messages), query)
    return _reshaped(model_turn, calls, [*notes, *lengths, *hours, *mangled])


def with_written_values(model_turn: ModelTurn, request: TurnRequest) -> ModelTurn:
    """`model_turn` with the values the model wrote in a loop cut back
    (`lamagent.gate.loops`), the values it opened or closed with a list's separator as what
    stands between (`lamagent.gate.separators`), the numbers it began copying as the user
    wrote them (the sign, every digit: `lamagent.gate.numbers`), each number the user wrote
    once kept by one argument (`lamagent.gate.shared_numbers`), the numbers the user did not
    give an argument replaced by the one the user said is its (`lamagent.gate.named_numbers`),
    the names it began copying and made up as the names the user wrote ("Machete" for "Messi":
    `lamagent.gate.mangled`; neither in the call gate's draft: `with_said_values`), numbered
    arguments in the order the user wrote their values (`lamagent.gate.ordered`), the values
    that ran on into another argument's cut where it begins (`lamagent.gate.overruns`), the
    values that end with the word of their parameter's kind cut where it begins ("Sierra
    Nevada brewery" for a `brewery`: `lamagent.gate.kinds`), the values it began copying
    late, from inside one of the user's words or names, as that word or name
    ("~/data/x.nii" for "data/x.nii", "La Liga" for "Liga": `lamagent.gate.identifiers`),
    the names it wrote in another order as the user wrote them ("Museum of the Louvre" for
    "Louvre Museum": `lamagent.gate.reordered`), where-from and where-to pairs that hold one
    value at both ends, both in one or one beside words nobody wrote read as the user wrote
    them (`lamagent.gate.both_ends`) and in the user's direction
    (`lamagent.gate.directed`), the lists it began copying cut where the user's end
    (`lamagent.gate.written_lists`) and the points the user wrote in parentheses as written
    (`lamagent.gate.tuples`), when `example_shapes` is on."""
    if not _rules_apply(model_turn, request.params.example_shapes):
        return model_turn
    from lamagent.gate.both_ends import filled_ends
    from lamagent.gate.directed import directed_values
    from lamagent.gate.identifiers import whole_identifiers
    from lamagent.gate.kinds import kindless_values
    from lamagent.gate.loops import looped_values
    from lamagent.gate.mangled import mangled_names
    from lamagent.gate.named_numbers import named_numbers
    from lamagent.gate.numbers import written_numbers
    from lamagent.gate.ordered import ordered_values
    from lamagent.gate.overruns import overrun_values
    from lamagent.gate.reordered import reordered_names
    from lamagent.gate.separators import trimmed_separators
    from lamagent.gate.shared_numbers import shared_numbers
    from lamagent.gate.signals import query_text
    from lamagent.gate.tuples import tuple_values
    from lamagent.gate.written_lists import written_lists

    query = query_text(request.messages)
    sources = copy_sources(request.messages)
    unlooped, looped = looped_values(model_turn.turn.calls, sources)
    unopened, opened = trimmed_separators(unlooped, sources)
    numbers, noted = written_numbers(unopened, query)
    given, shared = shared_numbers(numbers, request.tools, query)
    # what the model invented weighs in the gate's decision: its draft keeps it; else the
    # numbers the user named and the names it made up are the user's, before the lists read
    told, said = given, list[str]()
    if not request.gate_draft:
        numbered, said = named_numbers(given, request.tools, query)
        told, mangled = mangled_names(numbered, request.tools, sources, query)
        said += mangled
    ordered, reordered = ordered_values(told, query)
    ended, overran = overrun_values(ordered, query)
    kindless, kinds = kindless_values(ended, request.tools, query)
    wholes, whole = whole_identifiers(kindless, sources, request.tools)
    in_order, orders = reordered_names(wholes, request.tools, query)
    filled, read = filled_ends(in_order, query)
    directed, swapped = directed_values(filled, query)
    listed, cut = written_lists(directed, query)
    calls, pointed = tuple_values(listed, request.tools, query)
    notes = [
        *looped,
        *opened,
        *noted,
        *shared,
        *said,
        *reordered,
        *overran,
        *kinds,
        *whole,
        *orders,
        *read,
        *swapped,
        *cut,
        *pointed,
    ]
    return _reshaped(model_turn, calls, notes)


def _reshaped(model_turn: ModelTurn, calls: list[ToolCall], notes: list[str]) -> ModelTurn:
    """`model_turn` with `calls`, its notes of reshaped values followed by `notes`."""
    if not notes:
        return model_turn
    return dataclasses.replace(
        model_turn,
        turn=model_turn.turn.model_copy(update={"calls": calls}),
        reshaped=(*model_turn.reshaped, *notes),
    )


def _made(messages: Sequence[MessageLike]) -> list[ToolCall]:
    """The calls made since the last user message (earlier steps of the same request)."""
    made: list[ToolCall] = []
    for message in to_messages(messages):
        if message.role == "user":
            made = []
        elif message.role == "assistant":
            made.extend(message.tool_calls)
    return made


def combined_generation(first: Generation, final: Generation) -> Generation:
    """`final`, with the tokens and seconds of `first` (a generation thrown away) added."""
    usage = first.usage + final.usage
    timings = dict(final.timings)
    for name, seconds in first.timings.items():
        timings[name] = timings.get(name, 0.0) + seconds
    copy = final.copy_bias or first.copy_bias  # the first's, when only the first had one
    return final.model_copy(update={"usage": usage, "timings": timings, "copy_bias": copy})


def _chat_turn(message: Message, generation: Generation, fmt: Format) -> AssistantTurn:
    if message.tool_calls:
        thought = message.content if isinstance(message.content, str) else ""
        return AssistantTurn(thought=thought, calls=message.tool_calls, raw=generation.text)
    content = message.content if isinstance(message.content, str) else ""
    return fmt.parse(content)


async def _emit_text(events: Sequence[StreamEvent], on_text: OnText) -> None:
    for event in events:
        if isinstance(event, TextPiece) and event.text:
            await on_text(event.text)


def resolve_format(backend: ModelBackend | None, format: FormatChoice = None) -> Format:
    """The Format asked for, else the one chosen for the backend, else detected from the model.

    With a backend, the Format also keeps the model's own control tokens out of data.
    """
    from lamagent import formats
    from lamagent.formats.base import Format

    choice = format if format is not None else (backend.format if backend is not None else None)
    if choice is not None and not isinstance(choice, (str, Format)):
        raise ConfigError(f"format must be a Format or a format name, not {type(choice).__name__}")
    if backend is None:
        return formats.get(choice) if isinstance(choice, str) else choice or formats.get(DEFAULT)
    return formats.resolve(choice, backend.info)


def turn_source(backend: ModelBackend, format: FormatChoice = None) -> TurnSource:
    """Resolve a backend (and the Format for it) into the TurnSource that drives it."""
    if isinstance(backend, Backend):
        return PromptTurns(backend, resolve_format(backend, format))
    if isinstance(backend, ChatBackend):
        return ChatTurns(backend, resolve_format(backend, format))
    raise ConfigError(
        f"{type(backend).__name__} is neither a Backend (prompt in, text out) nor a ChatBackend "
        "(messages in, an assistant message out)"
    )


__all__ = [
    "ChatTurns",
    "ModelTurn",
    "OnRaw",
    "OnText",
    "PromptTurns",
    "TurnRequest",
    "TurnSource",
    "combined_generation",
    "copy_sources",
    "resolve_format",
    "turn_source",
]
