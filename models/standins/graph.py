"""A tiny ONNX graph writer (onnx.helper) used by build.py. Each stand-in's graph is written op by op,
in the op set of the exporter style it stands in for; nothing here runs a model."""
import numpy as np
from onnx import TensorProto, helper, numpy_helper

F32, F16, I64, I32, BOOL = TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.INT64, TensorProto.INT32, TensorProto.BOOL
NP = {F32: np.float32, F16: np.float16}


class G:
    def __init__(self):
        self.nodes, self.inits, self.inputs, self.outputs = [], [], [], []
        self.n = 0

    def name(self, base="t"):
        self.n += 1
        return f"/{base}/{self.n}"

    def const(self, arr, name=None):
        name = name or self.name("const")
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
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

    def model(self, opset=17, ms=True, producer="standins"):
        graph = helper.make_graph(self.nodes, "main_graph", self.inputs, self.outputs, self.inits)
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


def q8_weight(w_t):
    """Dynamic-quantization weight as onnxruntime's quantize_dynamic (QInt8, symmetric, per tensor)."""
    scale = np.float32(np.abs(w_t).max() / 127.0)
    q = np.clip(np.rint(w_t / scale), -127, 127).astype(np.int8)
    return q, scale


class Linear:
    """Emits y = x @ W^T (+ b) in one of the variants' styles. `mode`: 'f32' | 'f16' | 'q4' | 'q4f16' | 'q8'."""

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
        elif self.mode == "q8":
            q, scale = q8_weight(w_t)
            xq, xs, xz = g.op("DynamicQuantizeLinear", [x], n_out=3)
            acc = g.op("MatMulInteger", [xq, g.const(q, f"{name}.weight_quantized"), xz, g.const(np.int8(0), f"{name}.weight_zero_point")])
            accf = g.op("Cast", [acc], to=F32)
            s = g.op("Mul", [xs, g.const(np.float32(scale), f"{name}.weight_scale")])
            y = g.op("Mul", [accf, s])
            used = (q.astype(np.float32) * scale).T
        else:
            raise ValueError(self.mode)
        used_b = None
        if b is not None:
            bb = b.astype(self.dt)
            y = g.op("Add", [y, g.const(bb, f"{name}.bias")])
            used_b = bb.astype(np.float32)
        return y, np.ascontiguousarray(used, dtype=np.float32), used_b
