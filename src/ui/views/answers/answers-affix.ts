/**
 * Prefixes and suffixes of answer candidates are typed in one-line fields, which cannot hold a newline:
 * there a newline is written `\n`, a tab `\t`, a carriage return `\r`. Typing stays stable: every
 * partial input round-trips (a lone backslash is kept as it is).
 */
export function escapeAffix(text: string): string {
  return text.replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
}

export function unescapeAffix(typed: string): string {
  return typed.replace(/\\([ntr])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\r'));
}
