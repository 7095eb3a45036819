/**
 * `<models-view>`: the Models tab. The curated catalog with the variant this device should use (and why
 * every other one is not), "Use this pair"; a check of any model (hub id, folder URL or local folder)
 * before a large download; per-file download progress with ETA and Cancel; the browser's model cache
 * (sizes, storage estimate, Delete, persistent storage); the hub endpoint setting.
 */
import { css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { browserCache, type CachedModel } from '../../engine/cache';
import { CATALOG, type CatalogModel, type CatalogPair } from '../../engine/catalog';
import { DEFAULT_HUB_ENDPOINT } from '../../engine/files';
import type { Dtype } from '../../engine/types';
import { DTYPE_PREFERENCE, fitVariant, megabytes, variantBytes, type DeviceFit, type DeviceProfile } from '../../lab/device-fit';
import { LoadCancelEvent, PairLoadEvent } from '../events';
import { formatBytes, formatInt } from '../format';
import { hubEndpoint, type SlotState } from '../model-slot';
import { LAB_PAIR, queryParam, updateQuery, type PageBackend, type Side } from '../params';
import { blobTarget, checkModel, folderFiles, targetFor, type CheckReport, type CheckTarget } from './models-check';
import { DownloadTracker, formatEta } from './models-progress';
import { PairView } from './pair-view';
import { isSoftwareAdapter } from '../../engine/adapter';
import { inlineStyle } from '../styles';

const ENDPOINT_KEY = 'world-prior-lab.hub-endpoint';
const DEFAULT_BUDGET_MB = 1000;

type Adapter = { ok: true; name: string; shaderF16: boolean; maxBufferSize: number; software?: boolean } | { ok: false; reason: string };

/** The WebGPU adapter as the page sees it (the same question the engine's worker asks). */
async function probeAdapter(): Promise<Adapter> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { ok: false, reason: 'this browser exposes no navigator.gpu' };
  try {
    const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!a) return { ok: false, reason: 'requestAdapter returned no adapter' };
    const name = [a.info.vendor, a.info.architecture, a.info.description].filter(Boolean).join(' ') || 'WebGPU adapter';
    const software = isSoftwareAdapter(a.info as GPUAdapterInfo & { isFallbackAdapter?: boolean }, (a as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter);
    return { ok: true, name, shaderF16: a.features.has('shader-f16'), maxBufferSize: a.limits.maxBufferSize, software };
  } catch (err) {
    return { ok: false, reason: `requestAdapter failed (${(err as Error).message})` };
  }
}

function hubSourceOf(m: CatalogModel): string {
  return `${m.repo}@${m.revision}`;
}

@customElement('models-view')
export class ModelsView extends PairView {
  static override styles = [
    ...PairView.styles,
    css`
      h2 {
        font-size: 1.1rem;
        margin: 0 0 0.4rem;
      }
      h3 {
        font-size: 1rem;
        margin: 0;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
      }
      .pair-head {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem 0.8rem;
        align-items: baseline;
      }
      .pair-head button {
        margin-left: auto;
      }
      .badge {
        border-radius: 999px;
        padding: 0.05rem 0.55rem;
        font-size: 0.78rem;
        border: 1px solid var(--border-strong);
        color: var(--muted);
        white-space: nowrap;
      }
      .badge.good {
        border-color: var(--gpu);
        color: var(--gpu);
      }
      .badge.warn {
        border-color: var(--error-border);
        color: var(--error-text);
      }
      .models {
        display: grid;
        grid-template-columns: repeat(2, minmax(0, 1fr));
        gap: 0.8rem;
        margin-top: 0.5rem;
      }
      @media (max-width: 860px) {
        .models {
          grid-template-columns: minmax(0, 1fr);
        }
      }
      .model {
        border: 1px solid var(--border);
        border-radius: 8px;
        padding: 0.5rem 0.7rem;
        min-width: 0;
      }
      .model .repo {
        overflow-wrap: anywhere;
      }
      .facts {
        font-size: 0.82rem;
        color: var(--muted);
        margin: 0.2rem 0 0.3rem;
      }
      table {
        border-collapse: collapse;
        width: 100%;
        font-size: 0.84rem;
      }
      th,
      td {
        text-align: left;
        padding: 0.2rem 0.4rem;
        border-bottom: 1px solid var(--border);
        vertical-align: top;
      }
      th {
        color: var(--muted);
        font-weight: 600;
      }
      td.num,
      th.num {
        text-align: right;
        font-variant-numeric: tabular-nums;
        white-space: nowrap;
      }
      tr.chosen td {
        font-weight: 600;
      }
      .why {
        font-size: 0.84rem;
        margin: 0.3rem 0 0;
      }
      .warn-text {
        color: var(--error-text);
      }
      .ok-text {
        color: var(--gpu);
      }
      details {
        font-size: 0.84rem;
        margin-top: 0.4rem;
      }
      summary {
        cursor: pointer;
        color: var(--muted);
      }
      ul.lines {
        margin: 0.4rem 0 0;
        padding-left: 1.2rem;
        font-size: 0.88rem;
      }
      ul.lines li.error {
        color: var(--error-text);
      }
      ul.lines li.warn {
        color: var(--muted);
      }
      input.wide {
        flex: 1 1 22rem;
        min-width: 0;
      }
      progress {
        width: 100%;
        height: 0.65rem;
        accent-color: var(--accent);
      }
      .drop {
        border: 2px dashed var(--border-strong);
        border-radius: 8px;
        padding: 0.5rem 0.8rem;
        font-size: 0.85rem;
        color: var(--muted);
      }
      .drop.over {
        border-color: var(--accent);
        background: var(--surface-hover);
      }
      .grid2 {
        display: grid;
        grid-template-columns: repeat(2, minmax(0, 1fr));
        gap: 0.8rem;
      }
      @media (max-width: 860px) {
        .grid2 {
          grid-template-columns: minmax(0, 1fr);
        }
      }
    `,
  ];

  @property({ attribute: false }) slotStates: Record<Side, SlotState> | null = null;
  @property() backend: PageBackend = 'auto';

  @state() private adapter: Adapter | null = null;
  @state() private budgetMb = Number(queryParam('models.budget')) || DEFAULT_BUDGET_MB;
  @state() private endpointInput = '';
  @state() private endpointNote = '';
  @state() private checkInput = queryParam('models.check') ?? '';
  @state() private checkDtype: Dtype = (queryParam('models.dtype') as Dtype | null) ?? 'fp32';
  @state() private checking = false;
  @state() private checkReport: (CheckReport & { target: CheckTarget }) | null = null;
  @state() private checkError = '';
  @state() private dragOver = false;
  @state() private cached: CachedModel[] | null = null;
  /** Listings in flight and finished; only the newest listing started is shown (an older one that ends
   *  later never overwrites it). Reflected on the section so tests can wait for a listing to finish. */
  @state() private cacheBusy = 0;
  @state() private cacheListings = 0;
  private cacheSeq = 0;
  @state() private cacheError = '';
  @state() private estimate: { usage: number; quota: number } | null = null;
  @state() private persisted: boolean | null = null;
  @state() private persistNote = '';

  private readonly tracker = new DownloadTracker();
  private lastProgress: Record<Side, unknown> = { base: null, tuned: null };
  private lastStatus: Record<Side, string> = { base: '', tuned: '' };
  private checkAbort: AbortController | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.setViewState('idle');
    try {
      this.endpointInput = localStorage.getItem(ENDPOINT_KEY) ?? '';
    } catch {
      this.endpointInput = '';
    }
    void probeAdapter().then((a) => (this.adapter = a));
    void this.refreshCache();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.checkAbort?.abort();
  }

  // ——— device ———

  private get device(): DeviceProfile | null {
    if (!this.adapter) return null;
    // As the pair's runtime decides (src/engine/web.ts): `auto` skips a software adapter (#15.6).
    const webgpu = this.adapter.ok && (this.backend === 'webgpu' || (this.backend !== 'wasm' && !this.adapter.software));
    return {
      backend: webgpu ? 'webgpu' : 'wasm',
      shaderF16: webgpu && this.adapter.ok ? this.adapter.shaderF16 : false,
      maxBufferSize: webgpu && this.adapter.ok ? this.adapter.maxBufferSize : 0,
      budgetBytes: this.budgetMb * 1e6,
    };
  }

  // ——— downloads ———

  override willUpdate(changed: Map<string, unknown>): void {
    if (!changed.has('slotStates') || !this.slotStates) return;
    const now = performance.now();
    let finished = false;
    for (const side of ['base', 'tuned'] as const) {
      const s = this.slotStates[side];
      if (s.status === 'loading' && this.lastStatus[side] !== 'loading') {
        // a new load: start counting afresh (both sides start together)
        if (this.lastStatus.base !== 'loading' && this.lastStatus.tuned !== 'loading') this.tracker.reset();
      }
      if (s.status !== 'loading' && this.lastStatus[side] === 'loading') finished = true;
      if (s.progress && s.progress !== this.lastProgress[side] && s.status === 'loading') this.tracker.update(side, s.progress, now);
      this.lastProgress[side] = s.progress;
      this.lastStatus[side] = s.status;
    }
    if (finished) void this.refreshCache();
  }

  private renderDownloads() {
    const states = this.slotStates;
    const loading = states && (states.base.status === 'loading' || states.tuned.status === 'loading');
    const files = this.tracker.files;
    if (!files.length && !loading) return nothing;
    const total = this.tracker.total;
    const loaded = this.tracker.loaded;
    const rate = this.tracker.rate();
    const eta = loading ? this.tracker.eta() : null;
    return html`<section class="card" aria-labelledby="dl-h" data-downloads=${loading ? 'loading' : 'done'}>
      <div class="pair-head">
        <h2 id="dl-h">Downloads</h2>
        <span class="muted">${states ? html`base: ${states.base.status} · tuned: ${states.tuned.status}` : nothing}</span>
        ${loading
          ? html`<button
              data-cancel-downloads
              @click=${() => {
                this.dispatchEvent(new LoadCancelEvent('base'));
                this.dispatchEvent(new LoadCancelEvent('tuned'));
              }}
            >
              Cancel
            </button>`
          : nothing}
      </div>
      <table>
        <thead>
          <tr>
            <th>Model</th>
            <th>File</th>
            <th class="num">Bytes</th>
            <th class="num">of</th>
            <th class="num">%</th>
            <th style=${inlineStyle('width: 30%')}>Progress</th>
          </tr>
        </thead>
        <tbody>
          ${files.map(
            (f) => html`<tr data-download-file=${f.file} data-side=${f.side} data-loaded=${f.loaded} data-total=${f.total}>
              <td>${f.side}</td>
              <td class="mono">${f.file}</td>
              <td class="num">${formatInt(f.loaded)}</td>
              <td class="num">${f.total ? formatInt(f.total) : '?'}</td>
              <td class="num">${f.total ? `${((100 * f.loaded) / f.total).toFixed(1)}%` : '—'}</td>
              <td><progress max=${f.total || 1} .value=${f.total ? f.loaded : 0} aria-label="${f.side} ${f.file}"></progress></td>
            </tr>`,
          )}
        </tbody>
        <tfoot>
          <tr data-download-total data-loaded=${loaded} data-total=${total}>
            <th colspan="2">All files</th>
            <td class="num">${formatInt(loaded)}</td>
            <td class="num">${formatInt(total)}</td>
            <td class="num">${total ? `${((100 * loaded) / total).toFixed(1)}%` : '—'}</td>
            <td>
              ${loading
                ? html`<span data-rate=${rate ?? ''}>${rate !== null ? `${formatBytes(rate)}/s` : '—'}</span> · ETA
                    <span data-eta=${eta ?? ''}>${formatEta(eta)}</span>`
                : html`<span data-eta="">${loaded >= total && total > 0 ? 'complete' : 'stopped'}</span>`}
            </td>
          </tr>
        </tfoot>
      </table>
    </section>`;
  }

  // ——— catalog ———

  private usePair(pair: CatalogPair, fits: { base: DeviceFit | null; tuned: DeviceFit | null }): void {
    if (pair.local) {
      this.dispatchEvent(new PairLoadEvent(pair.local.base, pair.local.tuned, this.backend));
      return;
    }
    if (!pair.base || !pair.tuned || !fits.base?.dtype || !fits.tuned?.dtype) return;
    this.dispatchEvent(new PairLoadEvent(hubSourceOf(pair.base), hubSourceOf(pair.tuned), this.backend, { base: fits.base.dtype, tuned: fits.tuned.dtype }));
  }

  private renderModel(role: string, m: CatalogModel | null, fit: DeviceFit | null) {
    if (!m) {
      return html`<div class="model"><h3>${role}</h3><p class="warn-text why">No ONNX export of this model in the hub layout was found.</p></div>`;
    }
    const excluded = new Map(fit?.excluded.map((e) => [e.dtype, e.reason]) ?? []);
    return html`<div class="model" data-repo=${m.repo} data-fit-dtype=${fit?.dtype ?? ''}>
      <div class="pair-head">
        <h3>${role}: <span class="repo mono">${m.repo}</span></h3>
        ${fit?.dtype
          ? html`<button
              data-check-model=${m.repo}
              title="Check ${m.repo} (${fit.dtype}) before downloading"
              @click=${() => {
                this.checkInput = hubSourceOf(m);
                this.checkDtype = fit.dtype!;
                this.checkTyped();
                void this.updateComplete.then(() => this.renderRoot.querySelector('#any-h')?.scrollIntoView({ block: 'start' }));
              }}
            >
              Check
            </button>`
          : nothing}
      </div>
      <p class="facts">
        ${m.pinned ? html`revision <span class="mono">${m.revision.slice(0, 12)}</span> (pinned)` : html`<span class="warn-text">unpinned: main</span>`} ·
        context ${formatInt(m.contextLength)}${m.vocabSize ? html` · vocab ${formatInt(m.vocabSize)}` : nothing} · licence ${m.license}
      </p>
      ${m.variants.length
        ? html`<table>
            <thead>
              <tr>
                <th>Variant</th>
                <th class="num">Download</th>
                <th>Needs</th>
                <th>On this device</th>
              </tr>
            </thead>
            <tbody>
              ${[...m.variants]
                .sort((a, b) => DTYPE_PREFERENCE.indexOf(a.dtype) - DTYPE_PREFERENCE.indexOf(b.dtype))
                .map((v) => {
                  const chosen = fit?.dtype === v.dtype;
                  return html`<tr class=${chosen ? 'chosen' : ''} data-variant=${v.dtype} data-bytes=${variantBytes(v)}>
                    <td class="mono">${v.dtype}</td>
                    <td class="num">≈ ${megabytes(variantBytes(v))}</td>
                    <td>${v.needs.length ? v.needs.join(', ') : '—'}</td>
                    <td>${!fit ? '…' : chosen ? html`<span class="ok-text">✓ chosen</span>` : (excluded.get(v.dtype) ?? '').replace(/^[\w]+: /, '')}</td>
                  </tr>`;
                })}
            </tbody>
          </table>`
        : nothing}
      ${fit
        ? html`<p class="why ${fit.dtype ? '' : 'warn-text'}" data-fit-reason>${fit.unknownFiles ? 'Guess: ' : fit.dtype ? 'Use ' : ''}${fit.reason.replace(/\.?$/, '.')}</p>
            ${fit.warnings.map((w) => html`<p class="why warn-text">${w}.</p>`)}`
        : html`<p class="why muted">Asking the browser about this device…</p>`}
    </div>`;
  }

  private renderPair(pair: CatalogPair) {
    const device = this.device;
    const fits = {
      base: device && pair.base ? fitVariant(pair.base, device) : null,
      tuned: device && pair.tuned ? fitVariant(pair.tuned, device) : null,
    };
    const blocked = pair.local
      ? null
      : !pair.base || !pair.tuned
        ? 'this pair is incomplete'
        : !device
          ? 'waiting for the device check'
          : !fits.base?.dtype || !fits.tuned?.dtype
            ? 'no variant fits this device and budget'
            : null;
    const total = fits.base?.bytes != null && fits.tuned?.bytes != null ? fits.base.bytes + fits.tuned.bytes : null;
    return html`<article class="card" data-pair-id=${pair.id}>
      <div class="pair-head">
        <h2>${pair.label}</h2>
        ${pair.local ? html`<span class="badge good">always available</span>` : nothing}
        ${pair.sharedTokenizer ? html`<span class="badge">shared tokenizer</span>` : html`<span class="badge warn">different tokenizers</span>`}
        ${total !== null ? html`<span class="muted">download ≈ ${megabytes(total)}</span>` : nothing}
        <button class="primary" data-use-pair=${pair.id} ?disabled=${blocked !== null} title=${blocked ?? ''} @click=${() => this.usePair(pair, fits)}>
          Use this pair
        </button>
      </div>
      ${pair.local
        ? html`<p class="facts">
            <span class="mono">${pair.local.base}</span> and <span class="mono">${pair.local.tuned}</span>, served with the site (fp32, no
            download from the hub; works offline).
          </p>`
        : html`<div class="models">${this.renderModel('Base', pair.base, fits.base)} ${this.renderModel('Tuned', pair.tuned, fits.tuned)}</div>`}
      ${blocked && !pair.local ? html`<p class="why warn-text">Cannot use: ${blocked}.</p>` : nothing}
      <details>
        <summary>Notes and sources</summary>
        <p>${pair.notes}</p>
        ${pair.sources.length ? html`<ul>${pair.sources.map((s) => html`<li class="mono">${s}</li>`)}</ul>` : nothing}
      </details>
    </article>`;
  }

  private renderDevice() {
    const a = this.adapter;
    const d = this.device;
    return html`<section class="card" aria-labelledby="dev-h">
      <h2 id="dev-h">This device</h2>
      <div class="row">
        <span data-device-backend=${d?.backend ?? ''}>
          ${!a
            ? 'Asking the browser for a WebGPU adapter…'
            : a.ok
              ? html`WebGPU adapter: <b>${a.name}</b>; shader-f16 <b>${a.shaderF16 ? 'yes' : 'no'}</b>; largest GPU buffer
                  <b>${megabytes(a.maxBufferSize)}</b>`
              : html`No WebGPU: ${a.reason}`}
          ${d
            ? html` — variants are chosen for <b>${d.backend === 'webgpu' ? 'WebGPU' : 'WASM'}</b>${this.backend === 'wasm'
                ? ' (backend set to WASM)'
                : a?.ok && a.software && d.backend === 'wasm'
                  ? ' (auto skips a software adapter; ?backend=webgpu forces it)'
                  : ''}.`
            : nothing}
        </span>
        <label
          >Download budget per model (MB)
          <input
            type="number"
            min="1"
            step="50"
            style=${inlineStyle('width: 7rem')}
            .value=${String(this.budgetMb)}
            @change=${(e: Event) => {
              const v = Number((e.target as HTMLInputElement).value);
              if (Number.isFinite(v) && v > 0) {
                this.budgetMb = v;
                updateQuery({ 'models.budget': v === DEFAULT_BUDGET_MB ? null : String(v) });
              } else (e.target as HTMLInputElement).value = String(this.budgetMb);
            }}
        /></label>
      </div>
    </section>`;
  }

  // ——— hub endpoint ———

  private saveEndpoint(value: string | null): void {
    const v = value?.trim() ?? '';
    if (v && !/^https?:\/\/[^\s]+$/.test(v)) {
      this.endpointNote = `“${v}” is not an http(s) URL; the endpoint was not changed.`;
      return;
    }
    try {
      if (v) localStorage.setItem(ENDPOINT_KEY, v.replace(/\/+$/, ''));
      else localStorage.removeItem(ENDPOINT_KEY);
      this.endpointInput = v ? v.replace(/\/+$/, '') : '';
      this.endpointNote = 'Saved. The next model load uses it.';
    } catch (err) {
      this.endpointNote = `Could not save (${(err as Error).message}).`;
    }
  }

  private renderEndpoint() {
    const active = hubEndpoint();
    const fromUrl = Boolean(queryParam('hub'));
    return html`<section class="card" aria-labelledby="hub-h">
      <h2 id="hub-h">Hub endpoint</h2>
      <form
        class="row"
        @submit=${(e: Event) => {
          e.preventDefault();
          this.saveEndpoint(this.endpointInput);
        }}
      >
        <label for="hub-endpoint" class="visually-hidden">Hub endpoint URL</label>
        <input
          id="hub-endpoint"
          class="mono wide"
          placeholder=${DEFAULT_HUB_ENDPOINT}
          .value=${this.endpointInput}
          @input=${(e: Event) => (this.endpointInput = (e.target as HTMLInputElement).value)}
          spellcheck="false"
          autocomplete="off"
        />
        <button type="submit" data-save-endpoint>Save</button>
        <button type="button" @click=${() => this.saveEndpoint(null)}>Use ${DEFAULT_HUB_ENDPOINT}</button>
      </form>
      <p class="why">
        Active: <span class="mono" data-active-endpoint=${active}>${active}</span>${fromUrl ? ' (from ?hub= in the URL, which overrides the setting)' : ''}.
        ${this.endpointNote ? html`<span role="status">${this.endpointNote}</span>` : nothing}
      </p>
    </section>`;
  }

  // ——— any model ———

  private async runCheck(target: CheckTarget): Promise<void> {
    this.checkAbort?.abort();
    const abort = new AbortController();
    this.checkAbort = abort;
    this.checking = true;
    this.checkError = '';
    this.checkReport = null;
    this.setViewState('running');
    try {
      const report = await checkModel(target, this.checkDtype, abort.signal);
      if (abort.signal.aborted) return;
      this.checkReport = { ...report, target };
      this.setViewState(report.ok ? 'done' : 'error');
    } catch (err) {
      if (abort.signal.aborted) return;
      this.checkError = (err as Error).message ?? String(err);
      this.setViewState('error');
    } finally {
      if (this.checkAbort === abort) {
        this.checking = false;
        this.checkAbort = null;
      }
    }
  }

  private checkTyped(e?: Event): void {
    e?.preventDefault();
    const s = this.checkInput.trim();
    if (!s) {
      this.checkReport = null;
      this.checkError = 'Type a hub id (org/name or org/name@revision) or a folder URL first.';
      this.setViewState('error');
      return;
    }
    updateQuery({ 'models.check': s, 'models.dtype': this.checkDtype === 'fp32' ? null : this.checkDtype });
    let target: CheckTarget;
    try {
      target = targetFor(s, hubEndpoint(), location.href);
    } catch (err) {
      this.checkReport = null;
      this.checkError = (err as Error).message;
      this.setViewState('error');
      return;
    }
    void this.runCheck(target);
  }

  private takeFolder(entries: { path: string; blob: Blob }[]): void {
    if (!entries.length) {
      this.checkError = 'The folder is empty (or the browser gave no files).';
      return;
    }
    const files = folderFiles(entries);
    const label = entries[0]!.path.split('/')[0] || 'local folder';
    void this.runCheck(blobTarget(label, files));
  }

  private onFolderInput(e: Event): void {
    const input = e.target as HTMLInputElement;
    const list = [...(input.files ?? [])];
    this.takeFolder(list.map((f) => ({ path: f.webkitRelativePath || f.name, blob: f })));
  }

  private async onDrop(e: DragEvent): Promise<void> {
    e.preventDefault();
    this.dragOver = false;
    const items = [...(e.dataTransfer?.items ?? [])].map((i) => i.webkitGetAsEntry()).filter((x): x is FileSystemEntry => x !== null);
    const out: { path: string; blob: Blob }[] = [];
    const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
      if (entry.isFile) {
        const file = await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail));
        out.push({ path: `${prefix}${entry.name}`, blob: file });
      } else if (entry.isDirectory) {
        const reader = (entry as FileSystemDirectoryEntry).createReader();
        for (;;) {
          const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
          if (!batch.length) break;
          for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
        }
      }
    };
    try {
      for (const entry of items) await walk(entry, '');
      this.takeFolder(out);
    } catch (err) {
      this.checkError = `Could not read the dropped folder (${(err as Error).message}).`;
    }
  }

  private loadChecked(side: Side): void {
    const r = this.checkReport;
    if (!r?.ok || !r.target.loadAs) return;
    const current = { base: this.baseInfo?.source ?? LAB_PAIR.base, tuned: this.tunedInfo?.source ?? LAB_PAIR.tuned };
    const other: Side = side === 'base' ? 'tuned' : 'base';
    const sources = { [side]: r.target.loadAs, [other]: current[other] } as Record<Side, string>;
    const dtypes: Partial<Record<Side, Dtype>> = {};
    if (this.checkDtype !== 'fp32') dtypes[side] = this.checkDtype;
    const otherDtype = (other === 'base' ? this.baseInfo : this.tunedInfo)?.dtype;
    if (otherDtype && otherDtype !== 'fp32') dtypes[other] = otherDtype;
    this.dispatchEvent(new PairLoadEvent(sources.base, sources.tuned, this.backend, dtypes));
  }

  private renderCheck() {
    const r = this.checkReport;
    const state = this.checking ? 'running' : this.checkError ? 'error' : r ? (r.ok ? 'ok' : 'error') : 'idle';
    return html`<section class="card" aria-labelledby="any-h">
      <h2 id="any-h">Any model</h2>
      <form class="row" @submit=${(e: Event) => this.checkTyped(e)}>
        <label for="check-input" class="visually-hidden">Hub id or folder URL</label>
        <input
          id="check-input"
          class="mono wide"
          placeholder="org/name, org/name@revision, or https://…/folder/"
          .value=${this.checkInput}
          @input=${(e: Event) => (this.checkInput = (e.target as HTMLInputElement).value)}
          spellcheck="false"
          autocomplete="off"
        />
        <label
          >Variant
          <select id="check-dtype" .value=${this.checkDtype} @change=${(e: Event) => (this.checkDtype = (e.target as HTMLSelectElement).value as Dtype)}>
            ${DTYPE_PREFERENCE.map((d) => html`<option value=${d} ?selected=${d === this.checkDtype}>${d}</option>`)}
          </select></label
        >
        <button type="submit" class="primary" data-check ?disabled=${this.checking}>Check</button>
      </form>
      <div
        class="drop ${this.dragOver ? 'over' : ''}"
        style=${inlineStyle('margin-top: 0.5rem')}
        @dragover=${(e: DragEvent) => {
          e.preventDefault();
          this.dragOver = true;
        }}
        @dragleave=${() => (this.dragOver = false)}
        @drop=${(e: DragEvent) => void this.onDrop(e)}
      >
        Or check a model folder on this computer: drop it here, or
        <label style=${inlineStyle('color: var(--text)')}
          >choose a local folder <input type="file" webkitdirectory multiple data-folder-input @change=${(e: Event) => this.onFolderInput(e)}
        /></label>
        <div class="muted">(Read on this computer, never uploaded. A chosen folder stays available until the page is reloaded.)</div>
      </div>
      <p class="muted why">Reads only config.json and tokenizer_config.json, then asks for the ONNX file's size: nothing large is downloaded.</p>
      <div class="check-result" data-check-state=${state} role="status" aria-live="polite">
        ${this.checking ? html`<p class="muted">Checking…</p>` : nothing}
        ${this.checkError ? html`<p class="error-box" data-check-message>${this.checkError}</p>` : nothing}
        ${r
          ? html`<p><b>${r.target.label}</b>: ${r.ok ? html`<span class="ok-text">OK for the lab (${this.checkDtype})</span>` : html`<span class="warn-text">not usable as it is</span>`}</p>
              <ul class="lines">
                ${r.lines.map((l) => html`<li class=${l.level} data-check-line=${l.level}>${l.level === 'ok' ? '✓ ' : l.level === 'warn' ? '! ' : '✗ '}${l.text}</li>`)}
              </ul>
              ${r.ok && r.target.loadAs
                ? html`<div class="row" style=${inlineStyle('margin-top: 0.5rem')}>
                    <button data-load-checked="base" @click=${() => this.loadChecked('base')}>Load as base</button>
                    <button data-load-checked="tuned" @click=${() => this.loadChecked('tuned')}>Load as tuned</button>
                  </div>`
                : nothing}`
          : nothing}
      </div>
    </section>`;
  }

  // ——— cache ———

  private async refreshCache(): Promise<void> {
    const seq = ++this.cacheSeq;
    this.cacheBusy++;
    try {
      try {
        if (typeof caches === 'undefined') throw new Error('this page has no Cache API (not a secure context?)');
        const list = await browserCache().list();
        list.sort((a, b) => a.key.localeCompare(b.key));
        for (const m of list) m.files.sort((a, b) => a.file.localeCompare(b.file));
        if (seq === this.cacheSeq) {
          this.cached = list;
          this.cacheError = '';
        }
      } catch (err) {
        if (seq === this.cacheSeq) this.cacheError = (err as Error).message;
      }
      try {
        const e = await navigator.storage?.estimate?.();
        if (e) this.estimate = { usage: e.usage ?? 0, quota: e.quota ?? 0 };
        this.persisted = (await navigator.storage?.persisted?.()) ?? null;
      } catch {
        this.estimate = null;
      }
    } finally {
      this.cacheBusy--;
      this.cacheListings++;
    }
  }

  private async deleteCached(key: string): Promise<void> {
    try {
      await browserCache().remove(key);
    } catch (err) {
      this.cacheError = `Could not delete ${key} (${(err as Error).message}).`;
    }
    await this.refreshCache();
  }

  private async persist(): Promise<void> {
    try {
      const granted = await navigator.storage.persist();
      this.persisted = granted;
      this.persistNote = granted
        ? 'Granted: the browser will keep the cached models when storage runs low.'
        : 'Not granted: the browser may still evict cached models when storage runs low (browsers grant this to sites you use often or have bookmarked).';
    } catch (err) {
      this.persistNote = `The browser refused (${(err as Error).message}).`;
    }
  }

  private renderCache() {
    const list = this.cached;
    const sum = list?.reduce((s, m) => s + m.bytes, 0) ?? 0;
    return html`<section class="card" aria-labelledby="cache-h" data-cache-state=${list ? 'listed' : 'loading'} data-cache-busy=${this.cacheBusy} data-cache-listings=${this.cacheListings}>
      <div class="pair-head">
        <h2 id="cache-h">Models in this browser</h2>
        <button data-refresh-cache @click=${() => void this.refreshCache()}>Refresh</button>
      </div>
      ${this.cacheError ? html`<p class="error-box">${this.cacheError}</p>` : nothing}
      ${!list
        ? html`<p class="muted">Reading the cache…</p>`
        : list.length === 0
          ? html`<p class="muted" data-cache-empty>No hub models are stored in this browser yet (the lab-grown pair is part of the site).</p>`
          : html`<table>
              <thead>
                <tr>
                  <th>Model</th>
                  <th>Files</th>
                  <th class="num">Bytes</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${list.map(
                  (m) => html`<tr data-cache-key=${m.key} data-bytes=${m.bytes} data-damaged=${m.damaged}>
                    <td class="mono">${m.key}</td>
                    <td>
                      <details ?open=${m.damaged > 0}>
                        <summary>
                          ${m.files.length} file${m.files.length === 1 ? '' : 's'},
                          ${m.damaged
                            ? html`<span class="error-text">${m.damaged} damaged</span> (fetched again on the next load, or Delete)`
                            : html`<span data-verified>verified</span>`}
                        </summary>
                        <ul class="lines">
                          ${m.files.map(
                            (f) =>
                              html`<li data-file=${f.file} data-size=${f.size} data-problem=${f.problem ?? ''}>
                                <span class="mono">${f.file}</span> — ${formatInt(f.size)} bytes${f.problem ? html` — <span class="error-text">${f.problem}</span>` : nothing}
                              </li>`,
                          )}
                        </ul>
                      </details>
                    </td>
                    <td class="num">${formatInt(m.bytes)}<br /><span class="muted">${formatBytes(m.bytes)}</span></td>
                    <td><button data-delete-key=${m.key} @click=${() => void this.deleteCached(m.key)} aria-label="Delete ${m.key}">Delete</button></td>
                  </tr>`,
                )}
              </tbody>
              <tfoot>
                <tr>
                  <th>All</th>
                  <td></td>
                  <td class="num">${formatInt(sum)}</td>
                  <td></td>
                </tr>
              </tfoot>
            </table>`}
      <p class="why">
        ${this.estimate
          ? html`This site uses <b data-usage=${this.estimate.usage}>${formatBytes(this.estimate.usage)}</b> of the
              <b data-quota=${this.estimate.quota}>${formatBytes(this.estimate.quota)}</b> the browser allows it (its own estimate, all storage
              together).`
          : 'The browser gives no storage estimate.'}
        Storage is
        <b data-persisted=${String(this.persisted)}>${this.persisted === null ? 'of unknown kind' : this.persisted ? 'persistent' : 'best-effort (may be evicted)'}</b>.
      </p>
      <div class="row">
        <button data-persist @click=${() => void this.persist()}>Keep models when storage is low</button>
        ${this.persistNote ? html`<span role="status" data-persist-note>${this.persistNote}</span>` : nothing}
      </div>
    </section>`;
  }

  override render() {
    return html`
      ${this.renderDownloads()} ${this.renderDevice()}
      <h2 style=${inlineStyle('margin: 1rem 0 0')}>Catalog</h2>
      <p class="muted why">
        Curated base / instruction-tuned pairs with ONNX exports on the hub. Sizes are approximate (from the hub's listings); the variant for
        this device is chosen before anything is downloaded.
      </p>
      ${CATALOG.map((p) => this.renderPair(p))}
      <div class="grid2">${this.renderCheck()} ${this.renderEndpoint()}</div>
      ${this.renderCache()}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'models-view': ModelsView;
  }
}
