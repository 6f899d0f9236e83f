"""OpenTelemetry spans for agent runs, named after the OpenTelemetry GenAI semantic conventions.

    from lamagent.tracing import OTelTracer
    agent = Agent(model, tools=[...], observers=[OTelTracer()])

`OTelTracer` is an event observer: when a run finishes (`RunFinished`) it writes one
`invoke_agent` span for the run with, as its children, one `text_completion` (or `chat`) span
per model turn and one `execute_tool` span per call, timed from the recorded steps. It uses only
the OpenTelemetry API: without a configured `TracerProvider` (the global one, or one passed in)
the spans go nowhere, and lamagent never installs a provider or exporter itself. Install the
`lamagent[otel]` extra.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Literal

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, TracerProvider

from lamagent.events import Event, RunFinished
from lamagent.records import CallRecord
from lamagent.result import RunResult
from lamagent.trajectory import Step

__all__ = ["OTelTracer"]

_log = logging.getLogger(__name__)

# GenAI semantic-convention attribute names (spelled here: the conventions package is incubating).
OPERATION = "gen_ai.operation.name"
PROVIDER = "gen_ai.provider.name"
AGENT_NAME = "gen_ai.agent.name"
CONVERSATION_ID = "gen_ai.conversation.id"
REQUEST_MODEL = "gen_ai.request.model"
INPUT_TOKENS = "gen_ai.usage.input_tokens"
OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
TOOL_NAME = "gen_ai.tool.name"
TOOL_CALL_ID = "gen_ai.tool.call.id"
TOOL_TYPE = "gen_ai.tool.type"
TOOL_ARGUMENTS = "gen_ai.tool.call.arguments"
TOOL_RESULT = "gen_ai.tool.call.result"
ERROR_TYPE = "error.type"

ModelOperation = Literal["text_completion", "chat"]
_NS = 1_000_000_000


class OTelTracer:
    """Turns each finished run into OpenTelemetry spans (an observer for `Agent(observers=...)`).

    Args:
        tracer_provider: where spans go; None: the global provider (a no-op until the
            application configures one).
        operation: the model-turn operation name: "text_completion" for prompt-completion
            backends (GGUF, transformers, a server's completions API), "chat" for a chat API.
        provider_name: `gen_ai.provider.name` (e.g. "llama.cpp", "vllm"); omitted when None.
        agent_name: `gen_ai.agent.name`, also appended to the run span's name.
        capture_content: also record each call's arguments and result (may hold personal or
            secret data, so off by default, as the conventions advise).
    """

    def __init__(
        self,
        tracer_provider: TracerProvider | None = None,
        *,
        operation: ModelOperation = "text_completion",
        provider_name: str | None = None,
        agent_name: str | None = None,
        capture_content: bool = False,
    ) -> None:
        self._tracer: Tracer = trace.get_tracer("lamagent", tracer_provider=tracer_provider)
        self.operation = operation
        self.provider_name = provider_name
        self.agent_name = agent_name
        self.capture_content = capture_content

    async def __call__(self, event: Event) -> None:
        if not isinstance(event, RunFinished):
            return
        try:
            self._record_run(event.result, end_ns=time.time_ns())
        except Exception:  # tracing must never break a run
            _log.exception("lamagent: could not record the run's spans")

    def _record_run(self, result: RunResult, *, end_ns: int) -> None:
        """Write the spans of one finished run that ended at `end_ns` (epoch nanoseconds)."""
        start_ns = end_ns - int(result.timings.get("total", 0.0) * _NS)
        trajectory = result.trajectory
        steps = _steps_of_run(trajectory.steps, result.steps)
        if steps:
            start_ns = min(start_ns, _ns(steps[0].started_at))
        common = self._common(trajectory.model_id)
        name = "invoke_agent" + (f" {self.agent_name}" if self.agent_name else "")
        attributes: dict[str, Any] = {
            **common,
            OPERATION: "invoke_agent",
            CONVERSATION_ID: trajectory.unique_trajectory_id,
            INPUT_TOKENS: result.usage.prompt_tokens,
            OUTPUT_TOKENS: result.usage.completion_tokens,
            "lamagent.outcome": result.outcome,
            "lamagent.steps": result.steps,
        }
        if self.agent_name:
            attributes[AGENT_NAME] = self.agent_name
        run = self._tracer.start_span(
            name, kind=SpanKind.INTERNAL, attributes=attributes, start_time=start_ns
        )
        if result.outcome != "answer":
            _fail(run, result.outcome, result.error or result.outcome)
        context = trace.set_span_in_context(run)
        for step in steps:
            self._record_step(step, common, context, end_ns)
        run.end(end_time=end_ns)

    def _common(self, model_id: str | None) -> dict[str, Any]:
        common: dict[str, Any] = {}
        if model_id:
            common[REQUEST_MODEL] = model_id
        if self.provider_name:
            common[PROVIDER] = self.provider_name
        return common

    def _record_step(
        self, step: Step, common: dict[str, Any], context: Context, run_end_ns: int
    ) -> None:
        start = _ns(step.started_at)
        timings = step.timings
        partial = "generate" not in timings
        model_end = (
            run_end_ns
            if partial
            else start + int((timings.get("render", 0.0) + timings["generate"]) * _NS)
        )
        model_end = min(model_end, run_end_ns)
        model = common.get(REQUEST_MODEL)
        turn = self._tracer.start_span(
            f"{self.operation} {model}" if model else self.operation,
            context=context,
            kind=SpanKind.CLIENT,
            attributes={
                **common,
                OPERATION: self.operation,
                INPUT_TOKENS: step.usage.prompt_tokens,
                OUTPUT_TOKENS: step.usage.completion_tokens,
                "lamagent.step_id": step.step_id,
                "lamagent.usage.evaluated_tokens": step.usage.evaluated_tokens,
            },
            start_time=start,
        )
        if step.parse_error is not None:
            _fail(turn, "parse_error", step.parse_error)
        elif partial:
            _fail(turn, "incomplete", "the run stopped during this turn")
        turn.end(end_time=model_end)
        for record in step.calls:
            self._record_call(record, step.step_id, context, model_end, run_end_ns)

    def _record_call(
        self, record: CallRecord, step_id: int, context: Context, start: int, run_end_ns: int
    ) -> None:
        name = str(record.name)
        attributes: dict[str, Any] = {
            OPERATION: "execute_tool",
            TOOL_NAME: name,
            TOOL_CALL_ID: record.call_id,
            TOOL_TYPE: "function",
            "lamagent.step_id": step_id,
            "lamagent.call.index": record.index,
        }
        if record.repairs:
            attributes["lamagent.call.repairs"] = [r.argument for r in record.repairs]
        if record.duplicate_of is not None:
            attributes["lamagent.call.duplicate_of"] = record.duplicate_of
        if self.capture_content:
            attributes[TOOL_ARGUMENTS] = _json(record.effective.get("arguments"))
            attributes[TOOL_RESULT] = _json(record.result)
        span = self._tracer.start_span(
            f"execute_tool {name}",
            context=context,
            kind=SpanKind.INTERNAL,
            attributes=attributes,
            start_time=start,
        )
        if record.error is not None:
            _fail(span, record.error.kind, record.error.message)
        end = start + int((record.seconds or 0.0) * _NS)
        span.end(end_time=min(end, run_end_ns))


def _steps_of_run(steps: list[Step], finished: int) -> list[Step]:
    """The last `finished` steps, plus the step the run stopped in when it was cut short.

    A session's trajectory also holds the steps of its earlier turns; a step cut short is
    recorded without the phase timings a finished step always has.
    """
    count = finished + (1 if steps and "generate" not in steps[-1].timings else 0)
    return steps[len(steps) - count :] if count else []


def _ns(seconds: float) -> int:
    return int(seconds * _NS)


def _fail(span: Span, kind: str, message: str) -> None:
    """Mark a span as failed: `error.type` (low-cardinality kind) plus an error status."""
    span.set_attribute(ERROR_TYPE, kind)
    span.set_status(Status(StatusCode.ERROR, message))


def _json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)
