/**
 * `<lab-chart>`: a thin Lit wrapper around Chart.js (line and bar charts; tree-shaken registration).
 * Give it a Chart.js configuration through `.config`; it re-renders when the configuration object
 * changes. Its `aria-label` (the `label` property) describes the chart for screen readers; views
 * also show the numbers in tables, so nothing is only in a picture.
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
  `;

  @property({ attribute: false }) config: ChartConfiguration | null = null;
  @property() label = '';
  @query('canvas') private canvas!: HTMLCanvasElement;
  private chart: Chart | null = null;

  override render() {
    return html`<canvas role="img" aria-label=${this.label}></canvas>`;
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
