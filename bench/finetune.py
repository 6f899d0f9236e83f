"""SFT throughput: lamagent.finetune.sft against a plain TRL SFTTrainer run, in the same run.

Both runs train the same model on the same samples with the same LoRA settings, learning rate,
batch size and number of steps. The plain run gives TRL prompt/completion text pairs and lets it
tokenize and mask (`completion_only_loss`); lamagent's run gives it the pre-tokenized, pre-masked
samples of `build_sft_dataset`. Throughput is trained tokens (TRL's `num_tokens`, summed over
processes) per second of `trainer.train()` (rank 0's). The runs alternate (`--rounds`, the order
flipped each round) so that drift in the machine's load hits both; the table shows each run's mean.

With `--processes N` (N > 1) the same comparison runs again over N processes: lamagent's
launched run (`TrainSettings(processes=N)`, torchrun) against this script started by torchrun as
a plain TRL worker; `--deepspeed zero2` runs both under DeepSpeed (GPU only: on CPUs a plain TRL
run cannot start DeepSpeed, see docs/finetune.md).

Model FLOPs utilisation: a training token costs about 6·N FLOPs (forward 2·N, backward 4·N) with
N = every parameter of the model (frozen ones included; attention score FLOPs left out). With
LoRA the frozen weights get no weight gradient, so the work actually done is nearer 4·N: the 6·N
figure is the usual convention, an upper bound of useful work. The peak is the best fp32 (or
bf16 on GPU) matmul FLOP/s measured by a torch microbenchmark in the same run.

    .venv/bin/python bench/finetune.py --steps 4 --batch-size 2 --processes 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
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
    TrainSettings,
    build_sft_dataset,
    deepspeed_config,
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
    """The baseline: TRL tokenizes and masks prompt/completion pairs itself (under torchrun,
    one process of a multi-process run)."""
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
            deepspeed=deepspeed_config(args.deepspeed) if args.deepspeed else None,
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


def plain_trl_launched(args: argparse.Namespace, processes: int) -> dict:
    """The baseline over `processes` processes: this script under torchrun, as a TRL worker."""
    with tempfile.TemporaryDirectory() as out:
        result = Path(out) / "plain.json"
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
        cmd += [f"--nproc-per-node={processes}", __file__, "--plain-worker", str(result)]
        cmd += ["--steps", str(args.steps), "--batch-size", str(args.batch_size)]
        cmd += ["--threads", str(max(1, args.threads // processes))]
        if args.model:
            cmd += ["--model", args.model]
        if args.deepspeed:
            cmd += ["--deepspeed", args.deepspeed]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        return dict(json.loads(result.read_text()))


def lamagent_sft(
    model_path: str,
    data: Any,
    args: argparse.Namespace,
    lora: LoraSettings,
    bf16: bool | None = None,
    processes: int = 1,
) -> dict:
    settings = TrainSettings(
        lora=lora,
        lr=2e-4,
        max_steps=args.steps,
        batch_size=args.batch_size,
        progress=False,
        save=False,
        bf16=bf16,
        processes=processes,
        deepspeed=args.deepspeed if processes > 1 else None,
    )
    with tempfile.TemporaryDirectory() as out:
        env = os.environ.get("OMP_NUM_THREADS")
        os.environ["OMP_NUM_THREADS"] = str(max(1, args.threads // processes))
        try:
            result = sft(model_path, data, out_dir=out, settings=settings)
        finally:
            if env is None:
                del os.environ["OMP_NUM_THREADS"]
            else:
                os.environ["OMP_NUM_THREADS"] = env
        rows = [json.loads(x) for x in result.metrics_path.read_text().splitlines() if x.strip()]
    return {
        "runtime": result.train_runtime,
        "tokens": _last(rows, "num_tokens"),
        "loss": _last(rows, "loss"),
    }


def sft_data(model_path: str) -> Any:
    """The call turns of the demo set, tokenized and masked by lamagent's Format."""
    from transformers import AutoTokenizer

    kept, _ = filter_trajectories(demo_trajectories())
    data = build_sft_dataset(kept, get("xlam2-qwen"), AutoTokenizer.from_pretrained(model_path))
    return data.filter(lambda r: r["step_id"] == 1)


def plain_worker(args: argparse.Namespace) -> None:
    """One process of the multi-process plain TRL run; rank 0 writes the result."""
    torch.set_num_threads(args.threads)
    model_path = args.model or str(default_hf_checkpoint())
    result = plain_trl(model_path, sft_data(model_path), args, LoraSettings())
    if os.environ.get("RANK", "0") == "0":
        args.plain_worker.write_text(json.dumps(result))


def alternated(
    rounds: int, plain: Any, ours: Any, names: tuple[str, str]
) -> dict[str, dict[str, float]]:
    """Run both `rounds` times, the order flipped each round; per run: totals over rounds."""
    done: dict[str, list[dict]] = {names[0]: [], names[1]: []}
    for i in range(rounds):
        order = [(names[0], plain), (names[1], ours)]
        for name, run in order if i % 2 == 0 else reversed(order):
            done[name].append(run())
    return {
        name: {
            "runtime": sum(r["runtime"] for r in rs),
            "tokens": sum(r["tokens"] for r in rs),
            "loss": rs[0]["loss"],
            "rounds": len(rs),
        }
        for name, rs in done.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="checkpoint (default: SmolLM2-135M)")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=2, help="per process")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads, all processes")
    parser.add_argument("--rounds", type=int, default=2, help="alternated rounds per comparison")
    parser.add_argument("--processes", type=int, default=1, help="also compare over N processes")
    parser.add_argument("--deepspeed", default=None, help="DeepSpeed config for the N-process runs")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument(
        "--bf16",
        action="store_true",
        help="also run lamagent.finetune.sft with bf16=True (on CPU: autocast, bf16 weights)",
    )
    parser.add_argument("--plain-worker", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain_worker is not None:
        plain_worker(args)
        return
    torch.set_num_threads(args.threads)
    model_path = args.model or str(default_hf_checkpoint())

    from transformers import AutoConfig, AutoModelForCausalLM

    data = sft_data(model_path)
    with torch.device("meta"):
        n_params = sum(
            p.numel()
            for p in AutoModelForCausalLM.from_config(
                AutoConfig.from_pretrained(model_path)
            ).parameters()
        )
    lora = LoraSettings()
    peak = matmul_flops()
    one = ("plain TRL SFTTrainer", "lamagent.finetune.sft")
    runs = alternated(
        args.rounds,
        lambda: plain_trl(model_path, data, args, lora),
        lambda: lamagent_sft(model_path, data, args, lora),
        one,
    )
    pairs = [one]
    if args.processes > 1:
        n = args.processes
        many = (f"plain TRL SFTTrainer, {n} processes", f"lamagent.finetune.sft, {n} processes")
        runs |= alternated(
            args.rounds,
            lambda: plain_trl_launched(args, n),
            lambda: lamagent_sft(model_path, data, args, lora, processes=n),
            many,
        )
        pairs.append(many)
    if args.bf16:
        runs["lamagent.finetune.sft, bf16"] = lamagent_sft(model_path, data, args, lora, True)
    peak = max(peak, matmul_flops())

    table = Table(
        title=f"SFT throughput, {n_params / 1e6:.1f}M params, LoRA r={lora.r}, "
        f"{args.steps} steps x batch {args.batch_size} per process, {args.rounds} rounds"
    )
    for col in ("run", "tokens", "seconds", "tokens/s", "6N FLOP/s", "of peak", "last loss"):
        table.add_column(col, justify="left" if col == "run" else "right")
    results: dict[str, Any] = {
        "params": n_params,
        "peak_flops": peak,
        "steps": args.steps,
        "batch_size": args.batch_size,
        "rounds": args.rounds,
        "device": "cuda" if torch.cuda.is_available() else "cpu",
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
    console = Console(width=120)
    console.print(table)
    console.print(f"matmul peak: {peak / 1e9:.1f} GFLOP/s")
    for plain, ours in pairs:
        ratio = results[ours]["tokens_per_s"] / max(results[plain]["tokens_per_s"], 1e-9)
        results[f"ratio: {ours}"] = ratio
        console.print(f"{ours} / {plain} tokens/s: {ratio:.2f} (target >= 1.0)")
    if not torch.cuda.is_available():
        results["gpu"] = "not measured"
        console.print("GPU figures: not measured (no GPU on this machine)")
    if args.bf16:
        fp32 = results["lamagent.finetune.sft"]["tokens_per_s"]
        bf16_ratio = results["lamagent.finetune.sft, bf16"]["tokens_per_s"] / max(fp32, 1e-9)
        results["bf16_ratio"] = bf16_ratio
        console.print(f"bf16 / fp32 tokens/s: {bf16_ratio:.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
