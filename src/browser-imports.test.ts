/**
 * The page and its worker must not import Node-only modules (`node:*`, or the Node-only halves of the
 * engine): Vite would externalize them "for browser compatibility" with a warning per import, and the
 * code behind them could never run in the page. This walks the import graph from the page's and the
 * worker's entry points (static imports, re-exports and dynamic imports with a literal specifier).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ENTRIES = ['src/main.ts', 'workers/model.worker.ts'];
const NODE_ONLY = [/^node:/, /^(fs|path|os|url|crypto|module|child_process)(\/|$)/, /^onnxruntime-node$/, /^webgpu$/];

function resolveLocal(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  for (const p of [base, `${base}.ts`, `${base}/index.ts`]) if (existsSync(p) && p.endsWith('.ts')) return p;
  return null;
}

function browserGraph(): { file: string; imports: string[] }[] {
  const seen = new Map<string, string[]>();
  const todo = ENTRIES.map((e) => resolve(e));
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
    seen.set(file, specs);
    for (const s of specs) {
      if (!s.startsWith('.')) continue;
      const r = resolveLocal(file, s);
      if (r && !r.endsWith('.test.ts')) todo.push(r);
    }
  }
  return [...seen].map(([file, imports]) => ({ file: relative(process.cwd(), file), imports }));
}

describe('browser code imports no Node-only module', () => {
  it('walks the page and the worker', () => {
    const graph = browserGraph();
    expect(graph.map((g) => g.file)).toEqual(expect.arrayContaining(['src/engine/cache.ts', 'src/engine/files.ts', 'src/engine/web.ts']));
    const offending = graph.flatMap((g) => g.imports.filter((s) => NODE_ONLY.some((re) => re.test(s))).map((s) => `${g.file} imports ${s}`));
    expect(offending).toEqual([]);
    const nodeHalves = graph.filter((g) => /src\/engine\/(node|node-files)\.ts$/.test(g.file)).map((g) => g.file);
    expect(nodeHalves).toEqual([]);
  });
});
