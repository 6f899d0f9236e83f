"""OpenTelemetry spans of runs on the scripted backend, captured by the SDK's in-memory exporter."""

from __future__ import annotations

import json

import anyio
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from lamagent import Agent, ScriptedBackend, ToolCall, tool
from lamagent.events import Event, RunFinished, StepFinished, ToolCallEvent, ToolResultEvent
from lamagent.tracing import OTelTracer


@tool
def get_weather(city: str) -> dict:
    """Current weather for a city.

    Args:
        city: the city name
    """
    return {"city": city, "temperature": 21}


@tool
def explode(reason: str) -> str:
    """A tool that always fails."""
    raise RuntimeError(f"boom: {reason}")


def call(name: str, **arguments: object) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def by_name(spans: tuple[ReadableSpan, ...], prefix: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name.startswith(prefix)]


def test_run_turns_and_tools_become_nested_genai_spans(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    backend = ScriptedBackend.calls([[call("get_weather", city="Paris")], "It is 21 C in Paris."])
    agent = Agent(backend, tools=[get_weather], observers=[OTelTracer(provider)])
    result = agent.run("Weather in Paris?")
    spans = exporter.get_finished_spans()

    [run] = by_name(spans, "invoke_agent")
    turns = by_name(spans, "text_completion")
    [tool_span] = by_name(spans, "execute_tool")
    assert len(spans) == 4 and len(turns) == 2
    assert run.parent is None and run.kind is SpanKind.INTERNAL
    assert run.attributes is not None
    assert run.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert run.attributes["gen_ai.request.model"] == "scripted"
    assert run.attributes["gen_ai.conversation.id"] == result.trajectory.unique_trajectory_id
    assert run.attributes["gen_ai.usage.input_tokens"] == result.usage.prompt_tokens > 0
    assert run.attributes["gen_ai.usage.output_tokens"] == result.usage.completion_tokens > 0
    assert run.attributes["lamagent.outcome"] == "answer"
    assert run.status.status_code is StatusCode.UNSET

    for child in (*turns, tool_span):
        assert child.parent is not None and child.parent.span_id == run.context.span_id
        assert child.context.trace_id == run.context.trace_id
        assert run.start_time <= child.start_time <= child.end_time <= run.end_time

    steps = result.trajectory.steps
    for turn, step in zip(turns, steps, strict=True):
        assert turn.name == "text_completion scripted" and turn.kind is SpanKind.CLIENT
        assert turn.attributes is not None
        assert turn.attributes["gen_ai.operation.name"] == "text_completion"
        assert turn.attributes["gen_ai.usage.input_tokens"] == step.usage.prompt_tokens
        assert turn.attributes["gen_ai.usage.output_tokens"] == step.usage.completion_tokens
        assert turn.attributes["lamagent.step_id"] == step.step_id
    # the tool ran after the first turn and before the second
    assert turns[0].end_time <= tool_span.start_time <= turns[1].start_time

    record = steps[0].calls[0]
    assert tool_span.name == "execute_tool get_weather"
    assert tool_span.attributes is not None
    assert tool_span.attributes["gen_ai.operation.name"] == "execute_tool"
    assert tool_span.attributes["gen_ai.tool.name"] == "get_weather"
    assert tool_span.attributes["gen_ai.tool.call.id"] == record.call_id
    assert "gen_ai.tool.call.arguments" not in tool_span.attributes  # content is opt-in
    assert tool_span.status.status_code is StatusCode.UNSET
    assert record.seconds is not None
    assert (tool_span.end_time - tool_span.start_time) == pytest.approx(
        record.seconds * 1e9, abs=1e3
    )


def test_failing_tool_and_unknown_tool_are_error_spans(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    backend = ScriptedBackend.calls(
        [[call("explode", reason="test"), call("get_wether", city="Oslo")], "sorry"]
    )
    Agent(backend, tools=[explode, get_weather], observers=[OTelTracer(provider)]).run("go")
    tools = {s.name: s for s in by_name(exporter.get_finished_spans(), "execute_tool")}

    failed = tools["execute_tool explode"]
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.status.description is not None and "boom: test" in failed.status.description
    assert failed.attributes is not None and failed.attributes["error.type"] == "exception"

    unknown = tools["execute_tool get_wether"]
    assert unknown.status.status_code is StatusCode.ERROR
    assert unknown.attributes is not None and unknown.attributes["error.type"] == "unknown_tool"
    assert unknown.end_time == unknown.start_time  # never ran


def test_a_run_without_an_answer_is_an_error_span(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    backend = ScriptedBackend.calls([[call("get_weather", city="Rome")]] * 3)
    tracer = OTelTracer(provider, operation="chat", provider_name="vllm", agent_name="forecaster")
    result = Agent(backend, tools=[get_weather], max_steps=2, observers=[tracer]).run("loop")
    assert result.outcome == "max_steps"
    spans = exporter.get_finished_spans()
    [run] = by_name(spans, "invoke_agent")
    assert run.name == "invoke_agent forecaster"
    assert run.attributes is not None
    assert run.attributes["gen_ai.agent.name"] == "forecaster"
    assert run.attributes["gen_ai.provider.name"] == "vllm"
    assert run.attributes["error.type"] == "max_steps"
    assert run.status.status_code is StatusCode.ERROR
    assert [s.name for s in by_name(spans, "chat")] == ["chat scripted", "chat scripted"]


def test_unreadable_output_marks_the_model_turn(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    backend = ScriptedBackend(['[{"name": "get_weather", "arguments": {"city": ', "fine"])
    Agent(backend, tools=[get_weather], observers=[OTelTracer(provider)]).run("weather")
    first, second = by_name(exporter.get_finished_spans(), "text_completion")
    assert first.attributes is not None and first.attributes["error.type"] == "parse_error"
    assert first.status.status_code is StatusCode.ERROR
    assert second.status.status_code is StatusCode.UNSET


def test_capture_content_records_arguments_and_results(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    backend = ScriptedBackend.calls([[call("get_weather", city="Lima")], "ok"])
    tracer = OTelTracer(provider, capture_content=True)
    Agent(backend, tools=[get_weather], observers=[tracer]).run("Lima?")
    [span] = by_name(exporter.get_finished_spans(), "execute_tool")
    assert span.attributes is not None
    assert json.loads(str(span.attributes["gen_ai.tool.call.arguments"])) == {"city": "Lima"}
    result = json.loads(str(span.attributes["gen_ai.tool.call.result"]))
    assert result == {"city": "Lima", "temperature": 21}


def test_each_session_turn_is_its_own_run_span(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    backend = ScriptedBackend.calls(
        [[call("get_weather", city="Paris")], "Which unit?", "21 degrees Celsius."]
    )
    session = Agent(backend, tools=[get_weather], observers=[OTelTracer(provider)]).session()
    session.send("Weather in Paris?")
    session.send("Celsius")
    spans = exporter.get_finished_spans()
    runs = by_name(spans, "invoke_agent")
    assert len(runs) == 2
    assert session.trajectory is not None
    ids = {r.attributes["gen_ai.conversation.id"] for r in runs if r.attributes}
    assert ids == {session.trajectory.unique_trajectory_id}
    children = {
        r.context.span_id: sorted(
            s.name for s in spans if s.parent and s.parent.span_id == r.context.span_id
        )
        for r in runs
    }
    assert children[runs[0].context.span_id] == [
        "execute_tool get_weather",
        "text_completion scripted",
        "text_completion scripted",
    ]
    assert children[runs[1].context.span_id] == ["text_completion scripted"]


def test_nothing_is_exported_without_a_configured_provider(
    exporter: InMemorySpanExporter,
) -> None:
    # a provider exists but is neither global nor passed in: lamagent must not find it
    TracerProvider().add_span_processor(SimpleSpanProcessor(exporter))
    before = trace.get_tracer_provider()
    backend = ScriptedBackend.calls([[call("get_weather", city="Paris")], "sunny"])
    result = Agent(backend, tools=[get_weather], observers=[OTelTracer()]).run("Paris?")
    assert result.ok
    assert exporter.get_finished_spans() == ()
    assert trace.get_tracer_provider() is before  # lamagent installed no provider
    assert type(before).__name__ == "ProxyTracerProvider"


def test_observers_see_every_event_sync_or_async() -> None:
    seen: list[str] = []
    later: list[Event] = []

    def sync_observer(event: Event) -> None:
        seen.append(type(event).__name__)

    async def async_observer(event: Event) -> None:
        await anyio.sleep(0)
        later.append(event)

    backend = ScriptedBackend.calls([[call("get_weather", city="Oslo")], "cold"])
    agent = Agent(backend, tools=[get_weather], observers=[sync_observer, async_observer])
    streamed = [type(e).__name__ for e in agent.stream("Oslo?")]
    assert seen == streamed
    kinds = [type(e) for e in later]
    assert kinds.index(ToolCallEvent) < kinds.index(ToolResultEvent) < kinds.index(StepFinished)
    assert isinstance(later[-1], RunFinished) and later[-1].result.answer == "cold"


class BrokenTracer:
    def start_span(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError("exporter misconfigured")


class BrokenProvider:
    def get_tracer(self, *args: object, **kwargs: object) -> BrokenTracer:
        return BrokenTracer()


def test_a_failing_tracer_is_logged_and_the_run_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    backend = ScriptedBackend.calls([[call("get_weather", city="Rome")], "warm"])
    tracer = OTelTracer(BrokenProvider())  # type: ignore[arg-type]
    result = Agent(backend, tools=[get_weather], observers=[tracer]).run("Rome?")
    assert result.answer == "warm"
    assert "could not record the run's spans" in caplog.text
    assert "exporter misconfigured" in caplog.text


def test_the_run_span_joins_the_callers_trace(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    backend = ScriptedBackend.calls(["hello"])
    agent = Agent(backend, observers=[OTelTracer(provider)])
    with provider.get_tracer("app").start_as_current_span("handle request") as request:
        agent.run("hi")
    [run] = by_name(exporter.get_finished_spans(), "invoke_agent")
    assert run.parent is not None
    assert run.parent.span_id == request.get_span_context().span_id
    assert run.context.trace_id == request.get_span_context().trace_id


def test_a_turn_cut_short_by_the_wall_time_limit_is_an_incomplete_span(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    backend = ScriptedBackend(["one two three four five six seven eight"], delay=0.1)
    agent = Agent(backend, max_wall_time=0.25, observers=[OTelTracer(provider)])
    result = agent.run("count")
    assert result.outcome == "timeout"
    spans = exporter.get_finished_spans()
    [run] = by_name(spans, "invoke_agent")
    [turn] = by_name(spans, "text_completion")
    assert run.attributes is not None and run.attributes["error.type"] == "timeout"
    assert turn.attributes is not None and turn.attributes["error.type"] == "incomplete"
    assert turn.parent is not None and turn.parent.span_id == run.context.span_id
    assert run.start_time <= turn.start_time <= turn.end_time <= run.end_time
