"""The 135M bench model: SmolLM2-135M's full shape with random weights, fp32 and q4, in hub layout.

    /usr/bin/python3 bench/standin_135m.py <folder>      # `npm run bench` calls this when the folder is missing

Built at bench time (never committed) with the stand-ins' machinery (models/standins/build.py and graph.py):
the optimum-style decoder graph the smollm2-optimum stand-in uses (standard ONNX ops, decomposed GQA
attention, position_ids, the optional num_logits_to_keep input, tied head), q4 as MatMulNBits (4 bit,
block 32, every linear layer and the head), with the shape of HuggingFaceTB/SmolLM2-135M's config.json:
30 layers, hidden 576, 9 heads / 3 KV heads (head_dim 64), intermediate 1536, vocabulary 49152, tied
embeddings, rope_theta 100000, rms_norm_eps 1e-5. The tokenizer is the SmolLM2 tokenizer stand-in
(GPT2Tokenizer type, SmolLM2's special tokens and chat template; a small vocabulary, so ids above it have
no text: the bench never decodes). Deterministic: the same seed gives the same bytes every run."""
import json
import os
import sys
import time

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
# models/standins first: models/train has a build.py of its own (and the BPE trainer the tokenizers use).
sys.path.insert(0, os.path.join(HERE, "..", "models", "train"))
sys.path.insert(0, os.path.join(HERE, "..", "models", "standins"))
from build import optimum_graph, weights, write_json  # noqa: E402
import standin_tokenizers as toks  # noqa: E402

# Bumped whenever the model this script writes changes (bench/standin-135m.ts checks it).
VERSION = 1

CONFIG = {
    "architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0, "bos_token_id": 0,
    "eos_token_id": 0, "head_dim": 64, "hidden_act": "silu", "hidden_size": 576, "initializer_range": 0.041666666666666664,
    "intermediate_size": 1536, "is_llama_config": True, "max_position_embeddings": 8192, "mlp_bias": False,
    "model_type": "llama", "num_attention_heads": 9, "num_hidden_layers": 30, "num_key_value_heads": 3,
    "pretraining_tp": 1, "rms_norm_eps": 1e-5, "rope_interleaved": False, "rope_scaling": None,
    "rope_theta": 100000, "tie_word_embeddings": True, "torch_dtype": "bfloat16", "transformers_version": "4.40.1",
    "use_cache": True, "vocab_size": 49152,
}


def main(folder):
    t0 = time.time()
    os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
    tok = toks.smollm2_tokenizer()
    write_json(os.path.join(folder, "config.json"), CONFIG)
    write_json(os.path.join(folder, "generation_config.json"), {"bos_token_id": 0, "eos_token_id": 0, "transformers_version": "4.40.1"})
    write_json(os.path.join(folder, "tokenizer.json"), tok["tokenizer_json"])
    write_json(os.path.join(folder, "tokenizer_config.json"), tok["tokenizer_config"])
    W = weights(CONFIG, seed=135135)
    for dtype, mode, name in (("fp32", "f32", "model.onnx"), ("q4", "q4", "model_q4.onnx")):
        model, _used = optimum_graph(CONFIG, W, mode, logits_to_keep=True)
        onnx.save(model, os.path.join(folder, "onnx", name))
        print(f"  {name}: {os.path.getsize(os.path.join(folder, 'onnx', name)) / 1e6:.0f} MB", flush=True)
    params = sum(int(np.prod(w.shape)) for w in W.values())
    with open(os.path.join(folder, "standin.json"), "w") as f:
        json.dump({"version": VERSION, "parameters": params, "built_in_s": round(time.time() - t0, 1)}, f)
        f.write("\n")
    print(f"  {params / 1e6:.1f}M parameters, built in {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
