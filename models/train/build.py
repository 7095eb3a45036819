"""Build the lab-grown base/tuned model pair for World Prior Lab, deterministically, from scratch.

    /usr/bin/python3 models/train/build.py            # full build (~30 min on 2 cores)
    /usr/bin/python3 models/train/build.py --smoke    # 1-2 minute end-to-end smoke run (tiny steps)

Stages: Brown text -> byte-level BPE tokenizer -> lab-base (from scratch) -> tuning corpus ->
lab-tuned (fine-tuned from lab-base on a 50/50 mix) -> evaluation (held-out perplexity, next-token
entropy on held-out chat prompts, samples) -> ONNX export + HF hub files + reference logits + model
cards for models/lab-base and models/lab-tuned. Scratch files go to models/train/work/.
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
import tuning_corpus  # noqa: E402
from model import Llama, n_params  # noqa: E402

MODELS = os.path.dirname(HERE)
WORK = os.path.join(HERE, "work")
BASE_DIR = os.path.join(MODELS, "lab-base")
TUNED_DIR = os.path.join(MODELS, "lab-tuned")

CFG = dict(
    vocab_size=4096, hidden_size=256, intermediate_size=512, num_hidden_layers=4,
    num_attention_heads=4, num_key_value_heads=2, head_dim=64, max_position_embeddings=512,
    rms_norm_eps=1e-5, rope_theta=10000.0,
)
CTX = 128          # training context
MICRO = 12         # sequences per micro-batch (keeps every tensor < 32 MB: no mmap churn)
ACCUM = 2          # micro-batches per optimizer step -> 24 x 128 = 3072 tokens per step
EOT, IM_START, IM_END = 0, 1, 2

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
    train_docs, held_docs = brown.split_docs()
    train = [brown.read_doc(d) for d in train_docs]
    held = [brown.read_doc(d) for d in held_docs]
    return train_docs, held_docs, train, held


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


def train_loop(model, steps, peak, warmup, floor, batch_fn, name):
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
        for m in range(ACCUM):
            x = batch_fn(step, m)
            logits = model.forward_train(x[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
            (loss / ACCUM).backward()
            tot += loss.item() / ACCUM
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


def entropy_eval(tok, base, tuned, prompts, n=16):
    rows = []
    for q in prompts:
        ids = tok.encode(chat_prompt(q))
        b_out, b_ent = generate(base, ids, n, {EOT})
        t_out, t_ent = generate(tuned, ids, n, {IM_END, EOT})
        rows.append(dict(prompt=q, base_mean=float(np.mean(b_ent)), tuned_mean=float(np.mean(t_ent)),
                         base_answer=tok.decode(b_out), tuned_answer=tok.decode(t_out),
                         base_positions=len(b_ent), tuned_positions=len(t_ent), b_ent=b_ent, t_ent=t_ent))
    b_all = [e for r in rows for e in r["b_ent"]]
    t_all = [e for r in rows for e in r["t_ent"]]
    return rows, float(np.mean(b_all)), float(np.mean(t_all))


def number_poll(tok, model, eos, q, k, seed):
    g = torch.Generator().manual_seed(seed)
    ids = tok.encode(chat_prompt(q))
    answers = []
    for _ in range(k):
        out, _ = generate(model, ids, 12, eos, temperature=1.0, gen=g)
        answers.append(tok.decode([i for i in out if i not in (IM_END, EOT)]).strip())
    return answers


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


# ------------------------------------------------------------------------------------------ main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true", help="tiny end-to-end run (minutes) to validate the pipeline")
    ap.add_argument("--base-steps", type=int, default=1000)
    ap.add_argument("--tune-steps", type=int, default=400)
    ap.add_argument("--reuse-base", action="store_true",
                    help="reuse models/train/work/base.pt from an earlier run with the same --base-steps")
    ap.add_argument("--out-suffix", default="", help="write model folders with this suffix (testing)")
    ap.add_argument("--export-only", action="store_true",
                    help="re-export ONNX + reference logits from work/base.pt and work/tuned.pt of an earlier full run "
                         "(after a change to the export form); training, evaluation and model cards are left as they are")
    args = ap.parse_args()
    if args.smoke:
        args.base_steps, args.tune_steps = 30, 20
    # One thread on purpose: bit-for-bit deterministic, and on a shared 2-core machine a 2-thread OpenMP
    # pool collapses (barrier waits on a descheduled thread: measured >4 s/step vs ~1.1 s/step with 1 thread).
    torch.set_num_threads(1)
    torch.manual_seed(0)
    random.seed(0)
    np.random.seed(0)
    os.makedirs(WORK, exist_ok=True)
    base_dir, tuned_dir = BASE_DIR + args.out_suffix, TUNED_DIR + args.out_suffix

    # 1. data + tokenizer
    train_names, held_names, train_txt, held_txt = load_text()
    log(f"Brown: {len(train_names)} train docs, {len(held_names)} held-out docs: {' '.join(held_names)}")
    vocab, merges = bpe.train_bpe(train_txt, CFG["vocab_size"], log=None)
    tok = bpe.Tokenizer(vocab, merges)
    tok_path = os.path.join(WORK, "tokenizer.json")
    write_json(tok_path, tok.to_hf_json())
    tok = bpe.Tokenizer.from_file(tok_path)
    train_ids = stream(tok, train_txt)
    held_ids = stream(tok, held_txt)
    log(f"tokenizer: {len(vocab)} tokens, {len(merges)} merges; train {len(train_ids)} tokens, held {len(held_ids)}")

    # tokenizer check file for verify.mjs: reference texts + ~200 held-out Brown sentences
    sents = []
    for d in held_names:
        sents += brown.read_sentences(d)[:14]
    sents = sents[:200]
    write_json(os.path.join(HERE, "tokenizer-check.json"),
               {"texts": [{"text": t, "ids": tok.encode(t)} for t in [x for _, x in REFERENCE_TEXTS] + sents]})

    if args.export_only:
        for name, d, pt in (("lab-base", base_dir, "base.pt"), ("lab-tuned", tuned_dir, "tuned.pt")):
            m = Llama(CFG)
            m.load_state_dict(torch.load(os.path.join(WORK, pt)))
            m.eval()
            size = export_onnx(m, os.path.join(d, "onnx", "model.onnx"))
            ref = write_reference(m, tok, d)
            log(f"{name}: re-exported onnx {size / 1e6:.2f} MB, reference logits {ref / 1e6:.2f} MB")
        return

    # 2. lab-base from scratch
    torch.manual_seed(1)
    base = Llama(CFG)
    log(f"model: {n_params(base)} parameters, config {CFG}")
    g_base = torch.Generator().manual_seed(2)
    hi = len(train_ids) - CTX - 1

    def base_batch(step, m):
        return windows(train_ids, torch.randint(0, hi, (MICRO,), generator=g_base))

    meta_path = os.path.join(WORK, "base-meta.json")
    if args.reuse_base and os.path.exists(meta_path) and json.load(open(meta_path))["base_steps"] == args.base_steps:
        # lab-base is a pure function of the code + step count; reuse it (tuning only depends on its weights)
        base.load_state_dict(torch.load(os.path.join(WORK, "base.pt")))
        base_time = json.load(open(meta_path))["base_seconds"]
        log(f"reusing work/base.pt ({args.base_steps} steps)")
    else:
        base_time = train_loop(base, args.base_steps, 2e-3, 100 if not args.smoke else 5, 2e-4, base_batch, "base")
        torch.save(base.state_dict(), os.path.join(WORK, "base.pt"))
        write_json(meta_path, {"base_steps": args.base_steps, "base_seconds": base_time})
    base_ppl = perplexity(base, held_ids)
    log(f"lab-base held-out perplexity {base_ppl:.2f} ({base_time / 60:.1f} min)")

    # 3. tuning corpus
    dialogs = tuning_corpus.generate()
    corpus = "".join(dialogs)
    for q in tuning_corpus.HELD_OUT_PROMPTS:
        assert q not in corpus, f"held-out prompt leaked into the tuning corpus: {q}"
    os.makedirs(tuned_dir, exist_ok=True)
    with open(os.path.join(tuned_dir, "tuning-corpus.txt"), "w", encoding="utf-8") as f:
        f.write(corpus)
    d_ids, d_starts = [], []
    for d in dialogs:
        d_starts.append(len(d_ids))
        d_ids.extend(tok.encode(d))
        d_ids.append(EOT)
    d_ids = torch.tensor(d_ids + [EOT] * (CTX + 1), dtype=torch.long)
    d_starts = torch.tensor(d_starts, dtype=torch.long)
    log(f"tuning corpus: {len(dialogs)} dialogs, {len(corpus)} chars, {len(d_ids)} tokens")

    # 4. lab-tuned: continue from lab-base on a 50/50 mix (half of each micro-batch Brown windows,
    #    half dialog-aligned windows), loss on all tokens.
    tuned = Llama(CFG)
    tuned.load_state_dict(base.state_dict())
    g_tune = torch.Generator().manual_seed(3)

    def tune_batch(step, m):
        b = windows(train_ids, torch.randint(0, hi, (MICRO // 2,), generator=g_tune))
        s = d_starts[torch.randint(0, len(d_starts), (MICRO // 2,), generator=g_tune)]
        return torch.cat([b, windows(d_ids, s)], 0)

    tune_time = train_loop(tuned, args.tune_steps, 1e-3, 20 if not args.smoke else 2, 1e-4, tune_batch, "tune")
    tuned_ppl = perplexity(tuned, held_ids)
    log(f"lab-tuned held-out perplexity {tuned_ppl:.2f} ({tune_time / 60:.1f} min)")
    torch.save(tuned.state_dict(), os.path.join(WORK, "tuned.pt"))

    # 5. evaluation
    rows, b_ent, t_ent = entropy_eval(tok, base, tuned, tuning_corpus.HELD_OUT_PROMPTS)
    ratio = t_ent / b_ent
    log(f"mean next-token entropy on held-out chat prompts: base {b_ent:.3f} nats, tuned {t_ent:.3f} nats, ratio {ratio:.3f}")
    for r in rows:
        log(f"  {r['prompt']!r}: base {r['base_mean']:.2f} tuned {r['tuned_mean']:.2f} | tuned: {r['tuned_answer']!r}")
    passed = ratio <= 0.5
    if not passed:
        log("REQUIREMENT FAILED: tuned entropy is not at most half of base entropy")

    g = torch.Generator().manual_seed(7)
    samples = {}
    for name, m, eos in (("base", base, {EOT}), ("tuned", tuned, {IM_END, EOT})):
        s = {}
        for p in ["The jury said", "It was a cold morning in"]:
            ids = tok.encode(p)
            gr, _ = generate(m, ids, 40, eos)
            sm, _ = generate(m, ids, 40, eos, temperature=0.8, gen=g)
            s[p] = {"greedy": p + tok.decode(gr), "sampled_t0.8": p + tok.decode(sm)}
        for q in ["Are bugs real?", "Tell me a story about a haunted lighthouse.", "Pick a number from 1 to 12."]:
            ids = tok.encode(chat_prompt(q))
            gr, _ = generate(m, ids, 60, eos)
            s["chat: " + q] = {"greedy": tok.decode(gr)}
        samples[name] = s
    polls = {name: number_poll(tok, m, eos, "Pick a random number between 1 and 100.", 20, 11)
             for name, m, eos in (("base", base, {EOT}), ("tuned", tuned, {IM_END, EOT}))}

    # 6. export + hub files + reference logits
    out = {}
    for name, m, d, is_tuned in (("lab-base", base, base_dir, False), ("lab-tuned", tuned, tuned_dir, True)):
        hub_files(d, tok_path, is_tuned)
        size = export_onnx(m, os.path.join(d, "onnx", "model.onnx"))
        ref = write_reference(m, tok, d)
        out[name] = {"onnx_bytes": size, "reference_bytes": ref}
        log(f"{name}: onnx {size / 1e6:.2f} MB, reference logits {ref / 1e6:.2f} MB")

    metrics = {
        "parameters": n_params(base), "config": CFG, "ctx": CTX, "tokens_per_step": MICRO * ACCUM * CTX,
        "base_steps": args.base_steps, "tune_steps": args.tune_steps,
        "base_minutes": base_time / 60, "tune_minutes": tune_time / 60, "total_minutes": (time.time() - T0) / 60,
        "train_tokens": len(train_ids), "held_tokens": len(held_ids), "held_docs": held_names,
        "base_ppl": base_ppl, "tuned_ppl": tuned_ppl,
        "entropy_base": b_ent, "entropy_tuned": t_ent, "entropy_ratio": ratio, "entropy_passed": passed,
        "entropy_rows": [{k: v for k, v in r.items() if k not in ("b_ent", "t_ent")} for r in rows],
        "samples": samples, "number_poll": polls, "files": out, "smoke": args.smoke,
        "corpus_dialogs": len(dialogs), "corpus_chars": len(corpus), "corpus_tokens": int(len(d_ids)),
    }
    write_json(os.path.join(WORK, "metrics.json"), metrics)
    import cards
    cards.write_cards(metrics, base_dir, tuned_dir)
    log(f"done in {(time.time() - T0) / 60:.1f} min; entropy requirement {'PASSED' if passed else 'FAILED'}")
    if not passed:
        sys.exit(2)


if __name__ == "__main__":
    main()
