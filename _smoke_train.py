import time, torch
torch.set_num_threads(2)
from transformers import AutoTokenizer
from lamagent.formats import get
from lamagent.finetune.examples import demo_trajectories
from lamagent.finetune.filters import filter_trajectories
from lamagent.finetune.data import build_sft_dataset
from lamagent.finetune.train import sft
from lamagent.models import default_hf_checkpoint
ck = default_hf_checkpoint()
tok = AutoTokenizer.from_pretrained(str(ck))
fmt = get("xlam2-qwen")
kept, rep = filter_trajectories(demo_trajectories())
ds = build_sft_dataset(kept, fmt, tok)
print(len(ds), sum(len(x) for x in ds["input_ids"])/len(ds))
t=time.time()
res = sft(str(ck), ds, out_dir="/tmp/ft_smoke", max_steps=30, batch_size=4, lr=1e-3, progress=False, format="xlam2-qwen")
print("time", time.time()-t, res.losses[:3], res.losses[-3:], res.tokens_per_second)
