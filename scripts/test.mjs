#!/usr/bin/env node
// `npm test`: type check, unit and engine tests (Vitest, Node), production build, browser tests
// (Vitest + Playwright in Debian Chromium against the built site). Ends with one plain summary line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

mkdirSync('.cache', { recursive: true });
const bin = (name) => `node_modules/.bin/${name}`;
let passed = 0;
let failed = 0;
let skipped = 0;
let broken = [];

function step(label, cmd, args, reportFile) {
  console.log(`\n▶ ${label}: ${cmd} ${args.join(' ')}`);
  if (reportFile) rmSync(reportFile, { force: true });
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  if (reportFile && existsSync(reportFile)) {
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  }
  if (r.status !== 0) broken.push(label);
  return r.status === 0;
}

const only = process.argv[2]; // optional: unit | e2e
if (!only || only === 'unit') {
  step('type check', bin('tsc'), ['--noEmit']);
  step('unit and engine tests', bin('vitest'), ['run', '--reporter=default', '--reporter=json', '--outputFile=.cache/unit.json'], '.cache/unit.json');
}
if (!only || only === 'e2e') {
  if (step('build', bin('vite'), ['build', '--logLevel', 'warn'])) {
    step('browser tests', bin('vitest'), ['run', '--config', 'e2e/vitest.config.ts', '--reporter=default', '--reporter=json', '--outputFile=.cache/e2e.json'], '.cache/e2e.json');
  }
}
console.log('');
if (broken.length) console.log(`failed steps: ${broken.join(', ')}`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(broken.length || failed ? 1 : 0);
