"""SFT samples: one per assistant turn, rendered by lamagent's Format, masked to the reply.

The prompt of a sample is exactly what the model sees at run time,
`format.render(messages_before_turn, tools, add_generation_prompt=True)`, and the target is the
reply the model should produce, `format.render_assistant(turn) + format.end_of_turn`. The two are
tokenized separately and concatenated: at run time the prompt is tokenized alone and the reply is
generated token by token after it, so this is the token sequence inference produces (tokenizing
the joined text can merge tokens across the boundary, which inference never sees). The labels are
the target's ids, -100 on the prompt. No `{% generation %}` markers are needed.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lamagent.errors import FormatError
from lamagent.finetune.augment import Augmentation
from lamagent.tools.verify import Repair
from lamagent.trajectory.models import Step, Trajectory
from lamagent.turns import render_prompt

if TYPE_CHECKING:
    from lamagent.formats.base import Format

IGNORE_INDEX = -100


@dataclass(frozen=True)
class TurnContext:
    """One assistant turn of a trajectory with the conversation before it."""

    trajectory: Trajectory
    index: int
    messages: list[dict[str, Any]]
    turn: dict[str, Any]

    @property
    def step(self) -> Step:
        return self.trajectory.steps[self.index]


def _set_path(obj: Any, path: str, value: Any) -> None:
    """Set a dotted path (`a.b.0`) inside nested dicts/lists, if it exists."""
    parts = path.split(".")
    for part in parts[:-1]:
        if isinstance(obj, dict) and part in obj:
            obj = obj[part]
        elif isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
            obj = obj[int(part)]
        else:
            return
    last = parts[-1]
    if isinstance(obj, dict) and last in obj:
        obj[last] = value
    elif isinstance(obj, list) and last.isdigit() and int(last) < len(obj):
        obj[int(last)] = value


def _apply_repairs(calls: list[dict[str, Any]], repairs: Sequence[Repair]) -> None:
    """Write repaired argument values into the calls (the repaired call is what to learn)."""
    if not repairs:
        return
    for call in calls:
        args = call.get("arguments")
        if isinstance(args, dict):
            for r in repairs:
                _set_path(args, r.argument, r.repaired)


def turns(trajectory: Trajectory, *, system: bool = True) -> Iterator[TurnContext]:
    """Every assistant turn of `trajectory` with the messages before it.

    Messages come from `Trajectory.to_messages` (the task instruction as system message when
    `system`), so training sees the conversation the agent built. Repaired argument values
    replace the originals in the turn.
    """
    full = trajectory.to_messages(system=system)
    prefix_len = len(trajectory.model_copy(update={"steps": []}).to_messages(system=system))
    pos = prefix_len
    for i, step in enumerate(trajectory.steps):
        step_msgs = trajectory.model_copy(update={"steps": [step]}).to_messages(system=system)
        step_msgs = step_msgs[prefix_len:]
        turn = _copy_message(step_msgs[0])
        for call, record in zip(turn.get("tool_calls") or [], step.calls, strict=False):
            _apply_repairs([call["function"]], record.repairs)
        yield TurnContext(trajectory, i, [_copy_message(m) for m in full[:pos]], turn)
        pos += len(step_msgs)


def _copy_message(m: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(m)


@dataclass(frozen=True)
class SFTSample:
    """Text of one training sample before tokenization."""

    prompt: str
    target: str
    trajectory_id: str = ""
    step_id: int = 0
    variant: int = 0


def format_instruction(fmt: Format) -> str | None:
    """The format instruction `fmt` writes into its prompts (its module's `INSTRUCTION`), if any."""
    module = sys.modules.get(type(fmt).__module__)
    text = getattr(module, "INSTRUCTION", None) if module is not None else None
    return text if isinstance(text, str) and text else None


class InstructionVariant:
    """A Format whose prompts carry another format instruction; everything else delegated.

    xLAM-2's Format has no instruction parameter, so the variant replaces the instruction text in
    the rendering (it appears there verbatim, once, whenever tools are given).
    """

    def __init__(self, base: Format, original: str, instruction: str) -> None:
        self.base, self.original, self.instruction = base, original, instruction
        self.name = base.name
        self.stop = base.stop
        self.end_of_turn = base.end_of_turn

    def render(self, messages: Any, tools: Any = (), *, add_generation_prompt: bool = True) -> str:
        text = self.base.render(messages, tools, add_generation_prompt=add_generation_prompt)
        return text.replace(self.original, self.instruction, 1)

    def render_assistant(self, turn: Any) -> str:
        return self.base.render_assistant(turn)

    def parse(self, text: str) -> Any:
        return self.base.parse(text)


def with_instruction(fmt: Format, instruction: str) -> Format | None:
    """A variant of `fmt` that writes `instruction` as its format instruction; None if it cannot.

    Uses the Format's own `with_instruction(text)` when it has one, its `format_instruction`
    option (xLAM-1), else `InstructionVariant` around the instruction constant of the Format's
    module (xLAM-2, whose constructor takes no instruction).
    """
    method = getattr(fmt, "with_instruction", None)
    if callable(method):
        return method(instruction)  # type: ignore[no-any-return]
    if isinstance(getattr(fmt, "format_instruction", None), str):  # xLAM-1 takes it as an option
        clone = copy.copy(fmt)
        clone.format_instruction = instruction  # type: ignore[attr-defined]
        return clone
    original = format_instruction(fmt)
    if original is None:
        return None
    return InstructionVariant(fmt, original, instruction)  # type: ignore[return-value]


def sft_samples(
    trajectories: Iterable[Trajectory],
    fmt: Format,
    *,
    augment: Augmentation | None = None,
    system: bool = True,
) -> list[SFTSample]:
    """One sample per assistant turn (plus `augment.copies` variants of each)."""
    out: list[SFTSample] = []
    paraphrase = augment is not None and _paraphrases_apply(fmt, augment)
    for traj in trajectories:
        for ctx in turns(traj, system=system):
            target = fmt.render_assistant(ctx.turn) + fmt.end_of_turn
            prompt = render_prompt(fmt, ctx.messages, traj.tools)
            out.append(SFTSample(prompt, target, traj.unique_trajectory_id, ctx.step.step_id))
            if augment is None:
                continue
            for v in range(1, augment.copies + 1):
                rng = augment.rng(traj.unique_trajectory_id, ctx.index, v)
                tools = augment.tools(traj.tools, rng)
                msgs = augment.messages(ctx.messages, rng)
                (turn,) = augment.messages([ctx.turn], rng)
                text = augment.instruction(rng) if paraphrase else None
                vfmt = (with_instruction(fmt, text) if text else None) or fmt
                out.append(
                    SFTSample(
                        render_prompt(vfmt, msgs, tools),
                        vfmt.render_assistant(turn) + vfmt.end_of_turn,
                        traj.unique_trajectory_id,
                        ctx.step.step_id,
                        v,
                    )
                )
    return out


def _paraphrases_apply(fmt: Format, augment: Augmentation) -> bool:
    """Custom paraphrases apply to any Format; the built-in ones only to xLAM-2's instruction."""
    if augment.instructions is not None:
        return bool(augment.instructions)
    from lamagent.formats.xlam2 import INSTRUCTION

    return format_instruction(fmt) == INSTRUCTION


@dataclass
class Tokenized:
    """Token ids and labels of one sample."""

    input_ids: list[int]
    labels: list[int]
    prompt_tokens: int
    boundary_merge: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _ids(tokenizer: Any, text: str) -> list[int]:
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def tokenize_sample(sample: SFTSample, tokenizer: Any) -> Tokenized:
    """Token ids of prompt + target with labels on the target only.

    Raises `FormatError` if the tokenizer does not reproduce the text (decoding the ids must give
    back the prompt and the target exactly), since the mask would then be wrong.
    """
    prompt_ids = _ids(tokenizer, sample.prompt)
    target_ids = _ids(tokenizer, sample.target)
    for part, ids in (("prompt", prompt_ids), ("target", target_ids)):
        text = sample.prompt if part == "prompt" else sample.target
        back = tokenizer.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)
        if back != text:
            raise FormatError(
                f"the tokenizer does not round-trip the {part} of sample "
                f"{sample.trajectory_id}:{sample.step_id} (decoded text differs), so its label "
                "mask would be wrong; use the tokenizer of the model the Format is for"
            )
    if not target_ids:
        raise FormatError(f"empty target in sample {sample.trajectory_id}:{sample.step_id}")
    joint = _ids(tokenizer, sample.prompt + sample.target)
    return Tokenized(
        input_ids=prompt_ids + target_ids,
        labels=[IGNORE_INDEX] * len(prompt_ids) + target_ids,
        prompt_tokens=len(prompt_ids),
        boundary_merge=joint != prompt_ids + target_ids,
    )
