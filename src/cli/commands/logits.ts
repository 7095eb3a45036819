/** `lab logits`: the next-token distribution after a text, from raw logits (a next-token spec, run by its runner). */
import type { Dtype } from '../../engine/types';
import { splitRevision } from '../../lab/experiments/model-ref';
import { runNextToken, type NextTokenSpec } from '../../lab/experiments/next-token';
import { SPEC_VERSION, type ModelRef } from '../../lab/experiments/types';
import { visibleToken } from '../../lab/tokens';
import { checkContext, choice, intOption, parse, required, table, textOption, UsageError } from '../args';
import { openModel, backendOption, dtypeOption, type CommandContext } from '../context';

export const usage = `lab logits --model <folder|url|hub-id> --text "<text>" [--top K] [--template none|chat]
           [--backend node|wasm|webgpu] [--dtype fp32|fp16|q4|q4f16|q8|…] [--json] [--print-spec]
  The next-token distribution after the text: top K tokens with raw logit and probability (softmax of
  the raw logits at temperature 1), and the entropy in nats. --dtype picks the weight variant
  (onnx/model_<suffix>.onnx, transformers.js names); what the engine adapted to in the graph is listed.
  --json prints the next-token result's data ({template, k, same_tokenizer, sides: {base: …}, errors});
  --print-spec prints the next-token spec for these settings and runs nothing.`;

/** A spec's ModelRef for a model named on the command line (as given: folder, URL or org/name@rev). */
export function cliModelRef(source: string, backend: ModelRef['backend'], dtype: Dtype | null): ModelRef {
  const { repo, revision } = splitRevision(source);
  return { repo, revision, dtype, backend };
}

export async function run(argv: string[], ctx: CommandContext): Promise<void> {
  const v = parse(argv, {
    model: { type: 'string' },
    text: { type: 'string' },
    top: { type: 'string' },
    template: { type: 'string' },
    backend: { type: 'string' },
    dtype: { type: 'string' },
    json: { type: 'boolean' },
    'print-spec': { type: 'boolean' },
  });
  const model = required(v, 'model');
  const text = textOption(v, 'text');
  const top = intOption(v, 'top', 10);
  const template = choice(v, 'template', ['none', 'chat'] as const, 'none');
  const backend = backendOption(v);
  const dtype = dtypeOption(v);
  const spec: NextTokenSpec = {
    kind: 'next-token',
    version: SPEC_VERSION,
    models: { base: cliModelRef(model, backend, dtype) },
    prompt: text,
    seed: 0,
    settings: { template, k: top, appended: [] },
  };
  if (v['print-spec']) {
    ctx.out(JSON.stringify(spec, null, 2));
    return;
  }
  const engine = await openModel(model, backend, ctx, dtype);
  try {
    const info = await engine.info();
    if (top > info.vocabSize) throw new UsageError(`--top must be an integer from 1 to ${info.vocabSize} (the vocabulary), got ${top}`, '--top', `at most ${info.vocabSize}`);
    const ids = await engine.encode(text, template);
    checkContext('--text', ids.length, 0, info.contextLength);
    const { data } = await runNextToken(spec, { engines: { base: engine } }, { rethrow: true });
    if (v['json']) {
      ctx.out(JSON.stringify(data));
      return;
    }
    const side = data.sides.base!;
    ctx.out(`model ${info.name} (${info.source}) · ${info.dtype} · ${info.backend}: ${info.adapter}`);
    for (const note of side.graph_notes) ctx.out(`graph: ${note}`);
    ctx.out(`prompt: ${side.tokens.length} tokens (template ${template})`);
    ctx.out(`next-token entropy: ${side.next.entropy.toFixed(4)} nats · mass outside the top ${top}: ${(side.next.mass_outside * 100).toFixed(2)}%`);
    const rows = [['rank', 'id', 'token', 'prob', 'logprob', 'logit']];
    side.next.top.forEach((t, i) =>
      rows.push([String(i + 1), String(t.id), visibleToken(t.text), `${(t.prob * 100).toFixed(2)}%`, t.logprob.toFixed(4), t.logit.toFixed(4)]),
    );
    ctx.out(table(rows, ['r', 'r', 'l', 'r', 'r', 'r']));
  } finally {
    await engine.dispose();
  }
}
