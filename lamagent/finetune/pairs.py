"""Preference pairs for DPO, mined from trajectories.

Three sources, each a (prompt, chosen, rejected) triple over the same rendered prompt:

- `self_correction`: a call that failed verification or execution (or output that did not parse),
  and the call the model made next, which succeeded, placed at the point of the failure;
- `contrast`: the same query with the same tools answered well in one trajectory and badly in
  another: the replies at the first turn where the two runs differ;
- `synthetic`: a good call and a perturbed copy of it: a hallucinated tool, a hallucinated
  argument, a wrong type, or a missing required argument.
"""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lamagent.finetune.filters import BadOutcome, bad_steps
from lamagent.finetune.samples import TurnContext, turns
from lamagent.trajectory.models import Trajectory

if TYPE_CHECKING:
    from lamagent.formats.base import Format

SOURCES = ("self_correction", "contrast", "synthetic")


@dataclass(frozen=True)
class PreferencePair:
    """One DPO row: both completions end with the Format's end of turn."""

    prompt: str
    chosen: str
    rejected: str
    source: str
    trajectory_id: str = ""
    detail: str = ""


def _reply(fmt: Format, turn: dict[str, Any]) -> str:
    return fmt.render_assistant(turn) + fmt.end_of_turn


def _is_good_call_turn(ctx: TurnContext, bad: set[int]) -> bool:
    return ctx.index not in bad and bool(ctx.step.tool_calls)


def self_corrections(traj: Trajectory, fmt: Format) -> list[PreferencePair]:
    """Failed step i followed by good call step i+1: prompt before i, rejected i, chosen i+1."""
    bad = bad_steps(traj)
    ctxs = list(turns(traj))
    out = []
    for ctx, nxt in itertools.pairwise(ctxs):
        if ctx.index in bad and _is_good_call_turn(nxt, bad):
            rejected, chosen = _reply(fmt, ctx.turn), _reply(fmt, nxt.turn)
            if rejected != chosen:
                prompt = fmt.render(ctx.messages, traj.tools, add_generation_prompt=True)
                out.append(
                    PreferencePair(
                        prompt,
                        chosen,
                        rejected,
                        "self_correction",
                        traj.unique_trajectory_id,
                        ",".join(ctx.step.error_kinds),
                    )
                )
    return out


def _is_good_run(traj: Trajectory) -> bool:
    return not BadOutcome().issues(traj) and not bad_steps(traj)


def _key(traj: Trajectory) -> str:
    tools = sorted(str(t.get("name")) for t in traj.tools)
    return json.dumps([traj.task_instruction, traj.query, tools])


def contrasts(trajectories: Sequence[Trajectory], fmt: Format) -> list[PreferencePair]:
    """Pairs from runs of the same query and tools, one good and one not, at their first difference.

    The prompts of both runs must render identically up to that turn (same history), else no pair.
    """
    groups: dict[str, list[Trajectory]] = {}
    for t in trajectories:
        groups.setdefault(_key(t), []).append(t)
    out = []
    for runs in groups.values():
        good = [t for t in runs if _is_good_run(t)]
        poor = [t for t in runs if not _is_good_run(t)]
        for g in good:
            for p in poor:
                for cg, cp in zip(turns(g), turns(p), strict=False):
                    chosen, rejected = _reply(fmt, cg.turn), _reply(fmt, cp.turn)
                    prompt_g = fmt.render(cg.messages, g.tools, add_generation_prompt=True)
                    if chosen == rejected:
                        continue
                    if fmt.render(cp.messages, p.tools, add_generation_prompt=True) == prompt_g:
                        out.append(
                            PreferencePair(
                                prompt_g,
                                chosen,
                                rejected,
                                "contrast",
                                g.unique_trajectory_id,
                                p.unique_trajectory_id,
                            )
                        )
                    break
    return out


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return json.dumps(value)
    return str(value)


def perturb_call(
    call: dict[str, Any], spec: dict[str, Any] | None, rng: random.Random
) -> tuple[dict[str, Any], str] | None:
    """A broken copy of `call` and the kind of break, or None when no break applies."""
    args = dict(call.get("arguments") or {})
    params = (spec or {}).get("parameters") or {}
    required = [a for a in params.get("required", []) if a in args]
    kinds = ["hallucinated_tool", "hallucinated_argument"]
    if args:
        kinds.append("wrong_type")
    if required:
        kinds.append("missing_argument")
    kind = rng.choice(kinds)
    name = str(call.get("name"))
    if kind == "hallucinated_tool":
        return {
            "name": rng.choice([f"{name}_v2", f"get_{name}", f"{name}_api", "search"]),
            "arguments": args,
        }, kind
    if kind == "hallucinated_argument":
        extra = rng.choice(["unit", "format", "limit", "verbose", "query_id"])
        known = set((params.get("properties") or {}).keys())
        if extra in known or extra in args:
            extra = f"{extra}_extra"
        return {"name": name, "arguments": {**args, extra: rng.choice(["default", 10, True])}}, kind
    if kind == "wrong_type":
        key = rng.choice(sorted(args))
        return {"name": name, "arguments": {**args, key: _wrong_type(args[key])}}, kind
    key = rng.choice(required)
    return {"name": name, "arguments": {k: v for k, v in args.items() if k != key}}, kind


def synthetic_negatives(traj: Trajectory, fmt: Format, rng: random.Random) -> list[PreferencePair]:
    """One perturbed copy of every good call turn of `traj`."""
    bad = bad_steps(traj)
    specs = {t.get("name"): t for t in traj.tools}
    out = []
    for ctx in turns(traj):
        if not _is_good_call_turn(ctx, bad):
            continue
        calls = [c["function"] for c in ctx.turn["tool_calls"]]
        i = rng.randrange(len(calls))
        broken = perturb_call(calls[i], specs.get(calls[i].get("name")), rng)
        if broken is None:
            continue
        new_calls, kind = list(ctx.turn["tool_calls"]), broken[1]
        new_calls[i] = {**new_calls[i], "function": broken[0]}
        rejected = _reply(fmt, {**ctx.turn, "tool_calls": new_calls})
        chosen = _reply(fmt, ctx.turn)
        if rejected == chosen:
            continue
        prompt = fmt.render(ctx.messages, traj.tools, add_generation_prompt=True)
        out.append(
            PreferencePair(prompt, chosen, rejected, "synthetic", traj.unique_trajectory_id, kind)
        )
    return out


def preference_pairs(
    trajectories: Iterable[Trajectory],
    fmt: Format,
    *,
    sources: Sequence[str] = SOURCES,
    seed: int = 0,
) -> list[PreferencePair]:
    """Every pair from the chosen `sources`, in source order; a pair found twice is kept once.

    Synthetic negatives come from the good call turns of finished runs with an answer.
    """
    unknown = set(sources) - set(SOURCES)
    if unknown:
        raise ValueError(f"unknown DPO pair sources {sorted(unknown)}; choose from {SOURCES}")
    trajs = list(trajectories)
    out: list[PreferencePair] = []
    if "self_correction" in sources:
        for t in trajs:
            out.extend(self_corrections(t, fmt))
    if "contrast" in sources:
        out.extend(contrasts(trajs, fmt))
    if "synthetic" in sources:
        rng = random.Random(seed)
        for t in trajs:
            if not BadOutcome().issues(t):
                out.extend(synthetic_negatives(t, fmt, rng))
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for p in out:
        key = (p.prompt, p.chosen, p.rejected)
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def count_by_source(pairs: Iterable[PreferencePair | dict[str, Any]]) -> Counter[str]:
    """How many pairs came from each source."""
    return Counter(p.source if isinstance(p, PreferencePair) else p["source"] for p in pairs)
