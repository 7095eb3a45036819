import { describe, expect, it } from 'vitest';
import { csvField } from './download';
import { formatPercent, formatScientific } from './format';

describe('number formatting for students', () => {
  it('prints small probabilities as decimals, never as 3.0e-4%', () => {
    expect(formatPercent(0.5)).toBe('50.0%');
    expect(formatPercent(0.0123)).toBe('1.23%');
    expect(formatPercent(0.000003)).toBe('0.00030%');
    expect(formatPercent(0.0000012345)).toBe('0.00012%');
    expect(formatPercent(0.0000009)).toBe('9.0 × 10⁻⁵%');
    expect(formatPercent(0)).toBe('0%');
    // a negative share (e.g. how much of a shift sharpening explains) keeps its digits
    expect(formatPercent(-0.24)).toBe('−24.0%');
    expect(formatPercent(-0.0123)).toBe('−1.23%');
    expect(formatPercent(3e-9)).toBe('3.0 × 10⁻⁷%');
    for (const p of [1e-3, 3e-6, 7e-8, 2.5e-12, 1e-30]) expect(formatPercent(p)).not.toMatch(/e[-+]?\d/);
  });
  it('writes scientific notation with a power of ten', () => {
    expect(formatScientific(0.000123, 2)).toBe('1.23 × 10⁻⁴');
    expect(formatScientific(-4.5e12)).toBe('−4.5 × 10¹²');
    expect(formatScientific(0)).toBe('0');
  });
});

describe('CSV cells', () => {
  it('guard against spreadsheet formulas (=, +, -, @, tab, CR at the start)', () => {
    for (const bad of ['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd']) {
      const cell = csvField(bad);
      expect(cell.replace(/^"|"$/g, '').startsWith("'"), JSON.stringify(bad)).toBe(true);
    }
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    // Numbers stay numbers, negative ones too.
    expect(csvField(-0.25)).toBe('-0.25');
    expect(csvField(3)).toBe('3');
  });
});
