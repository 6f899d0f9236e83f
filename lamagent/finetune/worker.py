"""One process of a launched training run: `python -m lamagent.finetune.worker JOB_DIR`.

Started by `lamagent.finetune.launch` under torchrun (or by hand under any launcher that sets
RANK, LOCAL_RANK and WORLD_SIZE). It loads the job the launcher wrote (method, model, settings,
the prepared dataset) and runs the same `sft` / `dpo` code as a single process would.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

from lamagent.finetune.launch import DATA_DIR, JOB_FILE
from lamagent.finetune.settings import FinetuneError, TrainSettings


def run_job(job_dir: Path) -> None:
    """Train as the job in `job_dir` says; the run directory is the job directory's parent."""
    from datasets import load_from_disk

    from lamagent.finetune.train import dpo, in_launched_worker, sft

    if not in_launched_worker():
        raise FinetuneError("the worker runs under a launcher (torchrun): LOCAL_RANK is not set")
    job = json.loads((job_dir / JOB_FILE).read_text())
    settings = TrainSettings.model_validate(job["settings"])
    dataset = load_from_disk(str(job_dir / DATA_DIR))
    train = {"sft": sft, "dpo": dpo}[job["kind"]]
    train(job["model"], dataset, out_dir=job_dir.parent, settings=settings)
    _leave_together()


def _leave_together() -> None:
    """End the run's process group in step: every rank waits for the others, then closes it.

    A rank that simply exits while another still writes the checkpoint leaves its communicator
    to be torn down by the garbage collector at interpreter exit, which can abort the process
    (SIGABRT) after a run that succeeded. Only reached when training returned on this rank; a
    rank that raised exits at once and torchrun stops the others.
    """
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def main(argv: list[str] | None = None) -> None:
    """Entry point; errors are recorded so that torchrun's summary shows the worker's traceback."""
    from torch.distributed.elastic.multiprocessing.errors import record

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m lamagent.finetune.worker JOB_DIR")
    # torch.distributed warns about a deprecated collective at every ZeRO step; keep the log
    # to the training progress
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"torch\.distributed")
    record(run_job)(Path(args[0]))


if __name__ == "__main__":
    main()
