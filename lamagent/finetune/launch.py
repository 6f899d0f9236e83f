"""Start a training run over several processes with torchrun, and collect what it wrote.

The data is prepared once, here: the dataset (already tokenized and masked for SFT, rendered
pairs for DPO) is saved under the run directory with the settings, and every worker
(`python -m lamagent.finetune.worker`) loads that copy, so all processes train on exactly the
samples and masks a single-process run would. torchrun (`python -m torch.distributed.run`) sets
the rank variables that the Trainer and DeepSpeed read; only rank 0's output is shown, and every
rank's output is kept under the run's `logs/` directory, so that a failure names what the failing
rank printed.
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
LOG_DIR = "logs"


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


def torchrun_command(job_dir: Path, processes: int, log_dir: Path | None = None) -> list[str]:
    """The torchrun command line that starts `processes` workers on this machine.

    With `log_dir`, every rank's stdout and stderr are also written there (torchrun's `--tee`);
    the console shows rank 0 only.
    """
    logs = [f"--log-dir={log_dir}", "--tee=3"] if log_dir is not None else []
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",  # a free local port for the rendezvous
        f"--nproc-per-node={processes}",
        *logs,
        "--local-ranks-filter=0",
        "-m",
        "lamagent.finetune.worker",
        str(job_dir),
    ]


def rank_logs(log_dir: Path, lines: int = 12) -> str:
    """The last `lines` lines of each rank's stderr under torchrun's `log_dir`, rank by rank;
    empty logs are left out. torchrun writes `<run id>/attempt_<n>/<rank>/stderr.log`."""
    parts = []
    for path in sorted(log_dir.glob("*/attempt_*/*/stderr.log")):
        text = path.read_text(errors="replace").strip()
        if text:
            tail = "\n".join(text.splitlines()[-lines:])
            parts.append(f"--- rank {path.parent.name} ({path.parent.parent.name}) ---\n{tail}")
    return "\n".join(parts)


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
    log_dir = run_dir / LOG_DIR
    shutil.rmtree(log_dir, ignore_errors=True)
    env = dict(os.environ)
    # torchrun would set 1 thread per worker; on CPUs give each worker its share of the cores
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // s.processes)))
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    proc = subprocess.Popen(
        torchrun_command(job_dir, s.processes, log_dir),
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
        ranks = rank_logs(log_dir)
        if ranks:
            log += f"\nwhat each rank wrote to stderr (all of it under {log_dir}):\n{ranks}"
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
