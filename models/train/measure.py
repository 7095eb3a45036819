"""Add the numbers of build.extra_measures to models/train/family-metrics.json from the stage weights a
build left in models/train/work/ (base.pt, sft.pt, rl.pt, rl-nokl.pt), then rewrite the model cards.
build.py does this itself; this script serves a build that ran before extra_measures existed.

    /usr/bin/python3 models/train/measure.py
"""
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ["LAB_BUILD_REEXEC"] = "1"
sys.argv = sys.argv[:1]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import json  # noqa: E402

import torch  # noqa: E402

import bpe  # noqa: E402
import build  # noqa: E402
import cards  # noqa: E402
from model import Llama  # noqa: E402

torch.set_num_threads(1)
tok = bpe.Tokenizer.from_file(os.path.join(build.WORK, "tokenizer.json"))
tb = build.token_bytes(tok)
models = {}
for name, f in (("lab-base", "base.pt"), ("lab-sft", "sft.pt"), ("lab-rl", "rl.pt"), ("lab-rl-nokl", "rl-nokl.pt")):
    m = Llama(build.CFG)
    m.load_state_dict(torch.load(os.path.join(build.WORK, f)))
    m.eval()
    models[name] = (m, None)
slices = json.load(open(os.path.join(HERE, "heldout-slices.json"), encoding="utf-8"))
path = os.path.join(HERE, "family-metrics.json")
metrics = json.load(open(path, encoding="utf-8"))
metrics.update(build.extra_measures(models, tok, tb, slices))
build.write_json(path, metrics)
cards.write_cards(metrics, {n: os.path.join(build.MODELS, n) for n in build.SIBLINGS})
print("updated", path)
