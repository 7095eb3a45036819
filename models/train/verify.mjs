// Verifies the exported lab-base / lab-sft / lab-rl folders from Node (run from the repo root):
//   node models/train/verify.mjs [models/lab-base models/lab-sft models/lab-rl]
// 1. onnxruntime-node: onnx/model.onnx reproduces reference.json logits (one full forward pass with
//    empty past, then token by token with the KV cache): max abs diff <= 1e-4. Also a left-padded batch.
// 2. @huggingface/transformers: the tokenizer gives exactly the Python ids for the reference texts and
//    for the ~200 held-out Brown sentences in models/train/tokenizer-check.json; decode round-trips;
//    apply_chat_template renders ChatML.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { PreTrainedTokenizer } from '@huggingface/transformers';

const here = path.dirname(fileURLToPath(import.meta.url));
const dirs = process.argv.slice(2).length ? process.argv.slice(2) : ['lab-base', 'lab-sft', 'lab-rl'].map((n) => path.join(here, '..', n));
const TOL = 1e-4;
let failures = 0;
const fail = (msg) => { failures++; console.log('  FAIL ' + msg); };

function maxAbsDiff(a, aOff, b, bOff, n) {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(a[aOff + i] - b[bOff + i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

function i64(arr, dims) { return new ort.Tensor('int64', BigInt64Array.from(arr.map(BigInt)), dims); }

async function checkOnnx(dir) {
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const ref = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8'));
  const L = cfg.num_hidden_layers, KV = cfg.num_key_value_heads, HD = cfg.head_dim, V = cfg.vocab_size;
  const sess = await ort.InferenceSession.create(path.join(dir, 'onnx', 'model.onnx'));
  const emptyPast = (B) => {
    const f = {};
    for (let i = 0; i < L; i++) for (const kv of ['key', 'value']) f[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [B, KV, 0, HD]);
    return f;
  };
  const blobs = {};
  for (const s of ref.sequences) {
    const file = path.join(dir, s.logits_file);
    blobs[file] ??= fs.readFileSync(file);
    const buf = blobs[file];
    const refLogits = new Float32Array(buf.buffer.slice(buf.byteOffset + (s.offset_bytes ?? 0), buf.byteOffset + (s.offset_bytes ?? 0) + s.shape[0] * s.shape[1] * 4));
    const T = s.ids.length;
    // full pass, empty past
    const out = await sess.run({ input_ids: i64(s.ids, [1, T]), attention_mask: i64(Array(T).fill(1), [1, T]), position_ids: i64([...Array(T).keys()], [1, T]), ...emptyPast(1) });
    if (out.logits.dims.join() !== `1,${T},${V}`) fail(`${s.name}: logits dims ${out.logits.dims}`);
    const dFull = maxAbsDiff(out.logits.data, 0, refLogits, 0, T * V);
    if (out['present.0.key'].dims.join() !== `1,${KV},${T},${HD}`) fail(`${s.name}: present dims ${out['present.0.key'].dims}`);
    // token by token with KV cache
    let past = emptyPast(1), dStep = 0;
    for (let t = 0; t < T; t++) {
      const o = await sess.run({ input_ids: i64([s.ids[t]], [1, 1]), attention_mask: i64(Array(t + 1).fill(1), [1, t + 1]), position_ids: i64([t], [1, 1]), ...past });
      dStep = Math.max(dStep, maxAbsDiff(o.logits.data, 0, refLogits, t * V, V));
      past = {};
      for (let i = 0; i < L; i++) for (const kv of ['key', 'value']) past[`past_key_values.${i}.${kv}`] = o[`present.${i}.${kv}`];
    }
    // left-padded batch of 2: row 0 = 3 pad tokens + sequence, row 1 = sequence + nothing (right side aligned)
    const P = 3, ids0 = [0, 0, 0, ...s.ids], ids1 = [...s.ids, 0, 0, 0];
    const am0 = [0, 0, 0, ...Array(T).fill(1)], am1 = [...Array(T).fill(1), 0, 0, 0];
    const pos0 = [0, 0, 0, ...[...Array(T).keys()]], pos1 = [...[...Array(T).keys()], 0, 0, 0];
    const ob = await sess.run({ input_ids: i64([...ids0, ...ids1], [2, T + P]), attention_mask: i64([...am0, ...am1], [2, T + P]), position_ids: i64([...pos0, ...pos1], [2, T + P]), ...emptyPast(2) });
    const dPadL = maxAbsDiff(ob.logits.data, P * V, refLogits, 0, T * V);
    const dPadR = maxAbsDiff(ob.logits.data, (T + P) * V, refLogits, 0, T * V);
    let finite = true;
    for (const x of ob.logits.data) if (!Number.isFinite(x)) { finite = false; break; }
    const ok = dFull <= TOL && dStep <= TOL && dPadL <= TOL && dPadR <= TOL && finite;
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${s.name} (T=${T}): full ${dFull.toExponential(2)}, kv-cache ${dStep.toExponential(2)}, left-pad ${dPadL.toExponential(2)}, right-pad ${dPadR.toExponential(2)}, finite ${finite}`);
    if (!ok) failures++;
  }
}

async function checkTokenizer(dir) {
  const tj = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
  const tc = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
  const tok = new PreTrainedTokenizer(tj, tc);
  const ref = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8'));
  const checkFile = path.join(here, 'tokenizer-check.json');
  const texts = [...ref.sequences.map((s) => ({ text: s.text, ids: s.ids }))];
  if (fs.existsSync(checkFile)) texts.push(...JSON.parse(fs.readFileSync(checkFile, 'utf8')).texts);
  let bad = 0, badDecode = 0;
  for (const { text, ids } of texts) {
    const got = tok.encode(text);
    if (got.length !== ids.length || got.some((x, i) => x !== ids[i])) {
      if (bad++ < 3) console.log(`    mismatch: ${JSON.stringify(text)}\n      js ${JSON.stringify(got)}\n      py ${JSON.stringify(ids)}`);
    }
    if (tok.decode(ids) !== text) { if (badDecode++ < 3) console.log(`    decode mismatch: ${JSON.stringify(tok.decode(ids))} vs ${JSON.stringify(text)}`); }
  }
  if (bad) fail(`tokenizer: ${bad}/${texts.length} texts differ from Python ids`);
  else console.log(`  ok   tokenizer: ${texts.length} texts give identical ids (${texts.length - ref.sequences.length} held-out Brown sentences)`);
  if (badDecode) fail(`tokenizer decode: ${badDecode} texts do not round-trip`);
  const rendered = tok.apply_chat_template([{ role: 'user', content: 'Are bugs real?' }], { tokenize: false, add_generation_prompt: true });
  const want = '<|im_start|>user\nAre bugs real?<|im_end|>\n<|im_start|>assistant\n';
  if (rendered !== want) fail(`chat template rendered ${JSON.stringify(rendered)}`);
  else console.log('  ok   apply_chat_template renders ChatML');
  const chatIds = tok.encode(rendered);
  const refChat = ref.sequences.find((s) => s.name === 'chat');
  if (refChat && JSON.stringify(Array.from(chatIds)) !== JSON.stringify(refChat.ids)) fail(`chat template ids ${JSON.stringify(Array.from(chatIds))} != ${JSON.stringify(refChat.ids)}`);
  console.log(`  info eos_token ${tok.eos_token} (${tok.eos_token_id}), bos_token ${tok.bos_token}, pad ${tok.pad_token_id}`);
}

for (const dir of dirs) {
  console.log(path.basename(dir));
  await checkOnnx(dir);
  await checkTokenizer(dir);
}
console.log(failures ? `${failures} FAILURE(S)` : 'all checks passed');
process.exit(failures ? 1 : 0);
