/**
 * Tokenizer and chat template through @huggingface/transformers, built from files our own loader
 * read (so a folder, a URL and the hub travel one code path). DOM-free.
 */
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { ModelFileError } from './errors';
import type { ChatMessage } from './types';

type Json = Record<string, unknown>;

/** GPT-2's byte ↔ unicode table used by byte-level BPE vocabularies. */
function byteDecoder(): Map<string, number> {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  const map = new Map<string, number>();
  bs.forEach((b, i) => map.set(String.fromCodePoint(cs[i]!), b));
  return map;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export class LabTokenizer {
  private readonly pieces: string[];
  private readonly byteLevel: boolean;
  private readonly bytes = byteDecoder();
  private readonly special: Set<number>;
  private readonly textCache = new Map<number, string>();

  private constructor(
    readonly inner: PreTrainedTokenizer,
    tokenizerJson: Json,
    readonly hasChatTemplate: boolean,
  ) {
    const vocab = inner.get_vocab();
    this.pieces = [];
    for (const [piece, id] of vocab) this.pieces[id] = piece;
    const decoder = tokenizerJson['decoder'] as Json | null | undefined;
    const decoderTypes = [decoder?.['type'], ...(((decoder?.['decoders'] as Json[] | undefined) ?? []).map((d) => d['type']))];
    this.byteLevel = decoderTypes.includes('ByteLevel');
    this.special = new Set(inner.all_special_ids);
    for (const t of (tokenizerJson['added_tokens'] as Json[] | undefined) ?? []) {
      if (t['special']) this.special.add(t['id'] as number);
    }
  }

  static async create(tokenizerJson: Json, tokenizerConfig: Json, chatTemplate: string | null): Promise<LabTokenizer> {
    const transformers = (await import('@huggingface/transformers')) as unknown as Record<string, unknown>;
    const config = { ...tokenizerConfig };
    if (chatTemplate && !config['chat_template']) config['chat_template'] = chatTemplate;
    const className = String(config['tokenizer_class'] ?? 'PreTrainedTokenizer').replace(/Fast$/, '');
    const Cls = (transformers[className] ?? transformers['PreTrainedTokenizer']) as new (
      json: Json,
      cfg: Json,
    ) => PreTrainedTokenizer;
    let inner: PreTrainedTokenizer;
    try {
      inner = new Cls(tokenizerJson, config);
    } catch (err) {
      throw new ModelFileError('tokenizer.json', `could not build a tokenizer from it (${(err as Error).message})`);
    }
    return new LabTokenizer(inner, tokenizerJson, Boolean(config['chat_template']));
  }

  get vocabSize(): number {
    return this.pieces.length;
  }

  /** Encode as the tokenizer does by default (its own special-token rules). */
  encode(text: string): number[] {
    return this.inner.encode(text);
  }

  /** Encode a continuation: no special tokens added. */
  encodeContinuation(text: string): number[] {
    return this.inner.encode(text, { add_special_tokens: false });
  }

  /** The chat template reads `enable_thinking` (Qwen3's does). */
  get takesThinking(): boolean {
    return this.hasChatTemplate && /\benable_thinking\b/.test(JSON.stringify((this.inner as unknown as { chat_template?: unknown }).chat_template ?? ''));
  }

  /** `enable_thinking` passed to the template (templates that read it only); undefined: its default. */
  thinking: boolean | undefined = undefined;

  renderChat(messages: ChatMessage[], addGenerationPrompt: boolean): string {
    if (!this.hasChatTemplate) {
      throw new ModelFileError('tokenizer_config.json', 'has no chat_template, so the chat template cannot be used');
    }
    return this.inner.apply_chat_template(messages as never, {
      tokenize: false,
      add_generation_prompt: addGenerationPrompt,
      ...(this.thinking !== undefined && this.takesThinking ? { enable_thinking: this.thinking } : {}),
    } as never) as unknown as string;
  }

  /** One user message in the chat template with the generation prompt, tokenized as the template says
   *  (special tokens written in the template are recognised; nothing else is added). */
  encodeChat(text: string): number[] {
    const rendered = this.renderChat([{ role: 'user', content: text }], true);
    return this.inner.encode(rendered, { add_special_tokens: false });
  }

  decode(ids: number[], skipSpecial = false): string {
    if (ids.length === 0) return '';
    return this.inner.decode(ids, { skip_special_tokens: skipSpecial, clean_up_tokenization_spaces: false });
  }

  /** The text a single token stands for. Byte tokens that are not whole UTF-8 characters are shown as
   *  `<0xNN>` escapes so nothing is silently turned into U+FFFD. */
  tokenText(id: number): string {
    const cached = this.textCache.get(id);
    if (cached !== undefined) return cached;
    const piece = this.pieces[id];
    let text: string;
    if (piece === undefined) {
      text = `<unused ${id}>`;
    } else if (this.special.has(id)) {
      text = piece;
    } else if (this.byteLevel && [...piece].every((c) => this.bytes.has(c))) {
      const raw = Uint8Array.from([...piece].map((c) => this.bytes.get(c)!));
      try {
        text = strictUtf8.decode(raw);
      } catch {
        text = Array.from(raw, (b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`).join('');
      }
    } else {
      text = this.inner.decode([id], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
      if (text.includes('\uFFFD') && /^<0x[0-9A-Fa-f]{2}>$/.test(piece)) text = piece;
    }
    this.textCache.set(id, text);
    return text;
  }

  isSpecial(id: number): boolean {
    return this.special.has(id);
  }

  /** Token ids whose text contains the query; exact matches first, then prefix, then substring. */
  findTokens(query: string, limit: number): number[] {
    if (!query) return [];
    const exact: number[] = [];
    const prefix: number[] = [];
    const inside: number[] = [];
    const q = query.toLowerCase();
    for (let id = 0; id < this.pieces.length; id++) {
      if (this.pieces[id] === undefined) continue;
      const t = this.tokenText(id);
      if (t === query || t.trim() === query) exact.push(id);
      else if (t.toLowerCase().trimStart().startsWith(q)) prefix.push(id);
      else if (t.toLowerCase().includes(q)) inside.push(id);
    }
    return [...exact, ...prefix, ...inside].slice(0, limit);
  }
}
