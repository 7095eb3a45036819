"""A tiny Llama (same math as transformers' LlamaForCausalLM) in plain torch.

RMSNorm, RoPE (rotate_half convention, theta from config) driven by explicit position_ids,
grouped-query attention (num_key_value_heads < num_attention_heads), SwiGLU MLP, tied embeddings.
`forward` takes an attention_mask over past+current keys and an optional KV cache so that the same
module is exported to ONNX with onnx-community's input/output names.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

MASK_VALUE = -1e9  # large finite negative: fully padded rows stay finite (uniform), never NaN


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(var + self.eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.nh = cfg["num_attention_heads"]
        self.nkv = cfg["num_key_value_heads"]
        self.hd = cfg["head_dim"]
        self.q_proj = nn.Linear(d, self.nh * self.hd, bias=False)
        self.k_proj = nn.Linear(d, self.nkv * self.hd, bias=False)
        self.v_proj = nn.Linear(d, self.nkv * self.hd, bias=False)
        self.o_proj = nn.Linear(self.nh * self.hd, d, bias=False)

    def forward(self, x, cos, sin, bias, past_k=None, past_v=None):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.nh, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.nkv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.nkv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        present = (k, v)
        rep = self.nh // self.nkv
        L = k.shape[2]
        # GQA: query head h uses kv head h // rep (same as transformers' repeat_kv)
        kk = k[:, :, None, :, :].expand(B, self.nkv, rep, L, self.hd).reshape(B, self.nh, L, self.hd)
        vv = v[:, :, None, :, :].expand(B, self.nkv, rep, L, self.hd).reshape(B, self.nh, L, self.hd)
        att = torch.matmul(q, kk.transpose(2, 3)) * (1.0 / math.sqrt(self.hd))
        if bias is not None:
            if bias.dtype == torch.bool:
                att = torch.where(bias, att, torch.full_like(att, MASK_VALUE))
            else:
                att = att + bias  # training path: precomputed additive causal mask (0 / MASK_VALUE)
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, vv).transpose(1, 2).reshape(B, T, self.nh * self.hd)
        return self.o_proj(y), present


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, i = cfg["hidden_size"], cfg["intermediate_size"]
        self.gate_proj = nn.Linear(d, i, bias=False)
        self.up_proj = nn.Linear(d, i, bias=False)
        self.down_proj = nn.Linear(i, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, bias, past_k=None, past_v=None):
        a, present = self.self_attn(self.input_layernorm(x), cos, sin, bias, past_k, past_v)
        x = x + a
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x, present


class Llama(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.export_form = False
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList([Block(cfg) for _ in range(cfg["num_hidden_layers"])])
        self.norm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        hd = cfg["head_dim"]
        inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
        self.register_buffer("inv_freq", inv, persistent=False)
        self.apply(self._init)
        for n, p in self.named_parameters():
            if n.endswith("o_proj.weight") or n.endswith("down_proj.weight"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * cfg["num_hidden_layers"]))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def rope(self, position_ids):
        f = position_ids[:, :, None].float() * self.inv_freq[None, None, :]
        emb = torch.cat([f, f], dim=-1)
        return emb.cos()[:, None, :, :], emb.sin()[:, None, :, :]

    def logits(self, h):
        # tied lm_head. Exported as (W @ flat(h)^T)^T so the ONNX graph uses the embedding initializer
        # directly (a folded W^T copy would double the embedding bytes in the file).
        # Training uses F.linear (fast mm path); both give the same function.
        # The batch and time axes are flattened first, so the ONNX MatMul is a plain 2-D GEMM: a batched
        # (W @ h^T) would broadcast W over the batch and make a batch of 100 sequences ~100x slower.
        if self.export_form:
            flat = h.reshape(-1, h.shape[-1])
            out = torch.matmul(self.embed_tokens.weight, flat.transpose(0, 1)).transpose(0, 1)
            return out.reshape(h.shape[0], h.shape[1], -1)
        return F.linear(h, self.embed_tokens.weight)

    def forward_train(self, input_ids):
        """Fast path for training/eval: no cache, no padding, positions 0..T-1."""
        B, T = input_ids.shape
        cos, sin = self.rope(torch.arange(T)[None, :])
        add = torch.full((T, T), MASK_VALUE).triu(1)[None, None]
        x = self.embed_tokens(input_ids)
        for layer in self.layers:
            x, _ = layer(x, cos, sin, add)
        return self.logits(self.norm(x))

    def forward(self, input_ids, attention_mask=None, position_ids=None, past=None):
        """input_ids [B,T]; attention_mask [B,P+T] (1 = real token) or None; position_ids [B,T] or None;
        past: list of (k, v) [B,KV,P,hd] or None. Returns logits [B,T,V], presents."""
        B, T = input_ids.shape
        P = past[0][0].shape[2] if past is not None else 0
        if position_ids is None:
            position_ids = (torch.arange(T) + P)[None, :].expand(B, T)
        cos, sin = self.rope(position_ids)
        q_pos = torch.arange(T)[:, None] + P              # [T,1] absolute positions of the queries
        k_pos = torch.arange(T + P)[None, :]              # [1,L]
        bias = (k_pos <= q_pos)[None, None, :, :]         # causal [1,1,T,L]
        if attention_mask is not None:
            bias = bias & (attention_mask[:, None, None, :] == 1)
        x = self.embed_tokens(input_ids)
        presents = []
        for i, layer in enumerate(self.layers):
            pk, pv = past[i] if past is not None else (None, None)
            x, pr = layer(x, cos, sin, bias, pk, pv)
            presents.append(pr)
        return self.logits(self.norm(x)), presents


def n_params(model):
    return sum(p.numel() for p in model.parameters())
