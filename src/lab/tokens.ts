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
