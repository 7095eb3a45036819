/** `lab logits`: the next-token distribution after a text, from raw logits. */
import type { Engine } from '../../engine/types';
import { nextTokenView } from '../../lab/next-token';
import { visibleToken } from '../../lab/tokens';
import { checkContext, choice, intOption, parse, required, table, textOption, UsageError } from '../args';
import { openModel, backendOption, dtypeOption, type CommandContext } from '../context';

export const usage = `lab logits --model <folder|url|hub-id> --text "<text>" [--top K] [--template none|chat]
           [--backend node|wasm|webgpu] [--dtype fp32|fp16|q4|q4f16|q8|…] [--json]
  The next-token distribution after the text: top K tokens with raw logit and probability (softmax of
  the raw logits at temperature 1), and the entropy in nats. --dtype picks the weight variant
  (onnx/model_<suffix>.onnx, transformers.js names); what the engine adapted to in the graph is listed.`;

export async function run(argv: string[], ctx: CommandContext): Promise<void> {
  const v = parse(argv, {
    model: { type: 'string' },
    text: { type: 'string' },
    top: { type: 'string' },
    template: { type: 'string' },
    backend: { type: 'string' },
    dtype: { type: 'string' },
    json: { type: 'boolean' },
  });
  const model = required(v, 'model');
  const text = textOption(v, 'text');
  const top = intOption(v, 'top', 10);
  const template = choice(v, 'template', ['none', 'chat'] as const, 'none');
  const engine: Engine = await openModel(model, backendOption(v), ctx, dtypeOption(v));
  try {
    const info = await engine.info();
    if (top > info.vocabSize) throw new UsageError(`--top must be an integer from 1 to ${info.vocabSize} (the vocabulary), got ${top}`, '--top', `at most ${info.vocabSize}`);
    const ids = await engine.encode(text, template);
    checkContext('--text', ids.length, 0, info.contextLength);
    const view = await nextTokenView(engine, ids, top);
    if (v['json']) {
      ctx.out(
        JSON.stringify({
          model: info.source,
          backend: info.backend,
          dtype: info.dtype,
          batching: info.batching,
          graph_notes: info.graphNotes ?? [],
          tokens: view.tokens,
          next: {
            entropy: view.entropy,
            top: view.top.map((t) => ({ id: t.id, text: t.text, logit: t.logit, prob: t.prob })),
          },
        }),
      );
      return;
    }
    ctx.out(`model ${info.name} (${info.source}) · ${info.dtype} · ${info.backend}: ${info.adapter}`);
    for (const note of info.graphNotes ?? []) ctx.out(`graph: ${note}`);
    ctx.out(`prompt: ${view.tokens.length} tokens (template ${template})`);
    ctx.out(`next-token entropy: ${view.entropy.toFixed(4)} nats · mass outside the top ${top}: ${(view.massOutside * 100).toFixed(2)}%`);
    const rows = [['rank', 'id', 'token', 'prob', 'logprob', 'logit']];
    view.top.forEach((t, i) =>
      rows.push([String(i + 1), String(t.id), visibleToken(t.text), `${(t.prob * 100).toFixed(2)}%`, t.logprob.toFixed(4), t.logit.toFixed(4)]),
    );
    ctx.out(table(rows, ['r', 'r', 'l', 'r', 'r', 'r']));
  } finally {
    await engine.dispose();
  }
}
