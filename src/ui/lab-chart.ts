/**
 * `<lab-chart>`: a thin Lit wrapper around Chart.js (line and bar charts; tree-shaken registration).
 * Give it a Chart.js configuration through `.config`; it re-renders when the configuration object
 * changes. Its `aria-label` (the `label` property) describes the chart for screen readers; views
 * also show the numbers in tables, so nothing is only in a picture. A "PNG" button downloads the chart as
 * drawn (Chart.js `toBase64Image()` composed on a white background), named after its label.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { LitElement, css, html, type PropertyValues } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LogarithmicScale, LineController, LineElement, PointElement, ScatterController, Tooltip);

/** Colours of the two models everywhere in the lab. */
export const MODEL_COLORS = { base: '#2f6fdf', tuned: '#d9480f' } as const;

@customElement('lab-chart')
export class LabChart extends LitElement {
  static override styles = css`
    :host {
      display: block;
      position: relative;
      height: var(--chart-height, 260px);
    }
    button.png {
      position: absolute;
      top: 0;
      right: 0;
      font: inherit;
      font-size: 0.7rem;
      padding: 0.05rem 0.4rem;
      border-radius: 5px;
      border: 1px solid var(--border-strong, #aaa);
      background: var(--surface, #fff);
      color: var(--muted, #555);
      opacity: 0.75;
      cursor: pointer;
    }
    button.png:hover,
    button.png:focus-visible {
      opacity: 1;
    }
  `;

  @property({ attribute: false }) config: ChartConfiguration | null = null;
  @property() label = '';
  @query('canvas') private canvas!: HTMLCanvasElement;
  private chart: Chart | null = null;

  override render() {
    return html`<canvas role="img" aria-label=${this.label}></canvas>
      ${this.config ? html`<button class="png" data-png title="Download this chart as a PNG image" aria-label="Download the chart “${this.label}” as PNG" @click=${() => void this.downloadPng()}>PNG</button>` : ''}`;
  }

  /** The chart as a PNG data URL, on a white background (Chart.js draws on a transparent canvas). */
  async pngDataUrl(): Promise<string> {
    if (!this.chart) throw new Error('the chart has nothing drawn yet');
    const img = new Image();
    img.src = this.chart.toBase64Image('image/png', 1);
    await img.decode();
    const out = document.createElement('canvas');
    out.width = img.naturalWidth;
    out.height = img.naturalHeight;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(img, 0, 0);
    return out.toDataURL('image/png');
  }

  /** The file name of the PNG: the chart's label, made safe for file systems. */
  get pngName(): string {
    const stem = (this.label || this.dataset['chart'] || 'chart')
      .replace(/[^\p{L}\p{N}._ -]+/gu, ' ')
      .trim()
      .replace(/\s+/g, '-')
      .slice(0, 80);
    return `${stem || 'chart'}.png`;
  }

  private async downloadPng(): Promise<void> {
    const a = document.createElement('a');
    a.href = await this.pngDataUrl();
    a.download = this.pngName;
    a.style.display = 'none';
    document.body.append(a);
    a.click();
    a.remove();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!changed.has('config')) return;
    this.chart?.destroy();
    this.chart = null;
    if (!this.config) return;
    const config = {
      ...this.config,
      options: { responsive: true, maintainAspectRatio: false, animation: false as const, ...this.config.options },
    } as ChartConfiguration;
    this.chart = new Chart(this.canvas, config);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.chart?.destroy();
    this.chart = null;
  }

  /** The chart's datasets as plotted (for tests). */
  get plotted(): { label: string; data: unknown[] }[] {
    return (this.chart?.data.datasets ?? []).map((d) => ({ label: String(d.label ?? ''), data: d.data as unknown[] }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-chart': LabChart;
  }
}
