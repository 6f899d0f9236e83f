"""Start a training run over several processes with torchrun, and collect what it wrote.

The data is prepared once, here: the dataset (already tokenized and masked for SFT, rendered
pairs for DPO) is saved under the run directory with the settings, and every worker
(`python -m lamagent.finetune.worker`) loads that copy, so all processes train on exactly the
samples and masks a single-process run would. torchrun (`python -m torch.distributed.run`) sets
the rank variables that the Trainer and DeepSpeed read; only rank 0's output is shown.
"""

from __future__ import annotations

import codecs
import json
import os
import shutil
import subprocess
import sys
from collections import deque
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from lamagent.finetune.settings import FinetuneError, TrainSettings

if TYPE_CHECKING:
    from datasets import Dataset

    from lamagent.finetune.train import TrainResult

JOB_FILE = "job.json"
DATA_DIR = "data"


def write_job(
    job_dir: Path, kind: Literal["sft", "dpo"], model: str, dataset: Dataset, s: TrainSettings
) -> None:
    """Save what the workers need: the dataset and a JSON file with the method, model, settings."""
    if job_dir.exists():
        shutil.rmtree(job_dir)
    job_dir.mkdir(parents=True)
    dataset.save_to_disk(str(job_dir / DATA_DIR))
    job = {"kind": kind, "model": model, "settings": s.model_dump(mode="json")}
    (job_dir / JOB_FILE).write_text(json.dumps(job, indent=2))


def torchrun_command(job_dir: Path, processes: int) -> list[str]:
    """The torchrun command line that starts `processes` workers on this machine."""
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",  # a free local port for the rendezvous
        f"--nproc-per-node={processes}",
        "--local-ranks-filter=0",
        "-m",
        "lamagent.finetune.worker",
        str(job_dir),
    ]


def _stream(proc: subprocess.Popen[bytes], out: IO[str], keep: int = 60) -> list[str]:
    """Copy the process's output to `out` as it comes; return its last `keep` lines."""
    assert proc.stdout is not None
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    tail: deque[str] = deque(maxlen=keep)
    pending = ""
    while chunk := proc.stdout.read1(65536):  # type: ignore[attr-defined]
        text = decoder.decode(chunk)
        out.write(text)
        out.flush()
        lines = (pending + text).split("\n")
        pending = lines.pop()
        tail.extend(lines)
    if pending:
        tail.append(pending)
    return list(tail)


def launch(
    kind: Literal["sft", "dpo"],
    model: str,
    dataset: Dataset,
    out_dir: str | os.PathLike[str],
    s: TrainSettings,
    *,
    out: IO[str] | None = None,
) -> TrainResult:
    """Run `kind` over `s.processes` local processes (torchrun), DeepSpeed per the settings.

    Blocks until the run ends; its progress (rank 0's log) goes to `out` (default stdout).
    Raises `FinetuneError` with the end of the log when a worker fails.
    """
    from lamagent.finetune.train import TrainResult, read_metric

    run_dir = Path(out_dir)
    job_dir = run_dir / "job"
    write_job(job_dir, kind, model, dataset, s)
    env = dict(os.environ)
    # torchrun would set 1 thread per worker; on CPUs give each worker its share of the cores
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // s.processes)))
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    proc = subprocess.Popen(
        torchrun_command(job_dir, s.processes),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        tail = _stream(proc, out or sys.stdout)
    finally:
        code = proc.wait()
        shutil.rmtree(job_dir / DATA_DIR, ignore_errors=True)
    summary_path = run_dir / "summary.json"
    if code != 0 or not summary_path.is_file():
        log = "\n".join(tail[-40:])
        raise FinetuneError(f"the {s.processes}-process {kind} run failed (exit {code}):\n{log}")
    summary = json.loads(summary_path.read_text())
    metrics_path = run_dir / "metrics.jsonl"
    plot = run_dir / "loss.png"
    model_dir = run_dir / "model"
    return TrainResult(
        run_dir=run_dir,
        model_dir=model_dir if s.save else None,
        metrics_path=metrics_path,
        plot_path=plot if plot.is_file() else None,
        losses=read_metric(metrics_path, "loss"),
        train_runtime=float(summary["train_runtime_s"]),
        train_tokens=int(summary["train_tokens"]),
        metrics={k: v for k, v in summary.items() if k not in ("train_runtime_s", "train_tokens")},
    )
