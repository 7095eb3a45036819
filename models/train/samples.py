"""Write models/train/family-samples.json: what a Node test needs to recompute the model cards' sampled
and held-out numbers from the committed ONNX weights (src/lab/family-card.test.ts).

    /usr/bin/python3 models/train/samples.py

For each committed sibling it loads the weights from models/<name>/onnx/model.onnx (checked against the
folder's reference logits), re-runs the build's own measurements with the build's seeds (answer
distributions, seed 5; on-policy entropy, seed 6), checks that they reproduce family-metrics.json (the
same weights, the same torch, one thread: the draws are the same), and records every draw (token ids).
It also records the held-out documents that the first BPB_WINDOWS windows of each held-out stream cover,
so that bits per byte can be recomputed from the text. A sampler in another runtime cannot replay
torch.multinomial's draws; with the draws recorded, every number built from them (entropies, branching,
temperature to the base's entropy, answer counts) is recomputed exactly from the weights. lab-rl-nokl is
not exported and cannot be checked this way.
"""
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ["LAB_BUILD_REEXEC"] = "1"
sys.argv = sys.argv[:1]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import json  # noqa: E402
import math  # noqa: E402

import torch  # noqa: E402

import bpe  # noqa: E402
import build  # noqa: E402
import sft_corpus  # noqa: E402
from model import Llama  # noqa: E402

torch.set_num_threads(1)
metrics = json.load(open(os.path.join(HERE, "family-metrics.json"), encoding="utf-8"))
tok = bpe.Tokenizer.from_file(os.path.join(build.MODELS, "lab-base", "tokenizer.json"))
tb = build.token_bytes(tok)

_, _, _, b_held, _, w_held = build.load_text()
need = build.BPB_WINDOWS * build.CTX + 1


def covering(docs):
    """The first documents of a held-out stream that its first BPB_WINDOWS windows read."""
    out, n = [], 0
    for d in docs:
        out.append(d)
        n += len(tok.encode(d)) + 1
        if n >= need:
            return out
    return out


held_text = {"brown": covering(b_held), "wordnet": covering(w_held)}
streams = {"brown": build.stream(tok, b_held), "wordnet": build.stream(tok, w_held)}
for k, docs in held_text.items():
    s = build.stream(tok, docs)
    assert len(s) >= need and torch.equal(s[:need], streams[k][:need]), k

temps = [1.0, 1.25, 1.5, 2.0, 2.5, 3.0]
out = {
    "description": "Draws and held-out text behind the model cards' sampled numbers (models/train/samples.py); "
                   "recomputed from the ONNX weights by src/lab/family-card.test.ts.",
    "bpb": {"windows": build.BPB_WINDOWS, "ctx": build.CTX, "eot": build.EOT, "documents": held_text},
    "answers": {"n_per_prompt": 100, "seed": 5, "max_new": 16, "temperature": 1.0,
                "number_range": list(sft_corpus.HELD_NUMBER_RANGE)},
    "onpolicy": {"k": 8, "seed": 6, "max_new": 24},
    "siblings": {},
}
ok = True


def same(label, got, want, tol=0.0):
    global ok
    # tol: the same draws, float32 sums in another order (the build's model object vs the ONNX-loaded one)
    good = (got == want) if tol == 0.0 else (got is not None and want is not None and abs(got - want) <= tol)
    print(f"{'ok  ' if good else 'DIFF'} {label}: recomputed {got!r} card {want!r}")
    ok = ok and good


def grouped(draws, keys):
    """Draws grouped by prompt, in drawing order: {kind?, prompt, ids: [[...], ...], finished: "1101..."}."""
    out = []
    for d in draws:
        if not out or any(out[-1][k] != d[k] for k in keys):
            out.append({**{k: d[k] for k in keys}, "ids": [], "finished": ""})
        out[-1]["ids"].append(d["ids"])
        out[-1]["finished"] += "1" if d["finished"] else "0"
    return out


for name in build.SIBLINGS:
    folder = os.path.join(build.MODELS, name)
    m = Llama(build.CFG)
    m.load_state_dict(build.load_onnx_weights(os.path.join(folder, "onnx", "model.onnx")))
    build.check_reference(m, folder)
    m.eval()
    eos = {build.EOT} if name == "lab-base" else build.CHAT_EOS
    card = metrics["eval"][name]
    for k in ("brown", "wordnet"):
        same(f"{name} bpb {k}", build.bits_per_byte(m, streams[k], tb), card[f"bpb_{k}"], 1e-6)
    ans_rec = []
    ans = build.answer_distributions(m, tok, eos, 100, seed=5, record=ans_rec)
    for kind, a in ans.items():
        same(f"{name} answers {kind} counts", a["counts"], card["answers"][kind]["counts"])
        same(f"{name} answers {kind} valid", a["valid"], card["answers"][kind]["valid"])
    pol_rec = {}
    pol = build.onpolicy(m, tok, eos, temps if name != "lab-base" else [1.0], 8, seed=6, record=pol_rec)
    for T, v in pol.items():
        same(f"{name} on-policy entropy T={T}", v["entropy_nats"], card["onpolicy"][T]["entropy_nats"], 1e-6)
    out["siblings"][name] = {"answers": grouped(ans_rec, ("kind", "prompt")),
                             "onpolicy": {T: grouped(v, ("prompt",)) for T, v in pol_rec.items()}}

path = os.path.join(HERE, "family-samples.json")
with open(path, "w", encoding="utf-8") as f:
    # one draw per line: readable diffs, small file
    f.write(json.dumps(out, ensure_ascii=False, separators=(",", ":")).replace('},{"', '},\n{"').replace('],[', '],\n['))
    f.write("\n")
print("wrote", path, f"({os.path.getsize(path) / 1e3:.0f} kB)")
if not ok:
    sys.exit("the recomputed numbers differ from family-metrics.json (see DIFF lines)")
