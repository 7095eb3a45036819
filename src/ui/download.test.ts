import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from './download';

describe('CSV', () => {
  it('quotes what needs quoting and keeps numbers at full precision', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' lead')).toBe('" lead"');
    expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(csvField(-Infinity)).toBe('-Infinity');
    expect(csvField(null)).toBe('');
    expect(toCsv([['T', 'text'], [1, '<script>']])).toBe('T,text\r\n1,<script>\r\n');
  });
});
