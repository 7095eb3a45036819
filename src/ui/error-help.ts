/**
 * Next steps under an error the lab cannot fix by itself (issues #15, #16): broken numbers
 * (NumericalError) and GPU failures (BackendError) offer WASM, and the fp32 variant when another one
 * is loaded; a lost GPU device (DeviceLostError) offers one click that reloads the pair, keeping the
 * prompt and the run's settings. Errors arrive as {name, message} or as text "Name: message" (views
 * that keep text), so both are read.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { PairReloadEvent } from './events';

type Shown = string | { name: string; message: string } | null | undefined;

function nameOf(err: Shown): string {
  if (!err) return '';
  if (typeof err !== 'string') return err.name;
  return /\b(NumericalError|BackendError|DeviceLostError)\b/.exec(err)?.[1] ?? '';
}

/** The current page's URL with some query parameters changed (null removes one). */
export function urlWith(changes: Record<string, string | null>, href = location.href): string {
  const url = new URL(href);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) url.searchParams.delete(k);
    else url.searchParams.set(k, v);
  }
  return url.href;
}

export function errorHelp(err: Shown): TemplateResult | typeof nothing {
  const name = nameOf(err);
  if (name === 'DeviceLostError') {
    return html`<div class="next-steps" data-next-steps="device-lost">
      <button class="primary" data-reload-pair @click=${(e: Event) => e.target!.dispatchEvent(new PairReloadEvent())}>Reload the pair</button>
      <span>The prompt and the run's settings are kept; run it again once both models are ready.</span>
    </div>`;
  }
  if (name !== 'NumericalError' && name !== 'BackendError') return nothing;
  const q = new URLSearchParams(location.search);
  const onWasm = q.get('backend') === 'wasm';
  const dtypes = ['base.dtype', 'tuned.dtype'].filter((k) => (q.get(k) ?? 'fp32') !== 'fp32');
  return html`<div class="next-steps" data-next-steps=${name}>
    ${onWasm ? nothing : html`<a href=${urlWith({ backend: 'wasm' })} data-try-wasm>Try WASM</a>`}
    ${dtypes.length ? html`<a href=${urlWith(Object.fromEntries(dtypes.map((k) => [k, 'fp32'])))} data-try-fp32>Try fp32</a>` : nothing}
    <span
      >${name === 'NumericalError'
        ? 'These numbers were not shown: no distribution is better than a wrong one.'
        : 'The run was discarded: nothing it returned is shown.'}
      ${dtypes.length ? '' : 'A model with another weight variant can be loaded as fp32 (Models tab).'}</span
    >
  </div>`;
}
