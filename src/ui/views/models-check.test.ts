import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { blobTarget, checkModel, folderFiles } from './models-check';

function folder(dir: string): Map<string, Blob> {
  const out: { path: string; blob: Blob }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ path: `lab-base/${relative(dir, p)}`, blob: new Blob([readFileSync(p)]) });
    }
  };
  walk(dir);
  return folderFiles(out);
}

describe('checkModel on a local folder', () => {
  const files = folder('models/lab-base');

  it('strips the folder name and accepts the lab-grown model', async () => {
    expect(files.has('config.json')).toBe(true);
    expect(files.has('onnx/model.onnx')).toBe(true);
    const r = await checkModel(blobTarget('lab-base', files), 'fp32');
    expect(r.ok).toBe(true);
    expect(r.onnxBytes).toBe(statSync('models/lab-base/onnx/model.onnx').size);
    expect(r.lines.every((l) => l.level !== 'error')).toBe(true);
  });

  it('says when the ONNX file of a variant is missing', async () => {
    const r = await checkModel(blobTarget('lab-base', files), 'q4');
    expect(r.ok).toBe(false);
    expect(r.lines.at(-1)!.text).toContain('onnx/model_q4.onnx is missing from the folder: this repo lacks the ONNX file for q4');
  });

  it('says when it is not a causal LM, when config.json is HTML, and when there is no chat template', async () => {
    const enc = new Map(files);
    enc.set('config.json', new Blob([JSON.stringify({ model_type: 'bert', architectures: ['BertForMaskedLM'] })]));
    const r1 = await checkModel(blobTarget('x', enc), 'fp32');
    expect(r1.ok).toBe(false);
    expect(r1.lines[0]!.text).toContain('not a causal language model (architectures: BertForMaskedLM)');
    const html = new Map(files);
    html.set('config.json', new Blob(['<!DOCTYPE html><p>log in</p>']));
    expect((await checkModel(blobTarget('x', html), 'fp32')).lines[0]!.text).toContain('config.json: is an HTML page');
    const noChat = new Map(files);
    const tc = JSON.parse(readFileSync('models/lab-base/tokenizer_config.json', 'utf8')) as Record<string, unknown>;
    delete tc['chat_template'];
    noChat.set('tokenizer_config.json', new Blob([JSON.stringify(tc)]));
    noChat.delete('chat_template.jinja');
    const r3 = await checkModel(blobTarget('x', noChat), 'fp32');
    expect(r3.ok).toBe(true);
    expect(r3.lines.find((l) => l.level === 'warn')?.text).toContain('no chat template');
  });
});
