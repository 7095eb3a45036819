/**
 * Just enough of ONNX's protobuf to answer one question before a session is created: does this graph
 * use float16 (inputs or outputs in float16, float16 initializers, Casts to float16)? WebGPU runs
 * float16 only on adapters with the `shader-f16` feature; without it onnxruntime-web's shaders fail
 * validation and a run returns zeros instead of throwing (issue #16).
 *
 * Reads the protobuf wire format directly (field numbers from onnx/onnx.proto) and skips every
 * length-delimited field it does not need, so weights are never decoded. Also a small writer, used to
 * build test graphs in TypeScript at test time.
 */

export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;
export const ONNX_FLOAT16 = 10;

interface Field {
  no: number;
  wire: number;
  /** Varint / fixed value (wire types 0, 1, 5). */
  value: number;
  /** Bytes of a length-delimited field (wire type 2). */
  bytes: Uint8Array;
}

function* fields(buf: Uint8Array): Generator<Field> {
  let i = 0;
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (i >= buf.length) throw new RangeError('truncated varint');
      const b = buf[i++]!;
      result += (b & 0x7f) * mul;
      if (!(b & 0x80)) return result;
      mul *= 128;
      if (mul > 2 ** 70) throw new RangeError('varint too long');
    }
  };
  const empty = new Uint8Array(0);
  while (i < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) yield { no, wire, value: varint(), bytes: empty };
    else if (wire === 1) {
      i += 8;
      yield { no, wire, value: 0, bytes: empty };
    } else if (wire === 5) {
      i += 4;
      yield { no, wire, value: 0, bytes: empty };
    } else if (wire === 2) {
      const len = varint();
      if (i + len > buf.length) throw new RangeError('truncated field');
      yield { no, wire, value: len, bytes: buf.subarray(i, i + len) };
      i += len;
    } else throw new RangeError(`unsupported wire type ${wire}`);
  }
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** elem_type of a ValueInfoProto's tensor type, or 0. */
function elemType(valueInfo: Uint8Array): { name: string; elem: number } {
  let name = '';
  let elem = 0;
  for (const f of fields(valueInfo)) {
    if (f.no === 1 && f.wire === 2) name = text(f.bytes);
    if (f.no === 2 && f.wire === 2) {
      for (const t of fields(f.bytes)) {
        if (t.no === 1 && t.wire === 2) for (const tt of fields(t.bytes)) if (tt.no === 1 && tt.wire === 0) elem = tt.value;
      }
    }
  }
  return { name, elem };
}

/**
 * Where the graph uses float16, in words (at most `limit` entries; empty when it does not). Throws
 * RangeError when the bytes are not a protobuf.
 */
export function float16Use(model: Uint8Array, limit = 4): string[] {
  const uses: string[] = [];
  const add = (s: string) => {
    if (uses.length < limit) uses.push(s);
  };
  for (const m of fields(model)) {
    if (m.no !== 7 || m.wire !== 2) continue; // ModelProto.graph
    for (const g of fields(m.bytes)) {
      if (g.wire !== 2) continue;
      if (g.no === 11 || g.no === 12) {
        const { name, elem } = elemType(g.bytes);
        if (elem === ONNX_FLOAT16) add(`${g.no === 11 ? 'input' : 'output'} ${name} is float16`);
      } else if (g.no === 5) {
        let name = '';
        let type = 0;
        for (const t of fields(g.bytes)) {
          if (t.no === 2 && t.wire === 0) type = t.value;
          if (t.no === 8 && t.wire === 2) name = text(t.bytes);
        }
        if (type === ONNX_FLOAT16) add(`initializer ${name} is float16`);
      } else if (g.no === 1) {
        let op = '';
        let name = '';
        let to = 0;
        for (const n of fields(g.bytes)) {
          if (n.no === 4 && n.wire === 2) op = text(n.bytes);
          if (n.no === 3 && n.wire === 2) name = text(n.bytes);
          if (n.no === 5 && n.wire === 2) {
            let an = '';
            let ai = 0;
            for (const a of fields(n.bytes)) {
              if (a.no === 1 && a.wire === 2) an = text(a.bytes);
              if (a.no === 3 && a.wire === 0) ai = a.value;
            }
            if (an === 'to') to = ai;
          }
        }
        if (op === 'Cast' && to === ONNX_FLOAT16) add(`a Cast${name ? ` (${name})` : ''} to float16`);
      }
    }
  }
  return uses;
}

/**
 * Positions a rotary cache in the graph covers: the smallest first dimension of the initializers named
 * `cos_cache…` (onnxruntime-genai's builder and Gemma-3's script feed these to GroupQueryAttention /
 * RotaryEmbedding, which fail past them). null when the graph has none. Throws RangeError when the bytes
 * are not a protobuf.
 */
export function rotaryCacheLength(model: Uint8Array): number | null {
  let best: number | null = null;
  for (const m of fields(model)) {
    if (m.no !== 7 || m.wire !== 2) continue; // ModelProto.graph
    for (const g of fields(m.bytes)) {
      if (g.no !== 5 || g.wire !== 2) continue; // GraphProto.initializer
      let name = '';
      const dims: number[] = [];
      for (const t of fields(g.bytes)) {
        if (t.no === 8 && t.wire === 2) name = text(t.bytes);
        if (t.no === 1 && t.wire === 0) dims.push(t.value);
        if (t.no === 1 && t.wire === 2) for (const d of fields(concatVarints(t.bytes))) dims.push(d.value);
      }
      if (/(^|[./_])cos_cache/.test(name) && dims.length >= 1 && dims[0]! > 0) best = best === null ? dims[0]! : Math.min(best, dims[0]!);
    }
  }
  return best;
}

/** Packed repeated varints (`dims` written packed) re-keyed as field 1 so `fields` can read them. */
function concatVarints(packed: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < packed.length) {
    out.push(0x08);
    do out.push(packed[i]!);
    while (packed[i++]! & 0x80 && i < packed.length);
  }
  return new Uint8Array(out);
}

// ---- writer (test graphs) ----

type Part = Uint8Array;

function varintBytes(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function concat(parts: Part[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const pb = {
  int(no: number, v: number): Part {
    return new Uint8Array([...varintBytes(no * 8), ...varintBytes(v)]);
  },
  bytes(no: number, b: Uint8Array): Part {
    return concat([new Uint8Array([...varintBytes(no * 8 + 2), ...varintBytes(b.length)]), b]);
  },
  str(no: number, s: string): Part {
    return pb.bytes(no, new TextEncoder().encode(s));
  },
  msg(no: number, parts: Part[]): Part {
    return pb.bytes(no, concat(parts));
  },
};

/** A ValueInfoProto: a tensor with an element type and dims (numbers, or names for dynamic dims). */
export function valueInfo(no: number, name: string, elem: number, dims: (number | string)[]): Part {
  const dimParts = dims.map((d) => pb.msg(1, [typeof d === 'number' ? pb.int(1, d) : pb.str(2, d)]));
  return pb.msg(no, [pb.str(1, name), pb.msg(2, [pb.msg(1, [pb.int(1, elem), pb.msg(2, dimParts)])])]);
}

/** A float32 or int64 initializer (raw_data, little-endian). */
export function initializer(name: string, dims: number[], data: Float32Array | BigInt64Array): Part {
  const elem = data instanceof Float32Array ? ONNX_FLOAT : ONNX_INT64;
  return pb.msg(5, [...dims.map((d) => pb.int(1, d)), pb.int(2, elem), pb.str(8, name), pb.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength))]);
}

/** A NodeProto with integer attributes. */
export function node(op: string, inputs: string[], outputs: string[], name: string, attrs: Record<string, number> = {}): Part {
  return pb.msg(1, [
    ...inputs.map((i) => pb.str(1, i)),
    ...outputs.map((o) => pb.str(2, o)),
    pb.str(3, name),
    pb.str(4, op),
    ...Object.entries(attrs).map(([k, v]) => pb.msg(5, [pb.str(1, k), pb.int(3, v), pb.int(20, 2)])),
  ]);
}

/** A ModelProto (IR 8, default opset `opset`) around graph parts. */
export function model(graph: Part[], opset = 17): Uint8Array {
  return concat([pb.int(1, 8), pb.str(2, 'world-prior-lab tests'), pb.msg(7, [pb.str(2, 'g'), ...graph]), pb.msg(8, [pb.str(1, ''), pb.int(2, opset)])]);
}
