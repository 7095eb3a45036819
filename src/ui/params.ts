/**
 * The page's state as it appears in the URL: `?base=`, `?tuned=` (folder URLs or hub ids),
 * `?prompt=`, `?backend=webgpu|wasm|auto`, `?template=none|chat`, `?k=`. Defaults are left out of the
 * URL so that a plain link opens the lab-grown pair.
 */
import { LAB_FAMILY, labSiblingOf, labUrl, resolveLabSource } from '../engine/family';
import type { BackendChoice, Template } from '../engine/types';

export type Side = 'base' | 'tuned';
export const SIDES: readonly Side[] = ['base', 'tuned'];

/** The default pair of the lab-grown family (served next to the page): lab-base vs lab-sft. Any two of
 *  the family can be the pair (`?base=lab-sft&tuned=lab-rl`); `lab-tuned` is an alias of lab-sft. */
export const LAB_PAIR: Readonly<Record<Side, string>> = { base: labUrl('lab-base'), tuned: labUrl('lab-sft') };
export const DEFAULT_PROMPT = 'The old man looked at the';
export const DEFAULT_K = 10;
export const MAX_K = 100;

export type PageBackend = Extract<BackendChoice, 'webgpu' | 'wasm' | 'auto'>;
const BACKENDS: readonly PageBackend[] = ['auto', 'webgpu', 'wasm'];
const TEMPLATES: readonly Template[] = ['none', 'chat'];

/** The lab's views (tabs). `next` is the next-token page. */
export const VIEWS = [
  { id: 'next', label: 'Next token' },
  { id: 'explore', label: 'Explore (loom)' },
  { id: 'compare', label: 'Compare' },
  { id: 'sweep', label: 'Temperature sweep' },
  { id: 'inject', label: 'Injection' },
  { id: 'answers', label: 'Answers' },
  { id: 'library', label: 'Library' },
  { id: 'models', label: 'Models' },
] as const;
export type ViewId = (typeof VIEWS)[number]['id'];

export interface LabParams {
  view: ViewId;
  base: string;
  tuned: string;
  prompt: string;
  backend: PageBackend;
  template: Template;
  k: number;
}

export function clampK(k: number): number {
  if (!Number.isFinite(k)) return DEFAULT_K;
  return Math.max(1, Math.min(MAX_K, Math.round(k)));
}

/** Both sides are siblings of the lab-grown family (any two of them). */
export function isLabPair(p: Pick<LabParams, 'base' | 'tuned'>): boolean {
  return labSiblingOf(p.base) !== null && labSiblingOf(p.tuned) !== null;
}

export { LAB_FAMILY };

export function readParams(search: string): LabParams {
  const q = new URLSearchParams(search);
  const backend = q.get('backend') as PageBackend | null;
  const template = q.get('template') as Template | null;
  const k = q.get('k');
  const view = q.get('view') as ViewId | null;
  return {
    view: view && VIEWS.some((v) => v.id === view) ? view : 'next',
    base: resolveLabSource(q.get('base')?.trim() || LAB_PAIR.base),
    tuned: resolveLabSource(q.get('tuned')?.trim() || LAB_PAIR.tuned),
    prompt: q.get('prompt') ?? DEFAULT_PROMPT,
    backend: backend && BACKENDS.includes(backend) ? backend : 'auto',
    template: template && TEMPLATES.includes(template) ? template : 'none',
    k: k === null ? DEFAULT_K : clampK(Number(k)),
  };
}

const KNOWN = ['view', 'base', 'tuned', 'prompt', 'backend', 'template', 'k'];

/** The query string (with `?`, or empty) for these params; defaults are omitted. Parameters of the
 *  views (other keys in `current`) are kept. */
export function writeParams(p: LabParams, current = ''): string {
  const q = new URLSearchParams(current);
  for (const key of KNOWN) q.delete(key);
  if (p.view !== 'next') q.set('view', p.view);
  if (p.base !== LAB_PAIR.base) q.set('base', p.base);
  if (p.tuned !== LAB_PAIR.tuned) q.set('tuned', p.tuned);
  if (p.prompt !== DEFAULT_PROMPT) q.set('prompt', p.prompt);
  if (p.backend !== 'auto') q.set('backend', p.backend);
  if (p.template !== 'none') q.set('template', p.template);
  if (p.k !== DEFAULT_K) q.set('k', String(p.k));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * One prompt across the tabs: the prompt last typed (or chosen) in any tab is the page's `?prompt=`,
 * and every other tab opens on it. A view's own `<view>.prompt` parameter holds its prompt while it
 * is the latest; typing in another tab removes it (so no tab reopens on a stale prompt of its own).
 * A view at its preset prompt (parameter removed) removes the shared one too: the tabs open on their
 * presets again.
 */
export function sharePromptIn(q: URLSearchParams, ownKey: string | null, prompt: string | null): void {
  for (const k of [...q.keys()]) if (k.endsWith('.prompt') && k !== ownKey) q.delete(k);
  if (prompt === null || prompt === '') q.delete('prompt');
  else q.set('prompt', prompt);
}

/** Set (or, with null, remove) a view's own URL parameters, keeping every other parameter. A view's
 *  prompt (`<view>.prompt`) is also shared with the other tabs (see sharePromptIn). */
export function updateQuery(updates: Record<string, string | null>): void {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(updates)) {
    if (k.endsWith('.prompt')) {
      if (v) sharePromptIn(q, k, v);
      else if (q.get(k) !== null) sharePromptIn(q, k, null); // back at its preset after being the latest
    }
    if (v === null || v === '') q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  const url = `${location.pathname}${s ? `?${s}` : ''}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(history.state, '', url);
}

/** A view's own URL parameter. A view's prompt (`<view>.prompt`) falls back to the prompt shared by
 *  the tabs (`?prompt=`), so a view opens on the prompt typed in another tab. */
export function queryParam(key: string): string | null {
  const q = new URLSearchParams(location.search);
  return q.get(key) ?? (key.endsWith('.prompt') ? q.get('prompt') : null);
}
