"""xLAM-1 prompts: the whole task in one user message, in sections, history as JSON steps.

Two families share the sections and differ in the turn syntax and the output shape:
- "xlam1-fc" (xLAM-1b-fc-r, xLAM-7b-fc-r; DeepSeek-Coder fine-tunes): `### Instruction:` /
  `### Response:` turns, stop `<|EOT|>`, output `{"tool_calls": [...]}`.
- "xlam1" (general xLAM-7b-r, 8x7b-r, 8x22b-r; Mistral/Mixtral fine-tunes): `[INST] ... [/INST]`
  turns, output `{"thought": "...", "tool_calls": [...]}`.

The conversation maps to the sections like this: the first system message goes before the
sections (as the official client puts it), the first user message is the query, and every
assistant message is a history step `{"step_id", "thought", "tool_calls", "next_observation",
"user_input"}`; the tool results after it are its `next_observation` (a list, in call order)
and a later user message is its `user_input`.

Append-only holds for one step only: a conversation that ends with an assistant message renders
that message as the response turn, so `render(msgs) + render_assistant(reply) + end_of_turn ==
render(msgs + [reply], add_generation_prompt=False)`. Once tool results follow, the reply moves
into the history steps inside the single user message, so the next prompt does not start with
the previous one (the KV cache cannot be reused across steps with these models).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from lamagent.errors import FormatError
from lamagent.formats.base import Format
from lamagent.formats.conversation import message_text, read_messages
from lamagent.formats.grammar import CallShape
from lamagent.formats.parse import parse_output
from lamagent.formats.specs import tool_specs
from lamagent.formats.stream import CallStreamParser
from lamagent.formats.stream_events import StreamParser
from lamagent.messages import AssistantTurn, Message, MessageLike

if TYPE_CHECKING:
    from lamagent.tools import Tool

# The fc models' instructions, verbatim from the usage example of the Hugging Face model card of
# Salesforce/xLAM-1b-fc-r (and xLAM-7b-fc-r), including the spaces before the line breaks of the
# task instruction. (Berkeley's leaderboard handler for these models, `xLAMHandler`, writes a
# slightly different variant: "If none of the function can be used" and a 2-space-indented
# example.)
FC_TASK_INSTRUCTION = (
    "You are an expert in composing functions. You are given a question and a set of possible "
    "functions. \n"
    "Based on the question, you will need to make one or more function/tool calls to achieve "
    "the purpose. \n"
    "If none of the functions can be used, point it out and refuse to answer. \n"
    "If the given question lacks the parameters required by the function, also point it out."
)
FC_FORMAT_INSTRUCTION = (
    "The output MUST strictly adhere to the following JSON format, and NO other text MUST be "
    "included.\n"
    "The example format is as follows. Please make sure the parameter type is correct. If no "
    "function call is needed, please make tool_calls an empty list '[]'.\n"
    "```\n"
    "{\n"
    '    "tool_calls": [\n'
    '    {"name": "func_name1", "arguments": {"argument1": "value1", "argument2": "value2"}},\n'
    "    ... (more tool calls as required)\n"
    "    ]\n"
    "}\n"
    "```"
)
# The general models' instructions, verbatim from SalesforceAIResearch/xLAM,
# xLAM/client/config.py (`xLAMConfig.TASK_INSTRUCTION` / `FORMAT_INSTRUCTION`); the format
# instruction keeps the 4-space indentation its triple-quoted source leaves in the string.
GENERAL_TASK_INSTRUCTION = (
    "Based on the previous context and API request history, generate an API request or a "
    "response as an AI assistant."
)
GENERAL_FORMAT_INSTRUCTION = (
    "The output should be of the JSON format, which specifies a list of generated function "
    "calls. The example format is as follows, please make sure the parameter type is correct. "
    "If no function call is needed, please make \n"
    '    tool_calls an empty list "[]".\n'
    "    ```\n"
    '    {"thought": "the thought process, or an empty string", "tool_calls": [{"name": '
    '"api_name1", "arguments": {"argument1": "value1", "argument2": "value2"}}]}\n'
    "    ```"
)
# DeepSeek-Coder's BOS and the fc models' default system line (their tokenizer's chat template).
DEEPSEEK_BOS = "<｜begin▁of▁sentence｜>"
#: The section markers of the single user message (data must not forge them).
SECTION_MARKERS = tuple(
    f"[{edge} OF {section}]"
    for section in (
        "TASK INSTRUCTION",
        "AVAILABLE TOOLS",
        "FORMAT INSTRUCTION",
        "QUERY",
        "HISTORY STEPS",
    )
    for edge in ("BEGIN", "END")
)
FC_SYSTEM = (
    "You are an AI assistant for function calling. For politically sensitive questions, "
    "security and privacy issues, and other non-computer science questions, you will refuse "
    "to answer\n"
)


def xlam1_tool(spec: dict[str, Any]) -> dict[str, Any]:
    """The concise tool form of xLAM-1's card and client: parameters are the properties only."""
    params = spec.get("parameters") or {}
    props = params.get("properties", {}) if isinstance(params, dict) else {}
    return {"name": spec["name"], "description": spec["description"], "parameters": dict(props)}


def history_steps(messages: Sequence[Message]) -> tuple[str, list[dict[str, Any]]]:
    """(query, steps) of a conversation without its system message; see the module doc."""
    query_parts: list[str] = []
    steps: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "user":
            if not steps:
                query_parts.append(message_text(m.content))
            else:
                prev = steps[-1]
                text = message_text(m.content)
                prev["user_input"] = f"{prev['user_input']}\n{text}" if prev["user_input"] else text
        elif m.role == "assistant":
            steps.append(
                {
                    "step_id": len(steps) + 1,
                    "thought": message_text(m.content),
                    "tool_calls": [c.to_xlam() for c in m.tool_calls],
                    "next_observation": "",
                    "user_input": "",
                }
            )
        elif m.role == "tool":
            if not steps:
                raise FormatError("a tool result must follow an assistant message with calls")
            obs = steps[-1]["next_observation"]
            steps[-1]["next_observation"] = (
                [*obs, m.content] if isinstance(obs, list) else [m.content]
            )
        else:
            raise FormatError("a system message is only allowed first")
    return "\n".join(query_parts), steps


class XLAM1Format(Format):
    """xLAM-1 in its fc (DeepSeek-Coder) or general (Mistral) variant."""

    def __init__(
        self,
        variant: Literal["fc", "general"] = "fc",
        *,
        task_instruction: str | None = None,
        format_instruction: str | None = None,
    ) -> None:
        if variant not in ("fc", "general"):
            raise FormatError(f"unknown xLAM-1 variant {variant!r}: use 'fc' or 'general'")
        self.variant = variant
        fc = variant == "fc"
        self.name = "xlam1-fc" if fc else "xlam1"
        self.call_shape: CallShape = "tool_calls" if fc else "thought_tool_calls"
        self.task_instruction = task_instruction or (
            FC_TASK_INSTRUCTION if fc else GENERAL_TASK_INSTRUCTION
        )
        self.format_instruction = format_instruction or (
            FC_FORMAT_INSTRUCTION if fc else GENERAL_FORMAT_INSTRUCTION
        )
        if fc:
            self.stop = ("<|EOT|>", "<｜end▁of▁sentence｜>")
            self.end_of_turn = "\n<|EOT|>\n"
            turn_markers: tuple[str, ...] = (DEEPSEEK_BOS, "### Instruction:", "### Response:")
        else:
            self.stop = ("</s>",)
            self.end_of_turn = "</s>"
            turn_markers = ("<s>", "</s>", "[INST]", "[/INST]")
        self.markers = (*SECTION_MARKERS, *turn_markers)

    def __repr__(self) -> str:
        return f"XLAM1Format({self.variant!r})"

    def instruction(
        self, messages: Sequence[Message], tools: Sequence[Tool | dict[str, Any]]
    ) -> str:
        """The single user message: sections, query and history steps."""
        system = ""
        if messages and messages[0].role == "system":
            system, messages = message_text(messages[0].content), messages[1:]
        query, steps = history_steps(messages)
        specs = [xlam1_tool(s) for s in tool_specs(tools)]
        data = self.neutralise
        out = f"{data(system)}\n\n" if system else ""
        out += (
            f"[BEGIN OF TASK INSTRUCTION]\n{self.task_instruction}\n[END OF TASK INSTRUCTION]\n\n"
        )
        out += (
            f"[BEGIN OF AVAILABLE TOOLS]\n{data(json.dumps(specs))}\n[END OF AVAILABLE TOOLS]\n\n"
        )
        out += (
            f"[BEGIN OF FORMAT INSTRUCTION]\n{self.format_instruction}\n"
            "[END OF FORMAT INSTRUCTION]\n\n"
        )
        out += f"[BEGIN OF QUERY]\n{data(query)}\n[END OF QUERY]\n\n"
        if steps:
            history = data(json.dumps(steps))
            out += f"\n[BEGIN OF HISTORY STEPS]\n{history}\n[END OF HISTORY STEPS]\n"
        return out

    def _wrap(self, instruction: str) -> str:
        if self.variant == "fc":
            return DEEPSEEK_BOS + FC_SYSTEM + "### Instruction:\n" + instruction + "\n"
        return "<s>[INST] " + instruction + " [/INST]"

    def render(
        self,
        messages: Iterable[MessageLike],
        tools: Sequence[Tool | dict[str, Any]] = (),
        *,
        add_generation_prompt: bool = True,
    ) -> str:
        msgs = read_messages(messages)
        reply: Message | None = None
        if msgs and msgs[-1].role == "assistant":
            reply, msgs = msgs[-1], msgs[:-1]
        prompt = self._wrap(self.instruction(msgs, tools))
        gen = "### Response:" if self.variant == "fc" else ""
        if reply is not None:
            return prompt + gen + self.render_assistant(reply) + self.end_of_turn
        return prompt + gen if add_generation_prompt else prompt

    def render_assistant(self, turn: AssistantTurn | MessageLike) -> str:
        msg = turn.to_message() if isinstance(turn, AssistantTurn) else read_messages([turn])[0]
        calls = [c.to_xlam() for c in msg.tool_calls]
        if self.variant == "fc":
            # DeepSeek-Coder's response turn is "### Response:\n" + content.
            return "\n" + self.neutralise(json.dumps({"tool_calls": calls}))
        thought = message_text(msg.content)
        return self.neutralise(json.dumps({"thought": thought, "tool_calls": calls}))

    def parse(self, text: str) -> AssistantTurn:
        return parse_output(text)

    def stream_parser(self) -> StreamParser:
        return CallStreamParser()
