"""SFT throughput: lamagent.finetune.sft against a plain TRL SFTTrainer run, same process.

Both runs train the same model on the same samples with the same LoRA settings, learning rate,
batch size and number of steps. The plain run gives TRL prompt/completion text pairs and lets it
tokenize and mask (`completion_only_loss`); lamagent's run gives it the pre-tokenized, pre-masked
samples of `build_sft_dataset`. Throughput is trained tokens (TRL's `num_tokens`) per second of
`trainer.train()`.

Model FLOPs utilisation: a training token costs about 6·N FLOPs (forward 2·N, backward 4·N) with
N = every parameter of the model (frozen ones included; attention score FLOPs left out). With
LoRA the frozen weights get no weight gradient, so the work actually done is nearer 4·N: the 6·N
figure is the usual convention, an upper bound of useful work. The peak is the best fp32 (or
bf16 on GPU) matmul FLOP/s measured by a torch microbenchmark in the same run.

    .venv/bin/python bench/finetune.py --steps 4 --batch-size 2
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lamagent.finetune import (
    LoraSettings,
    build_sft_dataset,
    filter_trajectories,
    sft,
)
from lamagent.finetune.examples import demo_trajectories
from lamagent.formats import get
from lamagent.models import default_hf_checkpoint


def matmul_flops(n: int = 2048, repeats: int = 8, dtype: torch.dtype = torch.float32) -> float:
    """Best observed FLOP/s of an n x n matmul on the training device."""
    device = "cuda" if torch.cuda.is_available() else "cpu"
    a = torch.randn(n, n, dtype=dtype, device=device)
    b = torch.randn(n, n, dtype=dtype, device=device)
    a @ b  # warm-up
    best = 0.0
    for _ in range(repeats):
        if device == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        a @ b
        if device == "cuda":
            torch.cuda.synchronize()
        best = max(best, 2 * n**3 / (time.perf_counter() - t))
    return best


def _last(rows: list[dict[str, Any]], key: str) -> float:
    values = [float(r[key]) for r in rows if key in r]
    return values[-1] if values else 0.0


def plain_trl(model_path: str, data: Any, args: argparse.Namespace, lora: LoraSettings) -> dict:
    """The baseline: TRL tokenizes and masks prompt/completion pairs itself."""
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl import SFTConfig, SFTTrainer

    logs: list[dict[str, Any]] = []

    class Logs(TrainerCallback):  # type: ignore[misc]
        def on_log(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if kw.get("logs"):
                logs.append(dict(kw["logs"]))

    texts = data.select_columns(["prompt", "completion"])
    bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    model = AutoModelForCausalLM.from_pretrained(
        model_path, dtype=torch.bfloat16 if bf16 else torch.float32
    )
    with tempfile.TemporaryDirectory() as out:
        config = SFTConfig(
            output_dir=out,
            max_steps=args.steps,
            per_device_train_batch_size=args.batch_size,
            learning_rate=2e-4,
            logging_steps=1,
            save_strategy="no",
            report_to="none",
            bf16=bf16,
            use_cpu=not torch.cuda.is_available(),
            completion_only_loss=True,
            disable_tqdm=True,
            seed=0,
            lr_scheduler_type="linear",
        )
        trainer = SFTTrainer(
            model=model,
            args=config,
            train_dataset=texts,
            processing_class=AutoTokenizer.from_pretrained(model_path),
            peft_config=lora.to_peft(),
            callbacks=[Logs()],
        )
        t = time.perf_counter()
        trainer.train()
        runtime = time.perf_counter() - t
    return {"runtime": runtime, "tokens": _last(logs, "num_tokens"), "loss": _last(logs, "loss")}


def lamagent_sft(
    model_path: str,
    data: Any,
    args: argparse.Namespace,
    lora: LoraSettings,
    bf16: bool | None = None,
) -> dict:
    with tempfile.TemporaryDirectory() as out:
        result = sft(
            model_path,
            data,
            out_dir=out,
            lora=lora,
            lr=2e-4,
            max_steps=args.steps,
            batch_size=args.batch_size,
            progress=False,
            save=False,
            bf16=bf16,
        )
        rows = [json.loads(x) for x in result.metrics_path.read_text().splitlines() if x.strip()]
    return {
        "runtime": result.train_runtime,
        "tokens": _last(rows, "num_tokens"),
        "loss": _last(rows, "loss"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="checkpoint (default: SmolLM2-135M)")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument(
        "--bf16",
        action="store_true",
        help="also run lamagent.finetune.sft with bf16=True (on CPU: autocast, bf16 weights)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model_path = args.model or str(default_hf_checkpoint())

    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    kept, _ = filter_trajectories(demo_trajectories())
    data = build_sft_dataset(kept, get("xlam2-qwen"), AutoTokenizer.from_pretrained(model_path))
    data = data.filter(lambda r: r["step_id"] == 1)  # the call turns
    with torch.device("meta"):
        n_params = sum(
            p.numel()
            for p in AutoModelForCausalLM.from_config(
                AutoConfig.from_pretrained(model_path)
            ).parameters()
        )
    lora = LoraSettings()
    peak = matmul_flops()
    base = plain_trl(model_path, data, args, lora)
    ours = lamagent_sft(model_path, data, args, lora)
    runs = {"plain TRL SFTTrainer": base, "lamagent.finetune.sft": ours}
    if args.bf16:
        runs["lamagent.finetune.sft, bf16"] = lamagent_sft(model_path, data, args, lora, True)
        # a second fp32 run after the bf16 one, so that load drift shows up in the comparison
        runs["lamagent.finetune.sft (again)"] = lamagent_sft(model_path, data, args, lora)
    peak = max(peak, matmul_flops())

    table = Table(
        title=f"SFT throughput, {n_params / 1e6:.1f}M params, LoRA r={lora.r}, "
        f"{args.steps} steps x batch {args.batch_size}"
    )
    for col in ("run", "tokens", "seconds", "tokens/s", "6N FLOP/s", "of peak", "last loss"):
        table.add_column(col, justify="left" if col == "run" else "right")
    results = {
        "params": n_params,
        "peak_flops": peak,
        "steps": args.steps,
        "batch_size": args.batch_size,
    }
    for name, r in runs.items():
        tps = r["tokens"] / r["runtime"] if r["runtime"] else 0.0
        flops = 6 * n_params * tps
        results[name] = {**r, "tokens_per_s": tps, "mfu": flops / peak}
        table.add_row(
            name,
            f"{r['tokens']:.0f}",
            f"{r['runtime']:.1f}",
            f"{tps:.1f}",
            f"{flops / 1e9:.1f} G",
            f"{flops / peak:.1%}",
            f"{r['loss']:.3f}",
        )
    ratio = results["lamagent.finetune.sft"]["tokens_per_s"] / max(
        results["plain TRL SFTTrainer"]["tokens_per_s"], 1e-9
    )
    results["ratio"] = ratio
    console = Console(width=120)
    console.print(table)
    console.print(
        f"matmul peak: {peak / 1e9:.1f} GFLOP/s; lamagent / plain TRL tokens/s: {ratio:.2f}"
    )
    if args.bf16:
        fp32 = [
            results[k]["tokens_per_s"] for k in runs if k.startswith("lamagent") and "bf16" not in k
        ]
        fp32_mean = max(sum(fp32) / len(fp32), 1e-9)
        bf16_ratio = results["lamagent.finetune.sft, bf16"]["tokens_per_s"] / fp32_mean
        results["bf16_ratio"] = bf16_ratio
        console.print(f"bf16 / fp32 tokens/s (against the mean of the fp32 runs): {bf16_ratio:.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
