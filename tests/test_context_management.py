"""Context management: a conversation longer than the model's window still gets answers, and
repeated calls across turns are noticed."""

from __future__ import annotations

from typing import Any

import pytest

from lamagent import Agent, ModelInfo, ScriptedBackend, ToolCall, tool
from lamagent.agent import ContextPolicy, RepeatPolicy
from lamagent.messages import Message
from lamagent.trajectory import MemoryStore

WINDOW = 1500  # the scripted backend counts words as tokens


@tool
def read_page(page: int) -> str:
    """Read one page of the report."""
    return f"page {page}: " + " ".join(f"fact{page}_{i}" for i in range(400))


def reading(pages: int, answer: str = "The report is about facts.") -> ScriptedBackend:
    replies: list[Any] = [[ToolCall(name="read_page", arguments={"page": p})] for p in range(pages)]
    info = ModelInfo(model_id="scripted", context_length=WINDOW)
    return ScriptedBackend.calls([*replies, answer], model_info=info)


def words(prompt: str) -> int:
    return len(prompt.split())


def test_old_tool_results_are_shortened_so_the_prompt_fits() -> None:
    backend = reading(5)
    store = MemoryStore()
    agent = Agent(backend, tools=[read_page], system_prompt="You summarise reports.", store=store)
    result = agent.run("Summarise the report")

    assert result.outcome == "answer", result.error
    assert all(words(prompt) < WINDOW for prompt, _ in backend.requests)
    cut = [s.context for s in result.trajectory.steps if s.context is not None]
    assert cut, "the conversation outgrew the window, so some turn must have been cut"
    first = cut[0]
    assert first.tokens_after <= first.limit < first.tokens_before
    assert first.shortened[0] == result.trajectory.steps[0].calls[0].call_id  # oldest first
    last_prompt = backend.requests[-1][0]
    # kept: the system prompt, the tools, the query and the latest results, whole
    assert "You summarise reports." in last_prompt and '"read_page"' in last_prompt
    assert "Summarise the report" in last_prompt
    assert read_page.fn(4) in last_prompt  # type: ignore[misc]
    assert "characters cut to fit the context window" in last_prompt
    # the record keeps everything; the stored step says what its prompt left out
    assert result.trajectory.steps[0].calls[0].result == read_page.fn(0)  # type: ignore[misc]
    stored = store.get(result.trajectory.id)
    assert stored is not None and stored.steps[-1].context is not None


def test_old_turns_are_dropped_when_shortening_is_not_enough() -> None:
    backend = reading(8)
    policy = ContextPolicy(shorten_to=2000, keep_last_turns=1)  # shortening cannot help
    result = Agent(backend, tools=[read_page], context=policy).run("Summarise the report")
    assert result.outcome == "answer", result.error
    dropped = [d for s in result.trajectory.steps if s.context for d in s.context.dropped]
    assert dropped and any(d.startswith("assistant") for d in dropped)
    last_prompt = backend.requests[-1][0]
    assert "Summarise the report" in last_prompt  # the query is never dropped
    assert "fact0_1 " not in last_prompt and read_page.fn(7) in last_prompt  # type: ignore[misc]


def test_strategy_error_keeps_the_overflow() -> None:
    backend = reading(5)
    agent = Agent(backend, tools=[read_page], context=ContextPolicy(strategy="error"))
    result = agent.run("Summarise the report")
    assert result.outcome == "error" and "ContextOverflowError" in (result.error or "")


def test_a_session_outgrowing_the_window_keeps_answering() -> None:
    info = ModelInfo(model_id="scripted", context_length=WINDOW)
    replies: list[Any] = []
    for page in range(4):
        replies += [[ToolCall(name="read_page", arguments={"page": page})], f"Read page {page}."]
    backend = ScriptedBackend.calls(replies, model_info=info)
    session = Agent(backend, tools=[read_page]).session()
    for page in range(4):
        result = session.send(f"Read page {page}")
        assert result.outcome == "answer" and result.answer == f"Read page {page}."
    assert "Read page 3" in backend.requests[-1][0]
    assert all(words(prompt) < WINDOW for prompt, _ in backend.requests)


def test_a_backend_overflow_the_count_missed_is_retried_with_a_tighter_cut() -> None:
    """With no window reported, the backend's ContextOverflowError still triggers a cut."""

    class HiddenWindow(ScriptedBackend):
        @property
        def info(self) -> ModelInfo:
            return ModelInfo(model_id="scripted")  # no context_length to plan with

        async def astream(self, prompt: str, params: Any) -> Any:
            if words(prompt) >= WINDOW:
                from lamagent.errors import ContextOverflowError

                self.requests.append((prompt, params))
                raise ContextOverflowError(f"{words(prompt)} words do not fit")
            async for item in super().astream(prompt, params):
                yield item

    replies = [[ToolCall(name="read_page", arguments={"page": p})] for p in range(5)]
    outputs = ScriptedBackend.calls([*replies, "Done."])
    backend = HiddenWindow(outputs._outputs or [])
    result = Agent(backend, tools=[read_page]).run("Summarise the report")
    assert result.outcome == "answer", result.error
    assert any(s.context is not None for s in result.trajectory.steps)


@tool
def lookup(city: str) -> dict:
    """Population of a city."""
    return {"city": city, "population": 513000}


def test_repeated_calls_across_turns_get_a_nudge_then_stop_the_run() -> None:
    same = [ToolCall(name="lookup", arguments={"city": "Lyon"})]
    backend = ScriptedBackend.calls([same, same, same, same, "never reached"])
    result = Agent(backend, tools=[lookup]).run("Population of Lyon?")
    assert result.outcome == "loop" and "4 turns in a row" in (result.error or "")
    steps = result.trajectory.steps
    assert [s.nudge is not None for s in steps] == [False, False, True, True]
    assert "same arguments 3 turns in a row" in (steps[2].nudge or "")
    assert "Do not repeat it" in backend.requests[3][0]  # the model read the nudge


def test_a_different_call_or_a_user_reply_breaks_the_streak() -> None:
    lyon = [ToolCall(name="lookup", arguments={"city": "Lyon"})]
    nice = [ToolCall(name="lookup", arguments={"city": "Nice"})]
    backend = ScriptedBackend.calls([lyon, lyon, nice, lyon, lyon, "Done."])
    result = Agent(backend, tools=[lookup], max_steps=10).run("Populations?")
    assert result.outcome == "answer"
    assert all(s.nudge is None for s in result.trajectory.steps)

    policy = RepeatPolicy(nudge_after=2, stop_after=3)
    backend = ScriptedBackend.calls([lyon, lyon, "Asked.", lyon, "Done."])
    session = Agent(backend, tools=[lookup], repeats=policy).session()
    first = session.send("Lyon?")
    assert first.outcome == "answer" and first.trajectory.steps[1].nudge is not None
    second = session.send("Lyon again?")  # the user asked again: not a loop
    assert second.outcome == "answer" and second.trajectory.steps[3].nudge is None


def test_repeat_policy_checks_its_order() -> None:
    with pytest.raises(ValueError, match="stop_after"):
        RepeatPolicy(nudge_after=4, stop_after=3)


def test_messages_are_cut_only_in_the_prompt() -> None:
    backend = reading(5)
    result = Agent(backend, tools=[read_page]).run("Summarise the report")
    full = [m for m in result.messages if m.role == "tool"]
    assert all(isinstance(m.content, str) and "cut to fit" not in m.content for m in full)
    assert isinstance(result.messages[0], Message)


# -- the real engine ---------------------------------------------------------------------------


def _report(page: int) -> str:
    return f"Report page {page}. " + " ".join(
        f"Item {page}.{i} was delivered on time." for i in range(40)
    )


@tool
def fetch_report(page: int) -> str:
    """Fetch one page of the delivery report."""
    return _report(page)


def _fetched_history(pages: int) -> list[dict[str, Any]]:
    """An earlier conversation in which the model fetched `pages` report pages."""
    history: list[dict[str, Any]] = [{"role": "user", "content": "Fetch the delivery report."}]
    for page in range(pages):
        call_id = f"call_page_{page}"
        call = {"name": "fetch_report", "arguments": {"page": page}}
        history.append(
            {"role": "assistant", "content": None, "tool_calls": [{"id": call_id, **call}]}
        )
        history.append({"role": "tool", "tool_call_id": call_id, "content": _report(page)})
    history.append({"role": "assistant", "content": f"I fetched {pages} pages of the report."})
    return history


@pytest.mark.gguf
@pytest.mark.slow
def test_a_conversation_outgrowing_the_embedded_models_context_still_answers() -> None:
    """SmolLM2 with a 1024-token window and a conversation of about 1,300 tokens: old report
    pages are cut from the prompt, the model answers, and a cut prompt (no longer an extension
    of the previous one) generates exactly what it generates from a cold cache."""
    pytest.importorskip("llama_cpp")
    from lamagent.backends.llamacpp import LlamaCppBackend
    from lamagent.models import default_gguf_path

    backend = LlamaCppBackend(default_gguf_path(), n_ctx=1024, n_threads=2)
    seen: list[tuple[str, Any]] = []
    stream = backend.astream

    def recording(prompt: str, params: Any) -> Any:
        seen.append((prompt, params))
        return stream(prompt, params)

    backend.astream = recording  # type: ignore[method-assign]
    agent = Agent(backend, tools=[fetch_report], tool_choice="none", max_steps=1, max_tokens=8)
    history = _fetched_history(3)
    full = len(
        backend.tokenize(
            agent.format.render([Message.from_dict(m) for m in history], list(agent.toolbox))
        )
    )
    assert full > 1024  # the conversation alone does not fit the window
    session = agent.session(history=history)
    first = session.send("How many pages did you fetch?")
    # a long message: now page 2 must be cut too, so this prompt is no extension of the last
    second = session.send("Which page came last? Page 3 starts: " + _report(3)[:700])

    for result in (first, second):
        assert result.outcome == "answer" and result.answer, result.error
    traj = session.trajectory
    assert traj is not None
    cuts = [s.context for s in traj.steps]
    assert all(c is not None and c.shortened for c in cuts), cuts
    assert all(len(backend.tokenize(p)) <= 1024 - 8 for p, _ in seen)
    assert "call_page_0" in cuts[0].shortened  # type: ignore[union-attr]
    assert "call_page_2" in cuts[1].shortened and "call_page_2" not in cuts[0].shortened  # type: ignore[union-attr]
    assert "Which page came last?" in seen[1][0] and "Fetch the delivery report." in seen[1][0]

    # KV reuse after a cut: the warm cache and a cold one give the same tokens
    prompt, params = seen[1]
    backend.reset_cache()
    cold = backend.generate(prompt, params)
    assert cold.text == traj.steps[1].raw_output
    assert cold.usage.evaluated_tokens == cold.usage.prompt_tokens
