"""`python -m lamagent.finetune sft|dpo|export ...`: the same commands as `lamagent finetune`.

This entry point is what multi-GPU launchers run, e.g.
`accelerate launch --num_processes 8 -m lamagent.finetune sft MODEL --data runs.db --out run
--deepspeed zero3`.
"""

from lamagent.cli.finetune import app

if __name__ == "__main__":
    app()
