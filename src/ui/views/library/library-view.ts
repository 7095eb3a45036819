/**
 * `<library-view>`: the Library tab (issue #14). Every finished run of any view is saved here (IndexedDB);
 * the list has search (title, notes, prompt), filters by kind and model, and sorts by time, title or pinned.
 * Per run: reopen (the app shows it in its kind's view, not recomputed), rename, notes (plain text),
 * pin, copy a link that re-runs its spec, export as JSON, delete (with Undo). Two runs of the same kind
 * selected open side by side. Import (file picker or drop) of export files, single runs and `lab run
 * --json` output, refused with the reason and nothing written when anything is wrong.
 *
 * Test hooks: `data-library-state` (`loading` | `ready` | `unavailable`), `li[data-run-id]`, and the
 * `data-*` attributes on the controls below.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { EXPERIMENT_KINDS, type ExperimentKind, type RunRecord } from '../../../lab/experiments/types';
import { APP_VERSION } from '../../../lab/library/app-version';
import { asCopies, checkImportSize, exportFileName, exportText, readImport, type ImportPlan } from '../../../lab/library/records';
import { modelsOf, queryRuns, type LibrarySort, type RunLibrary, type StorageUsed } from '../../../lab/library/store';
import { downloadText } from '../../download';
import { RunOpenEvent } from '../../events';
import { copySpecLink } from '../../library-link';
import { formatBytes } from '../../format';
import { cardStyle, shared } from '../../styles';
import './library-compare';
import { libraryChanged, onLibraryChanged, pageLibrary } from './library-sync';

const KIND_LABEL: Record<ExperimentKind, string> = {
  'next-token': 'Next token',
  loom: 'Explore (loom)',
  compare: 'Compare',
  sweep: 'Temperature sweep',
  inject: 'Injection',
  answers: 'Answers',
};

function errText(err: unknown): string {
  if (err instanceof Error) return err.name === 'Error' ? err.message : `${err.name}: ${err.message}`;
  return String(err);
}

@customElement('library-view')
export class LibraryView extends LitElement {
  static override styles = [
    shared,
    css`
      :host {
        display: block;
      }
      .card {
        ${cardStyle}
      }
      .card.over {
        border-color: var(--accent);
        background: var(--surface-hover);
      }
      .toolbar {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 0.8rem;
        align-items: end;
      }
      .toolbar label {
        display: flex;
        flex-direction: column;
        gap: 0.15rem;
      }
      .toolbar input[type='search'] {
        min-width: 16rem;
      }
      .muted {
        color: var(--muted);
        font-size: 0.85rem;
      }
      .error {
        color: var(--error-text);
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      ul {
        list-style: none;
        padding: 0;
        margin: 0.6rem 0 0;
      }
      li {
        border-top: 1px solid var(--border);
        padding: 0.55rem 0;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem 0.7rem;
        align-items: center;
      }
      .title {
        font-weight: 600;
        overflow-wrap: anywhere;
        flex: 1 1 16rem;
      }
      .title input {
        width: 100%;
      }
      .meta {
        color: var(--muted);
        font-size: 0.8rem;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.3rem;
      }
      .actions button {
        font-size: 0.8rem;
        padding: 0.2rem 0.55rem;
      }
      button[aria-pressed='true'] {
        background: var(--surface-hover);
        border-color: var(--accent);
      }
      textarea {
        width: 100%;
        min-height: 2.4rem;
        margin-top: 0.35rem;
        font-size: 0.85rem;
      }
      .notes-text {
        white-space: pre-wrap;
        overflow-wrap: anywhere;
        font-size: 0.85rem;
        margin: 0.3rem 0 0;
      }
      .link {
        width: 100%;
        font-size: 0.8rem;
      }
    `,
  ];

  /** The library (the page's one; tests may give another). */
  @property({ attribute: false }) library: RunLibrary | null = null;

  @state() private runs: RunRecord[] = [];
  @state() private unreadable = 0;
  @state() private text = '';
  @state() private kind: ExperimentKind | '' = '';
  @state() private model = '';
  @state() private sort: LibrarySort = 'time';
  @state() private selected = new Set<string>();
  @state() private editing: string | null = null;
  @state() private notesOpen = new Set<string>();
  @state() private status = '';
  @state() private error = '';
  @state() private unavailable = '';
  @state() private deleted: RunRecord | null = null;
  @state() private pendingImport: ImportPlan | null = null;
  @state() private importError = '';
  @state() private shareLink = '';
  @state() private used: StorageUsed | null = null;
  @state() private sideBySide: [RunRecord, RunRecord] | null = null;
  @state() private dragOver = false;
  private unsubscribe: (() => void) | null = null;
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;

  private get lib(): RunLibrary {
    return this.library ?? pageLibrary();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.dataset['libraryState'] = 'loading';
    this.unsubscribe = onLibraryChanged(() => void this.refresh());
    void this.refresh();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** List again (coalesced: one listing in flight, one more queued). */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        try {
          const [{ runs, unreadable }, used] = await Promise.all([this.lib.all(), this.lib.used()]);
          this.runs = runs;
          this.unreadable = unreadable;
          this.used = used;
          this.unavailable = '';
          const ids = new Set(runs.map((r) => r.id));
          this.selected = new Set([...this.selected].filter((id) => ids.has(id)));
          if (this.sideBySide && !this.sideBySide.every((r) => ids.has(r.id))) this.sideBySide = null;
          this.dataset['libraryState'] = 'ready';
        } catch (err) {
          this.unavailable = errText(err);
          this.dataset['libraryState'] = 'unavailable';
        }
      } while (this.refreshAgain);
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Run a change, then list again; errors are shown (nothing else changes). */
  private async act(f: () => Promise<unknown>, done?: string): Promise<boolean> {
    this.error = '';
    try {
      await f();
      if (done !== undefined) this.status = done;
      libraryChanged();
      await this.refresh();
      return true;
    } catch (err) {
      this.error = errText(err);
      await this.refresh();
      return false;
    }
  }

  private get shown(): RunRecord[] {
    return queryRuns(this.runs, { text: this.text, kind: this.kind, model: this.model, sort: this.sort });
  }

  private get models(): string[] {
    return [...new Set(this.runs.flatMap(modelsOf))].sort();
  }

  private get selectedRuns(): RunRecord[] {
    return this.runs.filter((r) => this.selected.has(r.id));
  }

  private toggleSelect(id: string, on: boolean): void {
    const s = new Set(this.selected);
    if (on) s.add(id);
    else s.delete(id);
    this.selected = s;
  }

  private open(r: RunRecord): void {
    this.dispatchEvent(new RunOpenEvent(r));
  }

  private async rename(r: RunRecord, title: string): Promise<void> {
    this.editing = null;
    const t = title.trim();
    if (!t || t === r.title) return;
    await this.act(() => this.lib.rename(r.id, t), `Renamed to “${t}”.`);
  }

  private async deleteRun(r: RunRecord): Promise<void> {
    let removed: RunRecord | null = null;
    const ok = await this.act(async () => {
      removed = await this.lib.delete(r.id);
    }, `Deleted “${r.title}”.`);
    if (ok) this.deleted = removed ?? r;
  }

  private async undoDelete(): Promise<void> {
    const r = this.deleted;
    if (!r) return;
    this.deleted = null;
    await this.act(() => this.lib.put(r), `Restored “${r.title}”.`);
  }

  private async copyLink(r: RunRecord): Promise<void> {
    const { link, copied } = await copySpecLink(r.spec);
    this.shareLink = link;
    this.status = copied ? 'Link copied: it opens this run’s settings and runs them again.' : 'Copy the link below (the clipboard was not available):';
  }

  private exportRuns(runs: RunRecord[]): void {
    if (!runs.length) return;
    downloadText(exportFileName(runs), exportText(runs), 'application/json');
    this.status = runs.length === 1 ? `Exported “${runs[0]!.title}”.` : `Exported ${runs.length} runs.`;
  }

  /** Read an import file; refused files show the reason and write nothing. */
  async importFile(file: File): Promise<void> {
    this.importError = '';
    this.pendingImport = null;
    this.status = '';
    let plan: ImportPlan;
    try {
      checkImportSize(file.size, `file ${file.name}`);
      const text = await file.text();
      plan = readImport(text, { existingIds: await this.lib.ids(), newId: () => crypto.randomUUID(), now: new Date(), appVersion: APP_VERSION });
    } catch (err) {
      this.importError = `${file.name} was not imported (nothing was written): ${errText(err)}`;
      this.dataset['importState'] = 'rejected';
      return;
    }
    if (plan.conflicts.length) {
      this.pendingImport = plan;
      this.dataset['importState'] = 'conflict';
      return;
    }
    await this.write(plan, file.name);
  }

  private async write(plan: ImportPlan, name: string): Promise<void> {
    this.pendingImport = null;
    const ok = await this.act(() => this.lib.addAll(plan.runs), `Imported ${plan.runs.length} run${plan.runs.length === 1 ? '' : 's'} from ${name}.`);
    if (!ok) {
      this.importError = `${name} was not imported (nothing was written): ${this.error}`;
      this.error = '';
    }
    this.dataset['importState'] = ok ? 'imported' : 'rejected';
  }

  private onDrop(e: DragEvent): void {
    e.preventDefault();
    this.dragOver = false;
    const file = e.dataTransfer?.files[0];
    if (file) void this.importFile(file);
  }

  private renderRun(r: RunRecord) {
    const editing = this.editing === r.id;
    const notesOpen = this.notesOpen.has(r.id);
    return html`<li data-run-id=${r.id} data-kind=${r.kind} data-pinned=${r.pinned ? 'true' : 'false'}>
      <div class="row">
        <input type="checkbox" data-select aria-label="Select ${r.title}" .checked=${this.selected.has(r.id)} @change=${(e: Event) => this.toggleSelect(r.id, (e.target as HTMLInputElement).checked)} />
        <button data-pin aria-pressed=${r.pinned ? 'true' : 'false'} title=${r.pinned ? 'Unpin' : 'Pin'} aria-label=${r.pinned ? `Unpin ${r.title}` : `Pin ${r.title}`} @click=${() => void this.act(() => this.lib.pin(r.id, !r.pinned))}>
          ${r.pinned ? '★' : '☆'}
        </button>
        <span class="title">
          ${editing
            ? html`<input
                data-title-input
                aria-label="Title"
                .value=${r.title}
                maxlength="500"
                @keydown=${(e: KeyboardEvent) => {
                  if (e.key === 'Enter') void this.rename(r, (e.target as HTMLInputElement).value);
                  if (e.key === 'Escape') this.editing = null;
                }}
                @blur=${(e: Event) => void this.rename(r, (e.target as HTMLInputElement).value)}
              />`
            : html`<span data-title>${r.title}</span>`}
        </span>
        <div class="actions">
          <button class="primary" data-open @click=${() => this.open(r)}>Open</button>
          <button data-rename @click=${() => {
            this.editing = r.id;
            void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>(`li[data-run-id="${r.id}"] [data-title-input]`)?.select());
          }}>Rename</button>
          <button data-notes-toggle aria-expanded=${notesOpen ? 'true' : 'false'} @click=${() => {
            const s = new Set(this.notesOpen);
            if (notesOpen) s.delete(r.id);
            else s.add(r.id);
            this.notesOpen = s;
          }}>Notes</button>
          <button data-copy-link @click=${() => void this.copyLink(r)}>Copy link</button>
          <button data-export @click=${() => this.exportRuns([r])}>Export JSON</button>
          <button data-delete @click=${() => void this.deleteRun(r)}>Delete</button>
        </div>
      </div>
      <div class="meta">
        ${KIND_LABEL[r.kind]} · ${modelsOf(r).join(' vs ') || 'no models'} · <time datetime=${r.created}>${r.created.slice(0, 16).replace('T', ' ')}</time> · lab ${r.appVersion}
      </div>
      ${notesOpen
        ? html`<textarea
            data-notes
            aria-label="Notes on ${r.title}"
            placeholder="Your notes on this run (plain text)"
            .value=${r.notes}
            @change=${(e: Event) => {
              const notes = (e.target as HTMLTextAreaElement).value;
              if (notes !== r.notes) void this.act(() => this.lib.annotate(r.id, notes), 'Notes saved.');
            }}
          ></textarea>`
        : r.notes
          ? html`<p class="notes-text" data-notes-text>${r.notes}</p>`
          : nothing}
    </li>`;
  }

  private renderImport() {
    const p = this.pendingImport;
    return html`
      ${this.importError ? html`<p class="error" role="alert" data-import-error>${this.importError}</p>` : nothing}
      ${p
        ? html`<div role="alert" data-import-conflict>
            <p>
              ${p.conflicts.length} of the ${p.runs.length} run${p.runs.length === 1 ? '' : 's'} in this file ${p.conflicts.length === 1 ? 'is' : 'are'} already in the library.
              Nothing was imported yet.
            </p>
            <button class="primary" data-import-copies @click=${() => void this.write(asCopies(p, () => crypto.randomUUID()), 'the file')}>Import as copies (new ids)</button>
            <button data-import-cancel @click=${() => {
              this.pendingImport = null;
              this.dataset['importState'] = 'cancelled';
            }}>Cancel</button>
          </div>`
        : nothing}
    `;
  }

  override render() {
    if (this.unavailable) {
      return html`<div class="card">
        <p class="error" role="alert" data-library-unavailable>${this.unavailable}</p>
        <button @click=${() => void this.refresh()}>Try again</button>
      </div>`;
    }
    const shown = this.shown;
    const sel = this.selectedRuns;
    const sameKind = sel.length === 2 && sel[0]!.kind === sel[1]!.kind;
    const u = this.used;
    return html`
      <div
        class="card ${this.dragOver ? 'over' : ''}"
        data-drop
        @dragover=${(e: DragEvent) => {
          e.preventDefault();
          this.dragOver = true;
        }}
        @dragleave=${() => (this.dragOver = false)}
        @drop=${(e: DragEvent) => this.onDrop(e)}
      >
        <div class="toolbar">
          <label>Search<input type="search" data-search placeholder="title, notes or prompt" .value=${this.text} @input=${(e: Event) => (this.text = (e.target as HTMLInputElement).value)} /></label>
          <label
            >Kind
            <select data-filter-kind @change=${(e: Event) => (this.kind = (e.target as HTMLSelectElement).value as ExperimentKind | '')}>
              <option value="" ?selected=${this.kind === ''}>All kinds</option>
              ${EXPERIMENT_KINDS.map((k) => html`<option value=${k} ?selected=${this.kind === k}>${KIND_LABEL[k]}</option>`)}
            </select></label
          >
          <label
            >Model
            <select data-filter-model @change=${(e: Event) => (this.model = (e.target as HTMLSelectElement).value)}>
              <option value="" ?selected=${this.model === ''}>All models</option>
              ${this.models.map((m) => html`<option value=${m} ?selected=${this.model === m}>${m}</option>`)}
            </select></label
          >
          <label
            >Sort
            <select data-sort @change=${(e: Event) => (this.sort = (e.target as HTMLSelectElement).value as LibrarySort)}>
              <option value="time" ?selected=${this.sort === 'time'}>Newest first</option>
              <option value="title" ?selected=${this.sort === 'title'}>Title</option>
              <option value="pinned" ?selected=${this.sort === 'pinned'}>Pinned first</option>
            </select></label
          >
          <label
            >Import a run file
            <input
              type="file"
              data-import
              accept=".json,application/json"
              @change=${(e: Event) => {
                const input = e.target as HTMLInputElement;
                const f = input.files?.[0];
                if (f) void this.importFile(f).finally(() => (input.value = ''));
              }}
          /></label>
        </div>
        <p class="muted">Drop a run file (an export, one run, or <code>lab run --json</code> output) anywhere on this card to import it.</p>
        ${this.renderImport()}
        <p class="muted" data-storage data-storage-bytes=${u?.bytes ?? ''} data-runs=${u?.runs ?? ''}>
          ${u
            ? html`${u.runs} run${u.runs === 1 ? '' : 's'}, ${formatBytes(u.bytes)} of data${u.usage !== null && u.quota !== null
                ? html` · this site uses ${formatBytes(u.usage)} of ${formatBytes(u.quota)} the browser allows (models included)`
                : nothing}`
            : 'Reading the library…'}
          ${this.unreadable ? html` · ${this.unreadable} stored item${this.unreadable === 1 ? ' is' : 's are'} not readable by this version of the lab` : nothing}
        </p>
      </div>

      <div class="card">
        <div class="row">
          <strong>${shown.length} of ${this.runs.length} run${this.runs.length === 1 ? '' : 's'}</strong>
          <button data-export-selected ?disabled=${sel.length === 0} @click=${() => this.exportRuns(sel)}>Export selected (${sel.length})</button>
          <button data-side-by-side-open ?disabled=${!sameKind} title=${sameKind ? '' : 'Select two runs of the same kind'} @click=${() => (this.sideBySide = [sel[0]!, sel[1]!])}>
            Side by side
          </button>
          ${sel.length === 2 && !sameKind ? html`<span class="muted">Side by side needs two runs of the same kind.</span>` : nothing}
        </div>
        ${this.status ? html`<p class="muted" role="status" data-status>${this.status}</p>` : nothing}
        ${this.shareLink ? html`<input class="link mono" readonly data-share-link aria-label="Link to this run's settings" .value=${this.shareLink} />` : nothing}
        ${this.deleted ? html`<p role="status">Deleted “${this.deleted.title}”. <button data-undo @click=${() => void this.undoDelete()}>Undo</button></p>` : nothing}
        ${this.error ? html`<p class="error" role="alert" data-library-error>${this.error}</p>` : nothing}
        ${this.runs.length === 0
          ? html`<p class="muted" data-empty>No runs yet. Every run you finish in a view is saved here; you can also import a run file.</p>`
          : html`<ul>
              ${shown.map((r) => this.renderRun(r))}
            </ul>`}
      </div>

      ${this.sideBySide
        ? html`<div class="card" data-side-by-side-card>
            <div class="row"><strong>Side by side</strong><button data-side-by-side-close @click=${() => (this.sideBySide = null)}>Close</button></div>
            <library-compare .runs=${this.sideBySide}></library-compare>
          </div>`
        : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'library-view': LibraryView;
  }
}
