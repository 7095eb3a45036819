/** Make a token's text visible: whitespace, newlines and control characters get visible marks.
 *  (Byte tokens that are not whole characters already arrive as `<0xNN>` from the engine.) */
export function visibleToken(text: string): string {
  if (text === '') return '∅';
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === ' ') out += '␣';
    else if (ch === '\n') out += '↵';
    else if (ch === '\t') out += '⇥';
    else if (ch === '\r') out += '␍';
    else if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c === 0x200b || c === 0xfeff || c === 0x00a0) out += `\\u{${c.toString(16)}}`;
    else out += ch;
  }
  return out;
}

const BYTE_ESCAPE = /^<0x([0-9A-Fa-f]{2})>/;
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

function utf8Length(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead < 0xe0) return 2;
  if (lead >= 0xe0 && lead < 0xf0) return 3;
  if (lead >= 0xf0 && lead < 0xf5) return 4;
  return 0; // a continuation byte or an invalid lead
}

/**
 * Token texts as a reader sees them in running text: byte tokens (`<0xC3>`, `<0xA9>`) that together
 * form whole UTF-8 characters are decoded, the way a streaming decoder buffers split characters. The
 * character is shown on the token that completes it; the tokens before it in the same character show
 * ''. Bytes that never form a character (an invalid sequence, or one cut off at the end) stay as
 * `<0xNN>` escapes on their own tokens. One string per input text; joined, they are the text.
 */
export function displayTexts(texts: string[]): string[] {
  const out = texts.map(() => '');
  let pending: { byte: number; owner: number }[] = [];
  const spill = () => {
    for (const p of pending) out[p.owner] += `<0x${p.byte.toString(16).toUpperCase().padStart(2, '0')}>`;
    pending = [];
  };
  texts.forEach((text, i) => {
    let rest = text;
    while (rest.length) {
      const m = BYTE_ESCAPE.exec(rest);
      if (!m) {
        spill();
        const ch = String.fromCodePoint(rest.codePointAt(0)!);
        out[i] += ch;
        rest = rest.slice(ch.length);
        continue;
      }
      rest = rest.slice(m[0].length);
      pending.push({ byte: parseInt(m[1]!, 16), owner: i });
      const need = utf8Length(pending[0]!.byte);
      if (need === 0) {
        const bad = pending.shift()!;
        out[bad.owner] += `<0x${bad.byte.toString(16).toUpperCase().padStart(2, '0')}>`;
        continue;
      }
      if (pending.length < need) continue;
      try {
        out[i] += strictDecoder.decode(Uint8Array.from(pending, (p) => p.byte));
        pending = [];
      } catch {
        spill();
      }
    }
  });
  spill();
  return out;
}
