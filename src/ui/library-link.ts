/**
 * The app's side of the library (issue #14), kept out of lab-app.ts: saving every finished run (with a
 * one-line note, or a clear message when the library is full or unavailable: the run stays on screen),
 * handing a reopened run or a shared spec to its view, and reading a share link (`?spec=`) on load.
 */
import type { ExperimentKind, ResultEnvelope, RunRecord, SpecEnvelope } from '../lab/experiments/types';
import { sourceOf } from '../lab/experiments/model-ref';
import { readSpecParam, SPEC_PARAM, specLink, VIEW_OF_KIND } from '../lab/library/share';
import { LibraryFullError, LibraryUnavailableError } from '../lab/library/store';
import type { ViewId } from './params';
import { VIEW_TAG } from './views/library/library-compare';
import { saveRun } from './views/library/library-sync';

/** What waits for a view: a stored run to show (`.stored`), or a spec to fill in and run (`.pendingSpec`). */
export type Delivery = { stored: RunRecord; spec?: undefined } | { spec: SpecEnvelope; stored?: undefined };

export interface LibraryNote {
  kind: 'saved' | 'full' | 'unavailable' | 'not-saved' | 'link' | 'link-error';
  text: string;
  error: boolean;
}

/** The tab of a kind's view. */
export function viewIdOf(kind: ExperimentKind): ViewId {
  return VIEW_OF_KIND[kind] as ViewId;
}

function deliveryKind(d: Delivery): ExperimentKind {
  return d.stored ? d.stored.kind : d.spec.kind;
}

/**
 * Sets `.stored` or `.pendingSpec` on the kind's view when that view is the one shown; returns whether it
 * was delivered (else it waits for the next render).
 */
export function deliverToView(root: ParentNode, view: ViewId, d: Delivery): boolean {
  const kind = deliveryKind(d);
  if (viewIdOf(kind) !== view) return false;
  const el = root.querySelector(`section[role='tabpanel'] ${VIEW_TAG[kind]}`) as (HTMLElement & { stored?: RunRecord | null; pendingSpec?: SpecEnvelope | null }) | null;
  if (!el) return false;
  if (d.stored) el.stored = d.stored;
  else el.pendingSpec = d.spec;
  return true;
}

/** Save a finished run; the note to show under the tabs. Never throws: a run that cannot be saved stays
 *  on screen, and the note says why. */
export async function saveNote(spec: SpecEnvelope, result: ResultEnvelope): Promise<LibraryNote> {
  try {
    const r = await saveRun(spec, result);
    return { kind: 'saved', text: `Saved to the library: “${r.title}”.`, error: false };
  } catch (err) {
    if (err instanceof LibraryFullError) return { kind: 'full', text: `${err.message} This run stays on screen.`, error: true };
    if (err instanceof LibraryUnavailableError) return { kind: 'unavailable', text: `Not saved: ${err.message}`, error: true };
    return { kind: 'not-saved', text: `Not saved to the library: ${(err as Error).message ?? String(err)}. This run stays on screen.`, error: true };
  }
}

/**
 * Reads `?spec=` before the pair starts loading. A good link sets the URL's pair (`base`, `tuned`, their
 * dtypes) and view to the spec's, so the models the spec names are the ones loaded (no second load), and
 * returns the spec for its view; a bad link returns the reason and the page opens as usual. The `spec`
 * parameter is removed from the address either way (a reload does not run it again).
 */
export function openSpecOnLoad(): { delivery: Delivery | null; note: LibraryNote | null } {
  const q = new URLSearchParams(location.search);
  const value = q.get(SPEC_PARAM);
  if (value === null) return { delivery: null, note: null };
  q.delete(SPEC_PARAM);
  let spec: SpecEnvelope | null = null;
  let note: LibraryNote;
  try {
    spec = readSpecParam(value);
    q.set('view', viewIdOf(spec.kind));
    for (const side of ['base', 'tuned'] as const) {
      const ref = spec.models[side];
      if (!ref) continue;
      q.set(side, sourceOf(ref));
      if (ref.dtype) q.set(`${side}.dtype`, ref.dtype);
      else q.delete(`${side}.dtype`);
    }
    note = { kind: 'link', text: 'Opened a shared run: its settings are filled in, and it runs once both models are loaded.', error: false };
  } catch (err) {
    note = { kind: 'link-error', text: `This link's run could not be opened: ${(err as Error).message}. The lab opened as usual.`, error: true };
  }
  const s = q.toString();
  history.replaceState(history.state, '', `${location.pathname}${s ? `?${s}` : ''}${location.hash}`);
  return { delivery: spec ? { spec } : null, note };
}

/**
 * A link that re-runs `spec` on this page (`?view=<kind's view>&spec=…`), copied to the clipboard when the
 * browser allows it. Views and the Library call this for their "Copy link" buttons; `copied` is false when
 * the clipboard refused (show `link` for the user to copy).
 */
export async function copySpecLink(spec: SpecEnvelope): Promise<{ link: string; copied: boolean }> {
  const link = specLink(spec, location.href);
  try {
    await navigator.clipboard.writeText(link);
    return { link, copied: true };
  } catch {
    return { link, copied: false };
  }
}
