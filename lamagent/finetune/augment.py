"""Data augmentation for function-calling samples (xLAM paper, section 3.2).

A model that sees its tools always in the same order, their keys always in the same order and the
format instruction always in the same words learns those accidents. `Augmentation` makes seeded
variants of one sample: the tool list shuffled, the keys of each tool's parameter properties and
of each call's arguments shuffled, and the system's format instruction replaced by a paraphrase.
The meaning never changes: the same tools, the same calls, the same values.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: Paraphrases of xLAM-2's format instruction. Each keeps the contract the parser relies on: calls
#: as one JSON array of {"name", "arguments"} objects, plain text otherwise.
INSTRUCTION_PARAPHRASES: tuple[str, ...] = (
    "You can call the tools listed below. To call them, reply with one JSON array only: \n\n"
    '[{"name": "tool_call_name", "arguments": {"arg1": "value1", "arg2": "value2"}}, '
    "... (more calls in the same array when several are needed)]\n\n"
    "If none of the tools fits, say so. If a required parameter is missing from the request, ask "
    "the user for it. Wait for the tool results before you answer, then use them or call again. "
    "When no tool is needed, answer in plain text. The tools are:\n\n",
    "Tools are available to you. Make every tool call inside a single JSON list, like this: \n\n"
    '[{"name": "tool_call_name", "arguments": {"arg1": "value1", "arg2": "value2"}}, '
    "... (additional parallel tool calls as needed)]\n\n"
    "Say explicitly when no tool is suitable, and ask for clarification when the input lacks "
    "required parameters. Do not answer until the tool results are back; then process them or "
    "make further calls. For chit-chat or advice that needs no tool, reply directly in plain "
    "text. The available tools are:\n\n",
    "Answer with tool calls when a tool can help. Calls go in one JSON array: \n\n"
    '[{"name": "tool_call_name", "arguments": {"arg1": "value1", "arg2": "value2"}}, '
    "... (further calls, if any, in the same array)]\n\n"
    "State it when no tool applies; request any missing required parameter; do not interpret "
    "results before they arrive, and use them (or call more tools) once they do. Reply in plain "
    "text when the task needs no tool. Here are the tools:\n\n",
)


def _shuffled_dict(d: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    keys = list(d)
    rng.shuffle(keys)
    return {k: d[k] for k in keys}


def shuffle_spec_keys(spec: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A tool spec whose parameter properties come in a random order (everything else kept)."""
    params = spec.get("parameters")
    if not isinstance(params, dict) or not isinstance(params.get("properties"), dict):
        return dict(spec)
    new_params = {**params, "properties": _shuffled_dict(params["properties"], rng)}
    return {**spec, "parameters": new_params}


def shuffle_call_keys(call: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A call whose argument keys come in a random order."""
    args = call.get("arguments")
    if not isinstance(args, dict):
        return dict(call)
    return {**call, "arguments": _shuffled_dict(args, rng)}


@dataclass(frozen=True)
class Augmentation:
    """How to make variants of each sample; `copies` variants are added beside the original.

    `instructions`: paraphrases of the format instruction to draw from (default: the built-in
    `INSTRUCTION_PARAPHRASES`); an empty tuple keeps the Format's own instruction. Applied only
    when the Format accepts an instruction (see `lamagent.finetune.samples.with_instruction`).
    """

    copies: int = 1
    shuffle_tools: bool = True
    shuffle_keys: bool = True
    instructions: Sequence[str] | None = None
    seed: int = 0

    def rng(self, *salt: object) -> random.Random:
        """A generator seeded by `seed` and `salt`, so each sample's variants are reproducible."""
        return random.Random(f"{self.seed}:" + ":".join(map(str, salt)))

    @property
    def paraphrases(self) -> tuple[str, ...]:
        return tuple(INSTRUCTION_PARAPHRASES if self.instructions is None else self.instructions)

    def tools(self, tools: Sequence[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
        """The tools of one variant."""
        out = [shuffle_spec_keys(t, rng) if self.shuffle_keys else dict(t) for t in tools]
        if self.shuffle_tools:
            rng.shuffle(out)
        return out

    def messages(
        self, messages: Sequence[dict[str, Any]], rng: random.Random
    ) -> list[dict[str, Any]]:
        """The messages of one variant: call arguments with shuffled keys."""
        if not self.shuffle_keys:
            return [dict(m) for m in messages]
        out = []
        for m in messages:
            calls = m.get("tool_calls")
            if calls:
                m = {**m, "tool_calls": [_shuffle_any_call(c, rng) for c in calls]}
            out.append(dict(m))
        return out

    def instruction(self, rng: random.Random) -> str | None:
        """A paraphrase for one variant, or None to keep the Format's own instruction."""
        return rng.choice(self.paraphrases) if self.paraphrases else None


def _shuffle_any_call(call: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    fn = call.get("function")
    if isinstance(fn, dict):
        return {**call, "function": shuffle_call_keys(fn, rng)}
    return shuffle_call_keys(call, rng)
