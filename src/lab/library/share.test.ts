import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNNERS } from '../experiments/registry';
import { sampleSpec } from './fixtures';
import { base64urlDecode, base64urlEncode, readSpecParam, specLink, specParam } from './share';

// Stand-in data for the kinds (see fixtures.ts): run with an empty registry, restored afterwards.
const registered = { ...RUNNERS };
beforeAll(() => {
  for (const k of Object.keys(RUNNERS)) delete RUNNERS[k as keyof typeof RUNNERS];
});
afterAll(() => Object.assign(RUNNERS, registered));

describe('share links', () => {
  it('round-trips a spec through ?spec= (unicode, emoji, long prompts)', () => {
    for (const prompt of ['Are bugs real?', 'Ünïcode “quotes” 🙂 <b>tag</b> & ?=#', 'x'.repeat(50_000)]) {
      const spec = sampleSpec('sweep', prompt);
      const link = specLink(spec, 'http://127.0.0.1:5173/lab/?base=foo&prompt=zzz#frag');
      const u = new URL(link);
      expect(u.pathname).toBe('/lab/');
      expect(u.hash).toBe('');
      expect([...u.searchParams.keys()]).toEqual(['view', 'spec']);
      expect(u.searchParams.get('view')).toBe('sweep');
      expect(readSpecParam(u.searchParams.get('spec')!)).toEqual(spec);
    }
  });

  it('base64url matches Node’s encoder (no +, /, =)', () => {
    for (const s of ['', 'a', 'ab', 'abc', '>>>???', 'é🙂\u0000\uffff']) {
      const enc = base64urlEncode(s);
      expect(enc).toBe(Buffer.from(s, 'utf8').toString('base64url'));
      expect(base64urlDecode(enc)).toBe(s);
    }
  });

  it('a bad link is refused with the reason', () => {
    const good = specParam(sampleSpec());
    const enc = (x: unknown) => Buffer.from(JSON.stringify(x), 'utf8').toString('base64url');
    expect(() => readSpecParam('not base64!')).toThrow(/not base64url text/);
    expect(() => readSpecParam(good.slice(0, 5))).toThrow(/cut short|not valid JSON/);
    expect(() => readSpecParam(good.slice(0, -7))).toThrow(/not valid JSON|damaged/);
    expect(() => readSpecParam('')).toThrow(/empty/);
    expect(() => readSpecParam(Buffer.from([0xff, 0xfe, 0x41]).toString('base64url'))).toThrow(/not UTF-8/);
    expect(() => readSpecParam(enc({ ...sampleSpec(), version: 5 }))).toThrow(/spec\.version: version 5 was written by a newer lab/);
    expect(() => readSpecParam(enc({ ...sampleSpec(), kind: 'nope' }))).toThrow(/spec\.kind: must be one of/);
    expect(() => readSpecParam(Buffer.from('{"kind":"compare","version":1,"models":{},"prompt":"","seed":1e999,"settings":{}}').toString('base64url'))).toThrow(/spec\.seed: Infinity is not a finite number/);
    expect(() => readSpecParam(Buffer.from('{"kind":"compare","version":1,"models":{},"prompt":"","seed":1,"settings":{"__proto__":{}}}').toString('base64url'))).toThrow(/__proto__/);
    expect(() => readSpecParam('A'.repeat(2_000_000))).toThrow(/the most the lab reads/);
  });
});
