import sys, time; sys.path.insert(0, "tests")
import torch; torch.set_num_threads(2)
import finetune_helpers as h
print(repr(h.proof_prompt(0)), len(h.tokenizer()(h.proof_prompt(0))["input_ids"]))
t=time.time(); r = h.tuned_smollm2(); print("train s", time.time()-t, r.losses)
m = r.model
m.eval()
for i in range(2): print(repr(h.greedy(m, h.proof_prompt(i))))
