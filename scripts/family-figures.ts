/**
 * The lab's own numbers for the lab-grown family (src/lab/family-figures.ts), measured on the exported
 * ONNX (onnxruntime-node). Writes models/train/family-lab-figures.json and the table between the
 * family-figures markers in README.md; src/lab/family-card.test.ts recomputes both.
 *   npx tsx scripts/family-figures.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolveModelSource } from '../src/cli/context';
import { LAB_FAMILY } from '../src/engine/family';
import { createNodeEngine } from '../src/engine/node';
import { familyFigures, FIGURES, figuresTable, type FigureRow } from '../src/lab/family-figures';

const held = JSON.parse(readFileSync('models/lab-sft/held-out-prompts.json', 'utf8')) as { prompts: Record<string, string[]> };

const rows: FigureRow[] = [];
for (const sib of LAB_FAMILY) {
  const engine = createNodeEngine('node');
  await engine.load(resolveModelSource(sib.name));
  try {
    rows.push(await familyFigures(engine, sib.name, held.prompts));
  } finally {
    await engine.dispose();
  }
}

const { runs: _runs, ...settings } = FIGURES;
writeFileSync('models/train/family-lab-figures.json', JSON.stringify({ ...settings, rows }, null, 2) + '\n');
const table = figuresTable(rows);
const readme = readFileSync('README.md', 'utf8');
const start = '<!-- family-figures:start -->';
const end = '<!-- family-figures:end -->';
const i = readme.indexOf(start);
const j = readme.indexOf(end);
if (i >= 0 && j > i) writeFileSync('README.md', readme.slice(0, i + start.length) + '\n' + table + '\n' + readme.slice(j));
console.log(table);
