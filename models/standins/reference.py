"""Independent PyTorch forwards (float64) of the stand-ins, written from the Hugging Face modeling code's
definitions (modeling_qwen2 / modeling_gemma3), not from the ONNX graphs. They take the weights exactly as
each ONNX variant holds them (fp16-rounded, 4-bit dequantized, int8 dequantized), so the comparison tests
the graph interface and the engine, and the tolerance only has to cover arithmetic, not quantization."""
import math

import torch

D = torch.float64


def rms(x, w, eps, plus_one=False):
    v = x.pow(2).mean(-1, keepdim=True)
    y = x * torch.rsqrt(v + eps)
    return y * ((1.0 + w) if plus_one else w)


def rope(x, pos, theta):
    """HF rotate_half RoPE. x [S, H, Dh], pos [S]."""
    dh = x.shape[-1]
    inv = 1.0 / (theta ** (torch.arange(0, dh, 2, dtype=D) / dh))
    f = pos.to(D)[:, None] * inv[None, :]
    emb = torch.cat([f, f], -1)
    cos, sin = emb.cos()[:, None, :], emb.sin()[:, None, :]
    x1, x2 = x[..., : dh // 2], x[..., dh // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


def dyn_quant_matmul(x, w_used):
    """What DynamicQuantizeLinear + MatMulInteger computes: the activation tensor (all of it) is quantized to
    uint8 with one scale and zero point (round half to even), then multiplied exactly in integers."""
    xf = x.to(torch.float32)
    lo, hi = min(0.0, float(xf.min())), max(0.0, float(xf.max()))
    scale = torch.tensor((hi - lo) / 255.0, dtype=torch.float32)
    zp = torch.clamp(torch.round(-lo / scale), 0, 255)
    xq = torch.clamp(torch.round(xf / scale) + zp, 0, 255)
    return ((xq - zp).to(D) @ w_used.T) * float(scale)


def attend(q, k, v, scale, window=None):
    """q [S, Hq, Dh], k/v [S, Hkv, Dh]; causal; window W: HF sliding mask (key > query - W)."""
    S, Hq, _ = q.shape
    g = Hq // k.shape[1]
    k = k.repeat_interleave(g, 1)
    v = v.repeat_interleave(g, 1)
    sc = torch.einsum("qhd,khd->hqk", q, k) * scale
    i = torch.arange(S)[:, None]
    j = torch.arange(S)[None, :]
    allowed = j <= i
    if window is not None:
        allowed = allowed & (j > i - window)
    sc = sc.masked_fill(~allowed, float("-inf"))
    p = sc.softmax(-1)
    return torch.einsum("hqk,khd->qhd", p, v)


def qwen2_forward(ids, W, cfg, q8=False):
    """Qwen2 (and Llama, with no biases): returns logits [S, V] for one sequence."""
    t = lambda a: torch.from_numpy(a).to(D)
    lin = (lambda x, w: dyn_quant_matmul(x, t(w))) if q8 else (lambda x, w: x @ t(w).T)
    H, Hkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    dh = cfg.get("head_dim") or cfg["hidden_size"] // H
    eps = cfg["rms_norm_eps"]
    x = t(W["embed"])[torch.tensor(ids)]
    S = len(ids)
    pos = torch.arange(S)
    for l in range(cfg["num_hidden_layers"]):
        p = f"layers.{l}."
        h = rms(x, t(W[p + "input_layernorm"]), eps)
        q = lin(h, W[p + "q_proj"])
        k = lin(h, W[p + "k_proj"])
        v = lin(h, W[p + "v_proj"])
        if p + "q_bias" in W:
            q, k, v = q + t(W[p + "q_bias"]), k + t(W[p + "k_bias"]), v + t(W[p + "v_bias"])
        q, k, v = q.view(S, H, dh), k.view(S, Hkv, dh), v.view(S, Hkv, dh)
        if p + "q_norm" in W:  # Qwen3
            q, k = rms(q, t(W[p + "q_norm"]), eps), rms(k, t(W[p + "k_norm"]), eps)
        q, k = rope(q, pos, cfg["rope_theta"]), rope(k, pos, cfg["rope_theta"])
        a = attend(q, k, v, dh ** -0.5).reshape(S, H * dh)
        x = x + lin(a, W[p + "o_proj"])
        h = rms(x, t(W[p + "post_attention_layernorm"]), eps)
        m = torch.nn.functional.silu(lin(h, W[p + "gate_proj"])) * lin(h, W[p + "up_proj"])
        x = x + lin(m, W[p + "down_proj"])
    x = rms(x, t(W["norm"]), eps)
    return lin(x, W["lm_head"])


def gemma3_forward(ids, W, cfg):
    """Gemma3ForCausalLM (text): √hidden embedding scale, (1+w) RMSNorms, q/k norms, four norms per layer,
    sliding layers with the local RoPE base, gelu-tanh MLP, tied head."""
    t = lambda a: torch.from_numpy(a).to(D)
    lin = lambda x, w: x @ t(w).T
    H, Hkv, dh = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    eps = cfg["rms_norm_eps"]
    S = len(ids)
    pos = torch.arange(S)
    x = t(W["embed"])[torch.tensor(ids)] * math.sqrt(cfg["hidden_size"])
    for l, kind in enumerate(cfg["layer_types"]):
        p = f"layers.{l}."
        sliding = kind == "sliding_attention"
        theta = cfg["rope_local_base_freq"] if sliding else cfg["rope_theta"]
        h = rms(x, t(W[p + "input_layernorm"]), eps, True)
        q = lin(h, W[p + "q_proj"]).view(S, H, dh)
        k = lin(h, W[p + "k_proj"]).view(S, Hkv, dh)
        v = lin(h, W[p + "v_proj"]).view(S, Hkv, dh)
        q, k = rms(q, t(W[p + "q_norm"]), eps, True), rms(k, t(W[p + "k_norm"]), eps, True)
        q, k = rope(q, pos, theta), rope(k, pos, theta)
        a = attend(q, k, v, cfg["query_pre_attn_scalar"] ** -0.5, cfg["sliding_window"] if sliding else None)
        a = lin(a.reshape(S, H * dh), W[p + "o_proj"])
        x = x + rms(a, t(W[p + "post_attention_layernorm"]), eps, True)
        h = rms(x, t(W[p + "pre_feedforward_layernorm"]), eps, True)
        m = torch.nn.functional.gelu(lin(h, W[p + "gate_proj"]), approximate="tanh") * lin(h, W[p + "up_proj"])
        x = x + rms(lin(m, W[p + "down_proj"]), t(W[p + "post_feedforward_layernorm"]), eps, True)
    x = rms(x, t(W["norm"]), eps, True)
    return lin(x, W["lm_head"])
