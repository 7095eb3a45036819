/**
 * Share links (issue #14): `?spec=<base64url of the spec JSON>` reproduces a run's spec: the page opens the
 * kind's view, loads the spec's models when they differ from the loaded pair, and runs it. The parameter is
 * read as strictly as an import (the same validators), so a bad link gives a reason, never a broken page.
 * DOM-free (TextEncoder, btoa/atob are in browsers and Node).
 */
import { MAX_PROMPT_CHARS } from '../experiments/envelope';
import { parseJsonText } from '../experiments/json-safety';
import { ExperimentDataError, type ExperimentKind, type SpecEnvelope } from '../experiments/types';
import { validateSpec } from './records';

export const SPEC_PARAM = 'spec';
/** The longest `?spec=` value read (characters): a maximal prompt, base64url-encoded, plus settings. */
export const MAX_SPEC_PARAM_CHARS = Math.ceil(((MAX_PROMPT_CHARS * 3 + 64 * 1024) * 4) / 3);

/** The page view (tab) of each kind. */
export const VIEW_OF_KIND: Readonly<Record<ExperimentKind, string>> = {
  'next-token': 'next',
  loom: 'explore',
  compare: 'compare',
  sweep: 'sweep',
  inject: 'inject',
  answers: 'answers',
};

export function base64urlEncode(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function base64urlDecode(s: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new ExperimentDataError('the link is damaged: its spec is not base64url text (was it cut or changed?)');
  if (s.length % 4 === 1) throw new ExperimentDataError('the link is damaged: its spec was cut short');
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ExperimentDataError('the link is damaged: its spec is not UTF-8 text');
  }
}

/** The `?spec=` value of a spec. */
export function specParam(spec: SpecEnvelope): string {
  return base64urlEncode(JSON.stringify(spec));
}

/** The spec of a `?spec=` value, checked strictly (ExperimentDataError with the reason otherwise). */
export function readSpecParam(value: string): SpecEnvelope {
  if (value.length > MAX_SPEC_PARAM_CHARS) throw new ExperimentDataError(`the link's spec is ${value.length} characters long; the most the lab reads is ${MAX_SPEC_PARAM_CHARS}`);
  const text = base64urlDecode(value.trim());
  return validateSpec(parseJsonText(text, "link's spec"), undefined, 'spec');
}

/**
 * A link to `pageUrl` (the page's address) that reproduces `spec`: the `spec` parameter and the spec's
 * view; every other parameter of the page address is dropped (the spec says what to load and run).
 */
export function specLink(spec: SpecEnvelope, pageUrl: string): string {
  const u = new URL(pageUrl);
  u.search = '';
  u.hash = '';
  u.searchParams.set('view', VIEW_OF_KIND[spec.kind]);
  u.searchParams.set(SPEC_PARAM, specParam(spec));
  return u.toString();
}
