"""Build the stand-ins: tiny random-weight models with a real family's architecture, config fields,
tokenizer type, special tokens, chat template and the graph interface of the exporter style the hub
files come from (see README.md "Stand-ins" and ../../shared notes). Deterministic: same files every run.

    /usr/bin/python3 models/standins/build.py            # writes models/standins/<family>-<style>/

Each folder is in hub layout (config.json, generation_config.json, tokenizer.json, tokenizer_config.json,
onnx/model*.onnx) plus reference.json + reference-<dtype>.bin: float32 logits [S, V] of an independent
PyTorch forward (reference.py) on the weights each variant really holds."""
import json
import os
import sys

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "train"))
from onnx import helper  # noqa: E402
from graph import BOOL, F16, F32, G, I32, I64, Linear  # noqa: E402
from reference import gemma3_forward, qwen2_forward  # noqa: E402
import standin_tokenizers as toks  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def weights(cfg, seed, gemma=False):
    """Random weights, scaled so logits spread over several nats (a near-uniform output would make every
    comparison pass trivially)."""
    rng = np.random.RandomState(seed)
    Hd, I, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    H, Hkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    dh = cfg.get("head_dim") or Hd // H
    n = lambda *s, std=1.0: (rng.standard_normal(s) * std).astype(np.float32)
    W = {"embed": n(V, Hd, std=0.5 if not gemma else 0.3)}
    for l in range(cfg["num_hidden_layers"]):
        p = f"layers.{l}."
        W[p + "q_proj"] = n(H * dh, Hd, std=Hd ** -0.5)
        W[p + "k_proj"] = n(Hkv * dh, Hd, std=Hd ** -0.5)
        W[p + "v_proj"] = n(Hkv * dh, Hd, std=Hd ** -0.5)
        W[p + "o_proj"] = n(Hd, H * dh, std=(H * dh) ** -0.5)
        W[p + "gate_proj"] = n(I, Hd, std=Hd ** -0.5)
        W[p + "up_proj"] = n(I, Hd, std=Hd ** -0.5)
        W[p + "down_proj"] = n(Hd, I, std=I ** -0.5)
        if gemma:  # Gemma stores norm weights as w with the scale (1 + w)
            for k in ["input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm", "post_feedforward_layernorm"]:
                W[p + k] = n(Hd, std=0.2)
            W[p + "q_norm"], W[p + "k_norm"] = n(dh, std=0.2), n(dh, std=0.2)
        else:
            W[p + "input_layernorm"] = 1 + n(Hd, std=0.2)
            W[p + "post_attention_layernorm"] = 1 + n(Hd, std=0.2)
        if cfg.get("model_type") == "qwen3":  # per-head RMSNorm of q and k before RoPE
            W[p + "q_norm"], W[p + "k_norm"] = 1 + n(dh, std=0.2), 1 + n(dh, std=0.2)
        if cfg.get("_qkv_bias"):
            W[p + "q_bias"], W[p + "k_bias"], W[p + "v_bias"] = n(H * dh, std=0.5), n(Hkv * dh, std=0.5), n(Hkv * dh, std=0.5)
    W["norm"] = (n(Hd, std=0.2) if gemma else 1 + n(Hd, std=0.2))
    return W


# ---------------------------------------------------------------------------------------------------
# Style A: optimum export (standard ONNX ops, decomposed attention) + transformers.js quantize.py

def rmsnorm_std(g, x, w, eps, dt):
    sq = g.op("Mul", [x, x])
    mean = g.op("ReduceMean", [sq], axes=[-1], keepdims=1)
    r = g.op("Reciprocal", [g.op("Sqrt", [g.op("Add", [mean, g.const(np.array(eps, dtype=dt))])])])
    return g.op("Mul", [g.op("Mul", [x, r]), g.const(w.astype(dt))])


def optimum_graph(cfg, W, mode, kv16=False, logits_to_keep=False, merged=False):
    """Qwen2/Llama decoder with past, as optimum exports `text-generation-with-past`; fp16 variants are
    converted with keep_io_types (float32 inputs, outputs and KV), as transformers.js's quantize.py does,
    unless kv16 (float16 KV in and out, as SmolLM2's `kv_cache_dtype` says its fp16 files take).
    logits_to_keep: declare the optional int64 scalar `num_logits_to_keep` (0 = every position).
    merged: an old optimum "merged" decoder (`decoder_model_merged.onnx`, optimum's merge_decoders): a bool
    input `use_cache_branch` [1] and one `If` whose then-branch is the decoder with past and whose
    else-branch the decoder without it (the past inputs are declared but not read); both branches read
    the same outer-scope weights."""
    g = G()
    f16 = mode in ("f16", "q4f16")
    kvio = F16 if (f16 and kv16) else F32
    Hkv, dh = cfg["num_key_value_heads"], cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    g.input("input_ids", I64, ["batch_size", "sequence_length"])
    g.input("attention_mask", I64, ["batch_size", "total_sequence_length"])
    g.input("position_ids", I64, ["batch_size", "sequence_length"])
    for l in range(cfg["num_hidden_layers"]):
        for kv in ("key", "value"):
            g.input(f"past_key_values.{l}.{kv}", kvio, ["batch_size", Hkv, "past_sequence_length", dh])
    keep = g.input("num_logits_to_keep", I64, []) if logits_to_keep else None
    if not merged:
        used = optimum_decoder(g, cfg, W, mode, kvio, True, keep, g.output)
        return g.model(opset=17, ms=mode.startswith("q4") or mode.startswith("bnb4")), used
    cond = g.input("use_cache_branch", BOOL, [1])
    branches = {}
    for with_past in (True, False):
        sg = g.sub()
        outs = []
        used = optimum_decoder(sg, cfg, W, mode, kvio, with_past, keep, lambda *o: outs.append(o))
        tag = "with_past" if with_past else "no_past"
        for src, name, elem, shape in outs:
            sg.output(src, f"/{tag}/{name}", elem, [None] * len(shape))
        branches[tag] = sg.graph(f"{tag}_graph")
    names = [name for _src, name, _e, _s in outs]
    g.nodes.append(helper.make_node("If", [cond], names, name="optimum::if",
                                    then_branch=branches["with_past"], else_branch=branches["no_past"]))
    for _src, name, elem, shape in outs:
        g.outputs.append(helper.make_tensor_value_info(name, elem, shape))
    return g.model(opset=17, ms=mode.startswith("q4") or mode.startswith("bnb4")), used


def optimum_decoder(g, cfg, W, mode, kvio, with_past, keep, emit):
    """The decoder's body, reading the graph inputs by name (so it can be an If branch); each output goes to
    emit(source, output name, elem type, shape) as soon as it is computed. Returns the weights it really uses."""
    f16 = mode in ("f16", "q4f16")
    dt = np.float16 if f16 else np.float32
    lin = Linear(g, mode)
    H, Hkv, Hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["hidden_size"]
    dh = cfg.get("head_dim") or Hd // H
    grp = H // Hkv
    eps = cfg["rms_norm_eps"]
    used = {}
    ids, am, pos = "input_ids", "attention_mask", "position_ids"
    L = cfg["num_hidden_layers"]
    E = W["embed"].astype(dt)
    used["embed"] = E.astype(np.float32)
    x = g.op("Gather", [g.const(E, "model.embed_tokens.weight"), ids], axis=0)
    # RoPE tables from position_ids (computed in float32, then in the compute dtype)
    inv = (1.0 / (cfg["rope_theta"] ** (np.arange(0, dh, 2, dtype=np.float64) / dh))).astype(np.float32)
    pf = g.op("Unsqueeze", [g.op("Cast", [pos], to=F32), g.i64(2)])
    fr = g.op("Mul", [pf, g.const(inv)])
    emb = g.op("Concat", [fr, fr], axis=-1)
    cos, sin = g.op("Cos", [emb]), g.op("Sin", [emb])
    if f16:
        cos, sin = g.op("Cast", [cos], to=F16), g.op("Cast", [sin], to=F16)
    cos, sin = g.op("Unsqueeze", [cos, g.i64(1)]), g.op("Unsqueeze", [sin, g.i64(1)])  # [B,1,S,dh]
    # causal + padding mask as an additive bias [B,1,1,S,T]
    zero = g.const(np.array(0, dtype=np.int64))
    one = g.const(np.array(1, dtype=np.int64))
    S = g.op("Gather", [g.op("Shape", [ids]), one], axis=0)
    T = g.op("Gather", [g.op("Shape", [am]), one], axis=0)
    kr = g.op("Range", [zero, T, one])
    qa = g.op("Add", [g.op("Range", [zero, S, one]), g.op("Sub", [T, S])])
    causal = g.op("LessOrEqual", [kr, g.op("Unsqueeze", [qa, g.i64(1)])])
    allowed = g.op("And", [causal, g.op("Unsqueeze", [g.op("Cast", [am], to=BOOL), g.i64(1, 2, 3)])])
    bias = g.op("Where", [allowed, g.const(np.array(0, dtype=dt)), g.const(np.array(np.finfo(dt).min, dtype=dt))])

    def rot(t):  # rotate_half with two Slices, as torch.onnx writes x[..., :d/2] and x[..., d/2:]
        a = g.op("Slice", [t, g.i64(0), g.i64(dh // 2), g.i64(-1)])
        b = g.op("Slice", [t, g.i64(dh // 2), g.i64(dh), g.i64(-1)])
        return g.op("Concat", [g.op("Neg", [b]), a], axis=-1)

    def heads(t, n):
        return g.op("Transpose", [g.op("Reshape", [t, g.i64(0, 0, n, dh)])], perm=[0, 2, 1, 3])

    for l in range(L):
        p = f"layers.{l}."
        used[p + "input_layernorm"] = W[p + "input_layernorm"].astype(dt).astype(np.float32)
        h = rmsnorm_std(g, x, W[p + "input_layernorm"], eps, dt)
        proj = {}
        for nm in ("q", "k", "v"):
            b = W.get(p + nm + "_bias")
            y, used[p + nm + "_proj"], ub = lin(h, W[p + nm + "_proj"], b, f"model.layers.{l}.self_attn.{nm}_proj")
            if ub is not None:
                used[p + nm + "_bias"] = ub
            proj[nm] = y
        q, k, v = heads(proj["q"], H), heads(proj["k"], Hkv), heads(proj["v"], Hkv)
        q = g.op("Add", [g.op("Mul", [q, cos]), g.op("Mul", [rot(q), sin])])
        k = g.op("Add", [g.op("Mul", [k, cos]), g.op("Mul", [rot(k), sin])])
        if with_past:
            pk, pv = f"past_key_values.{l}.key", f"past_key_values.{l}.value"
            if f16 and kvio == F32:
                pk, pv = g.op("Cast", [pk], to=F16), g.op("Cast", [pv], to=F16)
            k = g.op("Concat", [pk, k], axis=2)
            v = g.op("Concat", [pv, v], axis=2)
        for src, nm in ((k, "key"), (v, "value")):
            emit(g.op("Cast", [src], to=F32) if (f16 and kvio == F32) else src, f"present.{l}.{nm}", kvio, ["batch_size", Hkv, "total_sequence_length", dh])
        q5 = g.op("Reshape", [q, g.i64(0, Hkv, grp, -1, dh)])
        k5 = g.op("Transpose", [g.op("Unsqueeze", [k, g.i64(2)])], perm=[0, 1, 2, 4, 3])
        sc = g.op("Add", [g.op("Mul", [g.op("MatMul", [q5, k5]), g.const(np.array(dh ** -0.5, dtype=dt))]), bias])
        pr = g.op("Softmax", [sc], axis=-1)
        o = g.op("MatMul", [pr, g.op("Unsqueeze", [v, g.i64(2)])])
        o = g.op("Reshape", [g.op("Transpose", [g.op("Reshape", [o, g.i64(0, H, -1, dh)])], perm=[0, 2, 1, 3]), g.i64(0, 0, H * dh)])
        y, used[p + "o_proj"], _ = lin(o, W[p + "o_proj"], None, f"model.layers.{l}.self_attn.o_proj")
        x = g.op("Add", [x, y])
        used[p + "post_attention_layernorm"] = W[p + "post_attention_layernorm"].astype(dt).astype(np.float32)
        h = rmsnorm_std(g, x, W[p + "post_attention_layernorm"], eps, dt)
        gt, used[p + "gate_proj"], _ = lin(h, W[p + "gate_proj"], None, f"model.layers.{l}.mlp.gate_proj")
        up, used[p + "up_proj"], _ = lin(h, W[p + "up_proj"], None, f"model.layers.{l}.mlp.up_proj")
        m = g.op("Mul", [g.op("Mul", [gt, g.op("Sigmoid", [gt])]), up])
        y, used[p + "down_proj"], _ = lin(m, W[p + "down_proj"], None, f"model.layers.{l}.mlp.down_proj")
        x = g.op("Add", [x, y])
    used["norm"] = W["norm"].astype(dt).astype(np.float32)
    x = rmsnorm_std(g, x, W["norm"], eps, dt)
    if keep is not None:  # the last `keep` positions (all when 0), sliced before the head as optimum does
        start = g.op("Where", [g.op("Equal", [keep, zero]), zero, g.op("Sub", [S, keep])])
        x = g.op("Slice", [x, g.op("Unsqueeze", [start, g.i64(0)]), g.i64(2 ** 62), g.i64(1)])
    logits, used["lm_head"], _ = lin(x, W["embed"], None, "lm_head")  # tied: a MatMul on the transposed embedding
    emit(g.op("Cast", [logits], to=F32) if f16 else logits, "logits", F32, ["batch_size", "sequence_length", cfg["vocab_size"]])
    return used


# ---------------------------------------------------------------------------------------------------
# Shared by the GroupQueryAttention styles (B and C): their inputs (no position_ids), the mask reduced to
# sequence lengths as GQA reads it, and precomputed cos/sin tables.

def gqa_graph_start(mode):
    """A new graph for `mode`: (graph, float16?, numpy compute dtype, io elem type, its Linear writer)."""
    g = G()
    f16 = mode in ("f16", "q4f16")
    return g, f16, np.float16 if f16 else np.float32, F16 if f16 else F32, Linear(g, mode)


def gqa_inputs(g, cfg, io):
    g.input("input_ids", I64, ["batch_size", "sequence_length"])
    g.input("attention_mask", I64, ["batch_size", "total_sequence_length"])
    for l in range(cfg["num_hidden_layers"]):
        for kv in ("key", "value"):
            g.input(f"past_key_values.{l}.{kv}", io, ["batch_size", cfg["num_key_value_heads"], "past_sequence_length", cfg["head_dim"]])
    return "input_ids", "attention_mask"


def gqa_lengths(g, am):
    """seqlens_k = ReduceSum(mask) - 1 and total_sequence_length = mask width, as the builder writes them."""
    one = g.const(np.array(1, dtype=np.int64))
    seqlens = g.op("Cast", [g.op("Sub", [g.op("ReduceSum", [am, g.i64(1)], keepdims=0), one])], to=I32)
    total = g.op("Cast", [g.op("Gather", [g.op("Shape", [am]), one], axis=0)], to=I32)
    return seqlens, total


def rope_tables(g, theta, dh, n, dt, suffix=""):
    inv = 1.0 / (theta ** (np.arange(0, dh, 2, dtype=np.float64) / dh))
    f = np.arange(n, dtype=np.float64)[:, None] * inv[None, :]
    return g.const(np.cos(f).astype(dt), f"cos_cache{suffix}"), g.const(np.sin(f).astype(dt), f"sin_cache{suffix}")


# ---------------------------------------------------------------------------------------------------
# Style C: the custom Gemma-3 exporter as the hub graph of 2026-04 shows it: com.microsoft
# GroupQueryAttention with RoPE inside (so no position_ids input; the mask is reduced to sequence lengths),
# SimplifiedLayerNormalization with (1 + w) baked in and computed in float32, the √hidden embedding scale
# in the graph, io dtype float16 (KV) in fp16/q4f16 while the logits are always float32.

def sln(g, x, w, eps, f16):
    if f16:
        x = g.op("Cast", [x], to=F32)
    y = g.op("SimplifiedLayerNormalization", [x, g.const(w.astype(np.float32))], axis=-1, epsilon=eps, stash_type=1)
    return g.op("Cast", [y], to=F16) if f16 else y


def gemma3_graph(cfg, W, mode):
    g, f16, dt, io, lin = gqa_graph_start(mode)
    H, Hkv, Hd, dh = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["hidden_size"], cfg["head_dim"]
    eps = cfg["rms_norm_eps"]
    used = {}
    ids, am = gqa_inputs(g, cfg, io)
    E = W["embed"].astype(dt)
    used["embed"] = E.astype(np.float32)
    x = g.op("Gather", [g.const(E, "model.embed_tokens.weight"), ids], axis=0)
    x = g.op("Mul", [x, g.const(np.array(Hd ** 0.5, dtype=dt))])
    seqlens, total = gqa_lengths(g, am)
    caches = {kind: rope_tables(g, theta, dh, cfg["_rope_cache_len"], dt, f"_{kind}")
              for kind, theta in (("global", cfg["rope_theta"]), ("local", cfg["rope_local_base_freq"]))}

    def norm(x, key, shape=None):
        wv = (1.0 + W[key]).astype(np.float32)  # Gemma's (1 + w), baked in as the exporter does
        used[key] = wv - 1.0
        if shape is not None:
            x = g.op("Reshape", [x, g.i64(*shape)])
        return sln(g, x, wv, eps, f16)

    for l, kind in enumerate(cfg["layer_types"]):
        p = f"layers.{l}."
        sliding = kind == "sliding_attention"
        h = norm(x, p + "input_layernorm")
        q, used[p + "q_proj"], _ = lin(h, W[p + "q_proj"], None, f"model.layers.{l}.self_attn.q_proj")
        k, used[p + "k_proj"], _ = lin(h, W[p + "k_proj"], None, f"model.layers.{l}.self_attn.k_proj")
        v, used[p + "v_proj"], _ = lin(h, W[p + "v_proj"], None, f"model.layers.{l}.self_attn.v_proj")
        q = g.op("Reshape", [norm(q, p + "q_norm", (0, 0, H, dh)), g.i64(0, 0, H * dh)])
        k = g.op("Reshape", [norm(k, p + "k_norm", (0, 0, Hkv, dh)), g.i64(0, 0, Hkv * dh)])
        cos, sin = caches["local" if sliding else "global"]
        o, pk, pv = g.op("GroupQueryAttention",
                         [q, k, v, f"past_key_values.{l}.key", f"past_key_values.{l}.value", seqlens, total, cos, sin],
                         n_out=3, domain="com.microsoft", num_heads=H, kv_num_heads=Hkv, do_rotary=1, rotary_interleaved=0,
                         scale=float(cfg["query_pre_attn_scalar"] ** -0.5),
                         local_window_size=(cfg["_ort_local_window"] if sliding else -1))
        g.output(pk, f"present.{l}.key", io, ["batch_size", Hkv, "total_sequence_length", dh])
        g.output(pv, f"present.{l}.value", io, ["batch_size", Hkv, "total_sequence_length", dh])
        y, used[p + "o_proj"], _ = lin(o, W[p + "o_proj"], None, f"model.layers.{l}.self_attn.o_proj")
        x = g.op("Add", [x, norm(y, p + "post_attention_layernorm")])
        h = norm(x, p + "pre_feedforward_layernorm")
        gt, used[p + "gate_proj"], _ = lin(h, W[p + "gate_proj"], None, f"model.layers.{l}.mlp.gate_proj")
        up, used[p + "up_proj"], _ = lin(h, W[p + "up_proj"], None, f"model.layers.{l}.mlp.up_proj")
        m = g.op("Mul", [g.op("Gelu", [gt], approximate="tanh"), up])
        y, used[p + "down_proj"], _ = lin(m, W[p + "down_proj"], None, f"model.layers.{l}.mlp.down_proj")
        x = g.op("Add", [x, norm(y, p + "post_feedforward_layernorm")])
    x = norm(x, "norm")
    logits, used["lm_head"], _ = lin(x, W["embed"], None, "lm_head")
    g.output(g.op("Cast", [logits], to=F32) if f16 else logits, "logits", F32, ["batch_size", "sequence_length", cfg["vocab_size"]])
    return g.model(opset=20), used


# ---------------------------------------------------------------------------------------------------
# Style B: onnxruntime-genai's model builder: SimplifiedLayerNormalization for the first norm, then
# SkipSimplifiedLayerNormalization (residual add + norm in one op), GroupQueryAttention with RoPE inside
# (`use_rotemb_in_attn`, so position_ids is not an input), MatMulNBits; every io tensor, the logits
# included, in the io dtype: float16 logits in fp16 and q4f16.

def genai_graph(cfg, W, mode):
    g, f16, dt, io, lin = gqa_graph_start(mode)
    H, Hkv, dh = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    eps = cfg["rms_norm_eps"]
    used = {}
    ids, am = gqa_inputs(g, cfg, io)
    L = cfg["num_hidden_layers"]
    E = W["embed"].astype(dt)
    used["embed"] = E.astype(np.float32)
    x = g.op("Gather", [g.const(E, "model.embed_tokens.weight"), ids], axis=0)
    seqlens, total = gqa_lengths(g, am)
    cos, sin = rope_tables(g, cfg["rope_theta"], dh, cfg["_rope_cache_len"], dt)

    def wconst(key):
        used[key] = W[key].astype(dt).astype(np.float32)
        return g.const(W[key].astype(dt))

    def skip_norm(y, skip, key):
        """SkipSimplifiedLayerNormalization: returns (normed, residual sum)."""
        out, _m, _v, summed = g.op("SkipSimplifiedLayerNormalization", [y, skip, wconst(key)], n_out=4,
                                   domain="com.microsoft", epsilon=eps)
        return out, summed

    h = g.op("SimplifiedLayerNormalization", [x, wconst("layers.0.input_layernorm")], axis=-1, epsilon=eps, stash_type=1)
    for l in range(L):
        p = f"layers.{l}."
        q, used[p + "q_proj"], _ = lin(h, W[p + "q_proj"], None, f"model.layers.{l}.attn.q_proj")
        k, used[p + "k_proj"], _ = lin(h, W[p + "k_proj"], None, f"model.layers.{l}.attn.k_proj")
        v, used[p + "v_proj"], _ = lin(h, W[p + "v_proj"], None, f"model.layers.{l}.attn.v_proj")
        q = g.op("Reshape", [g.op("SimplifiedLayerNormalization", [g.op("Reshape", [q, g.i64(0, 0, H, dh)]), wconst(p + "q_norm")],
                                  axis=-1, epsilon=eps, stash_type=1), g.i64(0, 0, H * dh)])
        k = g.op("Reshape", [g.op("SimplifiedLayerNormalization", [g.op("Reshape", [k, g.i64(0, 0, Hkv, dh)]), wconst(p + "k_norm")],
                                  axis=-1, epsilon=eps, stash_type=1), g.i64(0, 0, Hkv * dh)])
        o, pk, pv = g.op("GroupQueryAttention",
                         [q, k, v, f"past_key_values.{l}.key", f"past_key_values.{l}.value", seqlens, total, cos, sin],
                         n_out=3, domain="com.microsoft", num_heads=H, kv_num_heads=Hkv, do_rotary=1, rotary_interleaved=0,
                         scale=float(dh ** -0.5), local_window_size=-1)
        g.output(pk, f"present.{l}.key", io, ["batch_size", Hkv, "total_sequence_length", dh])
        g.output(pv, f"present.{l}.value", io, ["batch_size", Hkv, "total_sequence_length", dh])
        y, used[p + "o_proj"], _ = lin(o, W[p + "o_proj"], None, f"model.layers.{l}.attn.o_proj")
        h, x = skip_norm(y, x, p + "post_attention_layernorm")
        gt, used[p + "gate_proj"], _ = lin(h, W[p + "gate_proj"], None, f"model.layers.{l}.mlp.gate_proj")
        up, used[p + "up_proj"], _ = lin(h, W[p + "up_proj"], None, f"model.layers.{l}.mlp.up_proj")
        m = g.op("Mul", [g.op("Mul", [gt, g.op("Sigmoid", [gt])]), up])
        y, used[p + "down_proj"], _ = lin(m, W[p + "down_proj"], None, f"model.layers.{l}.mlp.down_proj")
        h, x = skip_norm(y, x, f"layers.{l + 1}.input_layernorm" if l + 1 < L else "norm")
    logits, used["lm_head"], _ = lin(h, W["embed"], None, "lm_head")
    g.output(logits, "logits", io, ["batch_size", "sequence_length", cfg["vocab_size"]])
    return g.model(opset=17), used


MODE = {"fp32": "f32", "fp16": "f16", "q4": "q4", "q4f16": "q4f16", "q8": "q8", "int8": "int8", "uint8": "uint8", "bnb4": "bnb4"}
FILE = {"fp32": "model.onnx", "fp16": "model_fp16.onnx", "q4": "model_q4.onnx", "q4f16": "model_q4f16.onnx",
        "q8": "model_quantized.onnx", "int8": "model_int8.onnx", "uint8": "model_uint8.onnx", "bnb4": "model_bnb4.onnx"}
DYNAMIC_Q8 = ("q8", "int8", "uint8")
OPTIMUM = ["fp32", "fp16", "q4", "q4f16", "q8"]
# quantize.py's remaining modes, for the stand-ins of repos that list them (onnx-community/Qwen2.5-0.5B-Instruct):
# int8 = QInt8 weights (for a graph without Conv/GQA/MHA the same file as q8), uint8 = QUInt8 weights with a
# zero point, bnb4 = MatMulBnb4 NF4 block 64 (quantize.py's defaults)
OPTIMUM_ALL = OPTIMUM + ["int8", "uint8", "bnb4"]
GQA_STYLES = ["fp32", "fp16", "q4", "q4f16"]
NOTES = "logits [S, V] for input_ids, float64 PyTorch forward (reference.py) on the weights each variant holds"


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def hub_folder(name, cfg, generation, tok, tokenizer_config=None):
    """models/standins/<name>/ in hub layout: config.json, generation_config.json, the tokenizer files."""
    folder = os.path.join(HERE, name)
    os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
    write_json(os.path.join(folder, "config.json"), cfg)
    write_json(os.path.join(folder, "generation_config.json"), generation)
    write_json(os.path.join(folder, "tokenizer.json"), tok["tokenizer_json"])
    write_json(os.path.join(folder, "tokenizer_config.json"), tokenizer_config or tok["tokenizer_config"])
    return folder


def write_variants(folder, ids, dtypes, graph_of, forward, check=True, external=False):
    """Writes onnx/<file> for each dtype (graph_of(mode) -> (model, weights used)) and the reference logits
    forward(weights used, mode) of each, then reference.json."""
    refs = {}
    for dtype in dtypes:
        mode = MODE[dtype]
        model, used = graph_of(mode)
        if check:  # (onnx's checker does not know onnxruntime's contrib ops' schemas in every version)
            onnx.checker.check_model(model)
        path = os.path.join(folder, "onnx", FILE[dtype])
        if external:
            if os.path.exists(path + "_data"):
                os.remove(path + "_data")  # onnx appends external data to an existing file
            onnx.save(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                      location=FILE[dtype] + "_data", size_threshold=1024)
        else:
            onnx.save(model, path)
        refs[dtype] = forward(used, mode).numpy()
    meta = {"input_ids": ids, "vocab_size": int(next(iter(refs.values())).shape[1]), "variants": {}, "notes": NOTES}
    for dtype, logits in refs.items():
        name = f"reference-{dtype}.bin"
        logits.astype("<f4").tofile(os.path.join(folder, name))
        meta["variants"][dtype] = {"file": name, "dims": list(logits.shape)}
    write_json(os.path.join(folder, "reference.json"), meta)
    print(os.path.basename(folder) + ":", {k: float(np.abs(v).max()) for k, v in refs.items()})


def build_qwen25_optimum(name="qwen2.5-optimum", seed=25, base=False, merged=False):
    """Stand-in for onnx-community/Qwen2.5-0.5B(-Instruct): Qwen2ForCausalLM, qkv bias, GQA, tied head.
    base=True: the base repo onnx-community/Qwen2.5-0.5B (other weights; eos <|endoftext|> in config,
    generation_config and tokenizer_config, as Qwen/Qwen2.5-0.5B has it; greedy generation config; the
    chat template kept, as the Qwen2.5 base repos ship it).
    merged=True: the same family in an old optimum "merged" export (use_cache_branch + If), fp32 and q8 as
    the legacy repos held them (decoder_model_merged(_quantized).onnx), under transformers.js v3's names."""
    tok = toks.qwen2_tokenizer()
    if base:
        tok["tokenizer_config"] = {**tok["tokenizer_config"], "eos_token": "<|endoftext|>"}
    V = tok["vocab_size"]
    cfg = {
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
        "attention_dropout": 0.0, "bos_token_id": tok["ids"]["<|endoftext|>"], "eos_token_id": tok["ids"]["<|im_end|>"],
        "hidden_act": "silu", "hidden_size": 64, "initializer_range": 0.02, "intermediate_size": 128,
        "max_position_embeddings": 32768, "max_window_layers": 2, "num_attention_heads": 8,
        "num_hidden_layers": 2, "num_key_value_heads": 2, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
        "sliding_window": 32768, "tie_word_embeddings": True, "torch_dtype": "bfloat16",
        "transformers_version": "4.43.1", "use_cache": True, "use_sliding_window": False, "vocab_size": V,
    }
    if base:
        cfg.update({"eos_token_id": tok["ids"]["<|endoftext|>"], "max_window_layers": 2, "transformers_version": "4.40.1"})
        generation = {"bos_token_id": tok["ids"]["<|endoftext|>"], "do_sample": False, "eos_token_id": tok["ids"]["<|endoftext|>"],
                      "max_new_tokens": 2048, "transformers_version": "4.37.0"}
    else:
        generation = {"bos_token_id": tok["ids"]["<|endoftext|>"], "do_sample": True,
                      "eos_token_id": [tok["ids"]["<|im_end|>"], tok["ids"]["<|endoftext|>"]], "pad_token_id": tok["ids"]["<|endoftext|>"],
                      "repetition_penalty": 1.1, "temperature": 0.7, "top_k": 20, "top_p": 0.8, "transformers_version": "4.37.0"}
    W = weights({**cfg, "_qkv_bias": True}, seed=seed)
    folder = hub_folder(name, cfg, generation, tok)
    rng = np.random.RandomState(7)
    ids = [int(i) for i in rng.randint(0, V - 3, size=12)]
    write_variants(folder, ids, ["fp32", "q8"] if merged else OPTIMUM_ALL,
                   lambda mode: optimum_graph(cfg, W, mode, merged=merged),
                   lambda used, mode: qwen2_forward(ids, used, cfg, q8=mode in DYNAMIC_Q8))


def build_gemma3_custom(name="gemma-3-custom", seed=3, base=False):
    """Stand-in for onnx-community/gemma-3-270m(-it)-ONNX: Gemma3ForCausalLM, 4 heads / 1 KV head with
    head_dim 32 != hidden/heads, sliding (local RoPE base) + global layers, tied head.
    base=True: the pretrained repo onnx-community/gemma-3-270m-ONNX (other weights; the same tokenizer and
    template; a pretrained Gemma 3 generation_config stops at <eos> only)."""
    tok = toks.gemma3_tokenizer()
    V = tok["vocab_size"]
    cfg = {
        "architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text",
        "_sliding_window_pattern": 2, "attention_bias": False, "attention_dropout": 0.0,
        "attn_logit_softcapping": None, "bos_token_id": 2, "eos_token_id": 1, "final_logit_softcapping": None,
        "head_dim": 32, "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 64, "initializer_range": 0.02,
        "intermediate_size": 128, "layer_types": ["sliding_attention", "full_attention"],
        "max_position_embeddings": 32768, "num_attention_heads": 4, "num_hidden_layers": 2,
        "num_key_value_heads": 1, "pad_token_id": 0, "query_pre_attn_scalar": 32, "rms_norm_eps": 1e-6,
        "rope_local_base_freq": 10000.0, "rope_scaling": None, "rope_theta": 1000000.0, "sliding_window": 4,
        "torch_dtype": "bfloat16", "transformers_version": "4.55.0.dev0", "use_bidirectional_attention": False,
        "use_cache": True, "vocab_size": V,
        "transformers.js_config": {"dtype": "fp32", "use_external_data_format": True,
                                   "kv_cache_dtype": {"q4f16": "float16", "fp16": "float16"}},
    }
    W = weights(cfg, seed=seed, gemma=True)
    if base:
        generation = {"bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": 1, "pad_token_id": 0,
                      "transformers_version": "4.55.0.dev0"}
    else:
        generation = {"cache_implementation": "hybrid", "do_sample": True, "eos_token_id": [1, 106], "pad_token_id": 0,
                      "top_k": 64, "top_p": 0.95, "transformers_version": "4.55.0.dev0"}
    folder = hub_folder(name, cfg, generation, tok)
    rng = np.random.RandomState(11)
    ids = [2] + [int(i) for i in rng.randint(107, tok["n_tokens"], size=11)]
    # local_window_size = sliding_window, as build_gemma passes it. Measured on onnxruntime-node 1.30 (CPU):
    # a query then sees W keys, itself included, exactly Hugging Face's sliding mask (key > query - W); with
    # W - 1 the reference differs from position W - 1 on. (The shared notes guessed W + 1 keys: not so here.)
    gcfg = {**cfg, "_rope_cache_len": 64, "_ort_local_window": cfg["sliding_window"]}
    write_variants(folder, ids, GQA_STYLES, lambda mode: gemma3_graph(gcfg, W, mode),
                   lambda used, mode: gemma3_forward(ids, used, cfg), check=False, external=True)


def build_qwen3_genai():
    """Stand-in for onnx-community/Qwen3-0.6B-ONNX as its q4f16 graph looks (builder-style SSLN): Qwen3ForCausalLM,
    q/k norms, head_dim 32 != hidden/heads (64/4), 4 heads / 2 KV heads, tied head, <think> tokens."""
    tok = toks.qwen3_tokenizer()
    V = tok["vocab_size"]
    cfg = {
        "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "attention_bias": False, "attention_dropout": 0.0,
        "bos_token_id": tok["ids"]["<|endoftext|>"], "eos_token_id": tok["ids"]["<|im_end|>"], "head_dim": 32,
        "hidden_act": "silu", "hidden_size": 64, "initializer_range": 0.02, "intermediate_size": 128,
        "max_position_embeddings": 40960, "max_window_layers": 2, "num_attention_heads": 4, "num_hidden_layers": 2,
        "num_key_value_heads": 2, "rms_norm_eps": 1e-6, "rope_scaling": None, "rope_theta": 1000000.0,
        "sliding_window": None, "tie_word_embeddings": True, "torch_dtype": "bfloat16", "transformers_version": "4.51.0",
        "use_cache": True, "use_sliding_window": False, "vocab_size": V,
        "transformers.js_config": {"kv_cache_dtype": {"q4f16": "float16", "fp16": "float16"}},
    }
    W = weights(cfg, seed=30)
    folder = hub_folder("qwen3-genai", cfg, {
        "bos_token_id": tok["ids"]["<|endoftext|>"], "do_sample": True,
        "eos_token_id": [tok["ids"]["<|im_end|>"], tok["ids"]["<|endoftext|>"]], "pad_token_id": tok["ids"]["<|endoftext|>"],
        "temperature": 0.6, "top_k": 20, "top_p": 0.95, "transformers_version": "4.51.0"}, tok)
    rng = np.random.RandomState(13)
    ids = [int(i) for i in rng.randint(0, tok["n_tokens"], size=12)]
    gcfg = {**cfg, "_rope_cache_len": 64}
    write_variants(folder, ids, GQA_STYLES, lambda mode: genai_graph(gcfg, W, mode),
                   lambda used, mode: qwen2_forward(ids, used, cfg), check=False)


def smollm2_config(**fields):
    """SmolLM2-135M's config.json fields at the stand-in's size (LlamaForCausalLM, 6 / 2 heads as 9 / 3)."""
    return {
        "architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0, "bos_token_id": 1,
        "eos_token_id": 2, "head_dim": 16, "hidden_act": "silu", "hidden_size": 96, "initializer_range": 0.041666666666666664,
        "intermediate_size": 128, "is_llama_config": True, "max_position_embeddings": 8192, "mlp_bias": False,
        "model_type": "llama", "num_attention_heads": 6, "num_hidden_layers": 2, "num_key_value_heads": 2,
        "pad_token_id": 2, "pretraining_tp": 1, "rms_norm_eps": 1e-5, "rope_interleaved": False, "rope_scaling": None,
        "rope_theta": 100000, "tie_word_embeddings": True, "torch_dtype": "bfloat16", "transformers_version": "4.42.3",
        "use_cache": True, **fields,
    }


def build_smollm2_optimum():
    """Stand-in for HuggingFaceTB/SmolLM2-135M-Instruct's onnx/: LlamaForCausalLM, 9:3-style GQA (here 6 / 2),
    tied head, float16 KV in fp16/q4f16 (its kv_cache_dtype), and the optional num_logits_to_keep input."""
    tok = toks.smollm2_tokenizer()
    cfg = smollm2_config(vocab_size=tok["vocab_size"],
                         **{"transformers.js_config": {"kv_cache_dtype": {"q4f16": "float16", "fp16": "float16"}}})
    W = weights(cfg, seed=135)
    folder = hub_folder("smollm2-optimum", cfg, {"bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 2, "transformers_version": "4.42.3"}, tok)
    rng = np.random.RandomState(17)
    ids = [int(i) for i in rng.randint(0, tok["n_tokens"], size=12)]
    write_variants(folder, ids, OPTIMUM, lambda mode: optimum_graph(cfg, W, mode, kv16=True, logits_to_keep=True),
                   lambda used, mode: qwen2_forward(ids, used, cfg, q8=mode in DYNAMIC_Q8))


def build_smollm2_base_optimum():
    """Stand-in for onnx-community/SmolLM2-135M-ONNX (the base, made by the convert-to-onnx space, i.e.
    transformers.js's convert.py): the same architecture and tokenizer as the instruct stand-in, other
    weights, bos = eos = 0 (<|endoftext|>), no kv_cache_dtype, so its fp16 files keep float32 KV
    (keep_io_types) while the instruct's take float16: one pair, two KV dtypes."""
    tok = toks.smollm2_tokenizer()
    tc = dict(tok["tokenizer_config"])
    del tc["chat_template"]
    tc.update({"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>"})
    tc.pop("pad_token", None)
    cfg = smollm2_config(bos_token_id=0, eos_token_id=0, transformers_version="4.40.1", vocab_size=tok["vocab_size"])
    del cfg["pad_token_id"]
    W = weights(cfg, seed=136)
    folder = hub_folder("smollm2-base-optimum", cfg, {"bos_token_id": 0, "eos_token_id": 0, "transformers_version": "4.40.1"}, tok, tc)
    rng = np.random.RandomState(17)
    ids = [int(i) for i in rng.randint(0, tok["n_tokens"], size=12)]
    write_variants(folder, ids, OPTIMUM, lambda mode: optimum_graph(cfg, W, mode),
                   lambda used, mode: qwen2_forward(ids, used, cfg, q8=mode in DYNAMIC_Q8))


BUILDERS = {
    "qwen2.5-optimum": build_qwen25_optimum,
    "qwen2.5-base-optimum": lambda: build_qwen25_optimum("qwen2.5-base-optimum", seed=26, base=True),
    "qwen2.5-merged-optimum": lambda: build_qwen25_optimum("qwen2.5-merged-optimum", seed=27, merged=True),
    "gemma-3-custom": build_gemma3_custom,
    "gemma-3-base-custom": lambda: build_gemma3_custom("gemma-3-base-custom", seed=4, base=True),
    "qwen3-genai": build_qwen3_genai,
    "smollm2-optimum": build_smollm2_optimum,
    "smollm2-base-optimum": build_smollm2_base_optimum,
}

if __name__ == "__main__":
    # build.py [name ...]: only those stand-ins (default: all). Each builder seeds its own generators.
    for name in sys.argv[1:] or list(BUILDERS):
        torch.manual_seed(0)
        BUILDERS[name]()
