"""Shared, cached training runs for the fine-tuning tests (trained once per test process).

The proof runs use the real SmolLM2 checkpoint with a short prompt (one small tool, xLAM-2's
"official" system handling with a one-line system message) so that CPU training stays cheap.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path
from typing import Any

from lamagent.finetune import LoraSettings, TrainSettings, build_sft_dataset, sft
from lamagent.formats import get
from lamagent.models import default_hf_checkpoint
from lamagent.trajectory import Step, Trajectory

SYSTEM = "Call a tool."
WEATHER = {
    "name": "get_weather",
    "description": "Weather of a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
STOCK = {
    "name": "get_price",
    "description": "Stock price.",
    "parameters": {
        "type": "object",
        "properties": {"ticker": {"type": "string"}},
        "required": ["ticker"],
    },
}
#: (tool, query, arguments)
PROOF_TASKS = [
    (WEATHER, "Weather in London?", {"city": "London"}),
    (STOCK, "Price of AAPL?", {"ticker": "AAPL"}),
]


def proof_format() -> Any:
    return get("xlam2-qwen", system_instruction="official")


def proof_trajectories() -> list[Trajectory]:
    return [
        Trajectory(
            unique_trajectory_id=f"proof-{i}",
            task_instruction=SYSTEM,
            query=query,
            tools=[tool],
            outcome="answer",
            answer="done",
            steps=[
                Step(
                    step_id=1,
                    tool_calls=[{"name": tool["name"], "arguments": args}],
                    next_observation=["ok"],
                ),
                Step(step_id=2, answer="done"),
            ],
        )
        for i, (tool, query, args) in enumerate(PROOF_TASKS)
    ]


def proof_prompt(i: int) -> str:
    """The rendered prompt of task `i`'s call turn (what the agent would send)."""
    traj = proof_trajectories()[i]
    return proof_format().render(traj.to_messages(system=True)[:2], traj.tools)


@functools.cache
def tokenizer() -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(default_hf_checkpoint()))


PROOF_LORA = LoraSettings(r=16, alpha=32, dropout=0.0, layers=tuple(range(22, 30)))
#: The proof run: 6 steps of LoRA on the last 8 layers, the two call turns per step.
PROOF_SETTINGS = TrainSettings(
    lora=PROOF_LORA, lr=3e-3, max_steps=6, batch_size=2, progress=False, format="xlam2-qwen"
)


@functools.cache
def tuned_smollm2() -> Any:
    """An SFT run on the proof tasks' call turns (6 steps, LoRA on the last 8 layers)."""
    data = build_sft_dataset(proof_trajectories(), proof_format(), tokenizer())
    data = data.filter(lambda r: r["step_id"] == 1)
    out = Path(tempfile.mkdtemp(prefix="lamagent-proof-sft-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    return sft(str(default_hf_checkpoint()), data, out_dir=out, settings=PROOF_SETTINGS)


def greedy(model: Any, prompt: str, max_new_tokens: int = 32) -> str:
    """Greedy continuation of `prompt` with a transformers model, up to the end of turn."""
    import torch

    tok = tokenizer()
    ids = torch.tensor([tok(prompt, add_special_tokens=False)["input_ids"]])
    with torch.no_grad():
        out = model.generate(
            ids,
            attention_mask=torch.ones_like(ids),
            do_sample=False,
            max_new_tokens=max_new_tokens,
            eos_token_id=tok.eos_token_id,
            pad_token_id=tok.eos_token_id,
        )
    text = tok.decode(out[0, ids.shape[1] :], skip_special_tokens=False)
    return text.split("<|im_end|>")[0]


def completion_logprob(model: Any, prompt: str, completion: str) -> float:
    """Sum of log-probabilities of `completion`'s tokens after `prompt`."""
    import torch

    tok = tokenizer()
    p = tok(prompt, add_special_tokens=False)["input_ids"]
    c = tok(completion, add_special_tokens=False)["input_ids"]
    ids = torch.tensor([p + c])
    with torch.no_grad():
        logits = model(ids).logits[0, len(p) - 1 : -1]
    logps = torch.log_softmax(logits.float(), dim=-1)
    return float(logps.gather(1, torch.tensor(c).unsqueeze(1)).sum())


def logprob_margin(model: Any, row: dict[str, Any]) -> float:
    """log p(chosen) - log p(rejected) under `model`, both after the row's prompt."""
    return completion_logprob(model, row["prompt"], row["chosen"]) - completion_logprob(
        model, row["prompt"], row["rejected"]
    )


def save_tiny_llama(path: Path) -> Path:
    """A 2-layer random Llama with SmolLM2's tokenizer, saved as a checkpoint folder at `path`."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=len(tokenizer()),
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=2,
    )
    LlamaForCausalLM(config).save_pretrained(str(path))
    tokenizer().save_pretrained(str(path))
    return path
