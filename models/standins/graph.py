"""A tiny ONNX graph writer (onnx.helper) used by build.py. Each stand-in's graph is written op by op,
in the op set of the exporter style it stands in for; nothing here runs a model."""
import numpy as np
from onnx import TensorProto, helper, numpy_helper

F32, F16, I64, I32, BOOL = TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.INT64, TensorProto.INT32, TensorProto.BOOL
NP = {F32: np.float32, F16: np.float16}


class G:
    """A graph being written. `sub()` gives a subgraph (an If branch) that shares the name counter and the
    initializers: its constants live in the outer graph, as optimum's merged decoders keep them."""

    def __init__(self, parent=None):
        self.nodes, self.inputs, self.outputs = [], [], []
        self.root = parent.root if parent else self
        if not parent:
            self.inits, self.init_names, self.n = [], set(), 0

    def sub(self):
        return G(self)

    def name(self, base="t"):
        self.root.n += 1
        return f"/{base}/{self.root.n}"

    def const(self, arr, name=None):
        """An initializer; a named one written twice (the same weight in both branches) is stored once."""
        root = self.root
        if name is not None and name in root.init_names:
            return name
        name = name or self.name("const")
        root.init_names.add(name)
        root.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def i64(self, *vals):
        return self.const(np.array(vals, dtype=np.int64))

    def op(self, op_type, inputs, n_out=1, domain=None, base=None, **attrs):
        outs = [self.name(base or op_type) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=self.name(op_type + "_node"),
                                           domain=domain, **attrs))
        return outs[0] if n_out == 1 else outs

    def input(self, name, elem, shape):
        self.inputs.append(helper.make_tensor_value_info(name, elem, shape))
        return name

    def output(self, src, name, elem, shape):
        self.nodes.append(helper.make_node("Identity", [src], [name], name=self.name("out")))
        self.outputs.append(helper.make_tensor_value_info(name, elem, shape))

    def graph(self, name):
        """This subgraph as a GraphProto (no inputs, no initializers of its own)."""
        return helper.make_graph(self.nodes, name, [], self.outputs)

    def model(self, opset=17, ms=True, producer="standins"):
        graph = helper.make_graph(self.nodes, "main_graph", self.inputs, self.outputs, self.root.inits)
        ops = [helper.make_opsetid("", opset)] + ([helper.make_opsetid("com.microsoft", 1)] if ms else [])
        m = helper.make_model(graph, opset_imports=ops, producer_name=producer)
        m.ir_version = 8
        return m


# ---------------------------------------------------------------------------------------------------
# Weight formats. Each returns the ONNX node output *and* the weight the reference must use (exactly
# what the graph multiplies by, dequantized), so the PyTorch reference never sees the original weight.

def q4_pack(w_t, block=32):
    """MatMulNBits (4 bit, symmetric, block 32, as onnxruntime's MatMul4BitsQuantizer): w_t is the MatMul
    B matrix [K, N]. Returns (packed [N, K/block, block/2] uint8, scales [N*K/block] f32, dequantized [K, N])."""
    K, N = w_t.shape
    assert K % block == 0
    wb = w_t.T.reshape(N, K // block, block).astype(np.float32)  # [N, nb, block]
    amax = np.abs(wb).max(axis=2, keepdims=True)
    scale = (amax / 7.0).astype(np.float32)
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(wb / scale), -8, 7).astype(np.int32) + 8  # stored with the default zero point 8
    deq = ((q - 8).astype(np.float32) * scale).reshape(N, K).T.copy()
    packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
    return packed, scale.reshape(-1), deq


def q8_weight(w_t, unsigned=False):
    """Dynamic-quantization weight as onnxruntime's quantize_dynamic writes it, per tensor: QInt8 symmetric
    (range [-127, 127], zero point 0: transformers.js's q8 and int8) or QUInt8 asymmetric (range [0, 255]
    over [min(w, 0), max(w, 0)], zero point round(-min / scale): its uint8). Returns (q, scale, zero point)."""
    if not unsigned:
        scale = np.float32(np.abs(w_t).max() / 127.0)
        return np.clip(np.rint(w_t / scale), -127, 127).astype(np.int8), scale, np.int8(0)
    lo, hi = min(float(w_t.min()), 0.0), max(float(w_t.max()), 0.0)
    scale = np.float32((hi - lo) / 255.0)
    zp = np.uint8(np.clip(np.rint(-lo / scale), 0, 255))
    q = np.clip(np.rint(w_t.astype(np.float32) / scale) + zp, 0, 255).astype(np.uint8)
    return q, scale, zp


# bitsandbytes' 4-bit code books, as onnxruntime's MatMulBnb4 dequantizes them (blockwise_quant_block_bnb4.h)
BNB4_FP4, BNB4_NF4 = 0, 1
BNB4_MAPS = {
    BNB4_FP4: np.array([0.0, 5.208333333e-03, 0.66666667, 1.0, 0.33333333, 0.5, 0.16666667, 0.25,
                        0.0, -5.208333333e-03, -0.66666667, -1.0, -0.33333333, -0.5, -0.16666667, -0.25], dtype=np.float32),
    BNB4_NF4: np.array([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
                        -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
                        0.24611230492591858, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
                        0.7229568362236023, 1.0], dtype=np.float32),
}


def bnb4_pack(w_t, quant_type=BNB4_NF4, block=64):
    """MatMulBnb4 as onnxruntime's MatMulBnb4Quantizer writes it (transformers.js's bnb4: NF4, block 64): the
    transposed weight [N, K] flattened, cut into blocks of `block`, each scaled by its absmax and coded to the
    nearest of 16 levels; two codes per byte, the first in the high nibble. Returns (packed [(N*K+1)/2] uint8,
    absmax [blocks] f32, dequantized [K, N] exactly as the kernel computes it: level * absmax in float32)."""
    K, N = w_t.shape
    flat = np.ascontiguousarray(w_t.T).reshape(-1).astype(np.float32)
    nb = -(-flat.size // block)
    blocks = np.zeros(nb * block, dtype=np.float32)
    blocks[: flat.size] = flat
    blocks = blocks.reshape(nb, block)
    absmax = np.abs(blocks).max(axis=1).astype(np.float32)
    recip = np.where(absmax > 0, np.float32(1.0) / np.where(absmax > 0, absmax, 1), 0).astype(np.float32)
    levels = BNB4_MAPS[quant_type]
    codes = np.abs((blocks * recip[:, None])[..., None] - levels).argmin(axis=-1).astype(np.uint8)
    deq = (levels[codes] * absmax[:, None]).astype(np.float32).reshape(-1)[: flat.size]
    codes = codes.reshape(-1)[: flat.size]
    if codes.size % 2:
        codes = np.concatenate([codes, np.zeros(1, dtype=np.uint8)])
    packed = ((codes[0::2] << 4) | codes[1::2]).astype(np.uint8)
    return packed, absmax, deq.reshape(N, K).T.copy()


class Linear:
    """Emits y = x @ W^T (+ b) in one of the variants' styles. `mode`: 'f32' | 'f16' | 'q4' | 'q4f16' | 'q8' |
    'int8' | 'uint8' | 'bnb4' (| 'bnb4-fp4')."""

    def __init__(self, g, mode):
        self.g, self.mode = g, mode
        self.dt = np.float16 if mode in ("f16", "q4f16") else np.float32

    def __call__(self, x, w, b=None, name="linear"):
        """w: torch-layout weight [N, K] (float32 numpy). Returns (output name, weight [N, K] and bias the
        graph really uses, as float32)."""
        g = self.g
        w_t = np.ascontiguousarray(w.T)  # [K, N]
        K, N = w_t.shape
        if self.mode in ("f32", "f16"):
            wt = w_t.astype(self.dt)
            y = g.op("MatMul", [x, g.const(wt, f"{name}.weight")])
            used = wt.astype(np.float32).T
        elif self.mode in ("q4", "q4f16"):
            packed, scales, deq = q4_pack(w_t)
            sc = scales.astype(self.dt)
            y = g.op("MatMulNBits", [x, g.const(packed, f"{name}.weight_Q4"), g.const(sc, f"{name}.weight_scales")],
                     domain="com.microsoft", K=K, N=N, bits=4, block_size=32)
            nb = K // 32
            qs = np.rint(deq.T.reshape(N, nb, 32) / scales.reshape(N, nb, 1))  # the signed 4-bit values
            used = (qs * sc.astype(np.float32).reshape(N, nb, 1)).reshape(N, K)
        elif self.mode in ("q8", "int8", "uint8"):
            q, scale, zp = q8_weight(w_t, unsigned=self.mode == "uint8")
            xq, xs, xz = g.op("DynamicQuantizeLinear", [x], n_out=3)
            acc = g.op("MatMulInteger", [xq, g.const(q, f"{name}.weight_quantized"), xz, g.const(zp, f"{name}.weight_zero_point")])
            accf = g.op("Cast", [acc], to=F32)
            s = g.op("Mul", [xs, g.const(np.float32(scale), f"{name}.weight_scale")])
            y = g.op("Mul", [accf, s])
            used = ((q.astype(np.float32) - np.float32(zp)) * scale).T
        elif self.mode in ("bnb4", "bnb4-fp4"):
            qt = BNB4_FP4 if self.mode == "bnb4-fp4" else BNB4_NF4
            packed, absmax, deq = bnb4_pack(w_t, qt)
            y = g.op("MatMulBnb4", [x, g.const(packed, f"{name}.weight_Bnb4"), g.const(absmax, f"{name}.weight_absmax")],
                     domain="com.microsoft", K=K, N=N, block_size=64, quant_type=qt)
            used = deq.T
        else:
            raise ValueError(self.mode)
        used_b = None
        if b is not None:
            bb = b.astype(self.dt)
            y = g.op("Add", [y, g.const(bb, f"{name}.bias")])
            used_b = bb.astype(np.float32)
        return y, np.ascontiguousarray(used, dtype=np.float32), used_b
