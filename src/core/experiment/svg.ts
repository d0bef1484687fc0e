// Line charts as self-contained SVG strings for report.html and the charts PNG: one colour per arm (palette.ts; frozen arms dashed), seeds as mean ±
// min–max band, round ticks, axis titles clear of the tick labels and the legend under the plot.
import { ARM_STYLES, armStyle } from './palette';
import type { MetricRecord } from './runner';

/** Each arm's colour on a light background, from palette.ts's one table. */
export const ARM_COLOURS: Record<string, string> = Object.fromEntries(
  Object.entries(ARM_STYLES).map(([arm, s]) => [arm, s.colour]),
);

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Mean and range across seeds at each step, per arm. The points' x (`step`) is the step, or with `x: 'tokens'` the
 * mean over seeds of the training tokens seen by that step (seeds differ a little in caption lengths).
 */
export function seedBands(
  records: MetricRecord[],
  metric: string,
  transform: (v: number) => number = (v) => v,
  x: 'step' | 'tokens' = 'step',
) {
  const byArm = new Map<string, Map<number, { vs: number[]; tokens: number[] }>>();
  for (const r of records) {
    if (r.metric !== metric) continue;
    const steps = byArm.get(r.arm) ?? new Map<number, { vs: number[]; tokens: number[] }>();
    byArm.set(r.arm, steps);
    const at = steps.get(r.step) ?? { vs: [], tokens: [] };
    at.vs.push(transform(r.value));
    at.tokens.push(r.tokens);
    steps.set(r.step, at);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return [...byArm].map(([arm, steps]) => ({
    arm,
    points: [...steps]
      .sort((a, b) => a[0] - b[0])
      .map(([step, { vs, tokens }]) => ({
        step: x === 'tokens' ? mean(tokens) : step,
        mean: mean(vs),
        lo: Math.min(...vs),
        hi: Math.max(...vs),
      })),
  }));
}

/**
 * Round tick values covering [lo, hi]: a step of 1, 2 or 5 × 10^k giving at most `count` intervals' width, from the
 * last multiple at or below lo to the first at or above hi (so the axis starts and ends on a tick).
 */
export function niceTicks(lo: number, hi: number, count = 4): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((st) => st >= raw * (1 - 1e-9))!;
  const first = Math.floor(lo / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let t = first; t < hi + step * 0.999; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** A tick label: at most three significant figures, no trailing zeros (5, 4.5, 0.25, 1.2k). */
export function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

/**
 * A line chart: per arm the mean across seeds with its min–max band; round ticks on both axes; the axis titles
 * outside the tick labels; the legend under the plot, never over the curves; optional dashed reference lines.
 */
export interface ChartOptions {
  width?: number;
  /** Height of the plot area; the legend's rows are added under it. */
  height?: number;
  /** What the x values are (default: step). */
  xLabel?: string;
  /** Dashed horizontal lines, e.g. an equivalence margin. */
  refLines?: { y: number; label: string }[];
  /** What the shaded band is (e.g. "band: 95% CI over seeds"), written under the title. */
  bandLabel?: string;
  /** Start the x axis at the data's smallest x (a zoomed range) instead of at 0. */
  xFromData?: boolean;
}

export function lineChart(
  title: string,
  yLabel: string,
  bands: ReturnType<typeof seedBands>,
  opts: ChartOptions = {},
): string {
  const { width = 560, height: plotHeight = 300, xLabel = 'step', refLines = [], bandLabel, xFromData = false } = opts;
  // The legend's rows, laid out first: the chart grows by a row when the arms do not fit in one.
  const legend: { arm: string; x: number; row: number }[] = [];
  let lx = 70;
  let row = 0;
  for (const b of bands) {
    const w = 26 + 7 * b.arm.length;
    if (lx + w > width - 16 && lx > 70) [lx, row] = [70, row + 1];
    legend.push({ arm: b.arm, x: lx, row });
    lx += w;
  }
  const rows = row + 1;
  const height = plotHeight + 16 * rows;
  const pad = { l: 70, r: 16, t: bandLabel ? 40 : 28, b: 46 + 16 * rows };
  const pts = bands.flatMap((b) => b.points);
  if (pts.length === 0)
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="60"><text x="8" y="30">${esc(title)}: no data</text></svg>`;
  const xTicks = niceTicks(
    xFromData ? Math.min(...pts.map((p) => p.step)) : 0,
    Math.max(1, ...pts.map((p) => p.step)),
    5,
  );
  let yTicks = niceTicks(
    Math.min(...pts.map((p) => p.lo), ...refLines.map((r) => r.y)),
    Math.max(...pts.map((p) => p.hi), ...refLines.map((r) => r.y)),
    4,
  );
  if (yTicks.length < 2) yTicks = [yTicks[0] - 1, yTicks[0], yTicks[0] + 1];
  const [xMin, xMax] = [xTicks[0], xTicks[xTicks.length - 1]];
  const [yMin, yMax] = [yTicks[0], yTicks[yTicks.length - 1]];
  const plotBottom = height - pad.b;
  const X = (s: number) => pad.l + ((s - xMin) / (xMax - xMin)) * (width - pad.l - pad.r);
  const Y = (v: number) => pad.t + (1 - (v - yMin) / (yMax - yMin)) * (plotBottom - pad.t);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${pad.l}" y="16" font-size="13" font-weight="600">${esc(title)}</text>`,
    ...(bandLabel ? [`<text x="${pad.l}" y="31" fill="#6b7280">${esc(bandLabel)}</text>`] : []),
    ...yTicks.map(
      (t) =>
        `<line x1="${pad.l}" x2="${width - pad.r}" y1="${Y(t).toFixed(1)}" y2="${Y(t).toFixed(1)}" stroke="#e5e7eb"/><text x="${pad.l - 6}" y="${(Y(t) + 4).toFixed(1)}" text-anchor="end" fill="#555">${tickLabel(t)}</text>`,
    ),
    ...xTicks.map(
      (t) =>
        `<line x1="${X(t).toFixed(1)}" x2="${X(t).toFixed(1)}" y1="${plotBottom}" y2="${plotBottom + 4}" stroke="#999"/><text x="${X(t).toFixed(1)}" y="${plotBottom + 16}" text-anchor="middle" fill="#555">${tickLabel(t)}</text>`,
    ),
    // A negative reference line's label goes under it, so a ±margin pair does not print its labels on top of each other.
    ...refLines.map(
      (r) =>
        `<line x1="${pad.l}" x2="${width - pad.r}" y1="${Y(r.y).toFixed(1)}" y2="${Y(r.y).toFixed(1)}" stroke="#6b7280" stroke-dasharray="4 3"/><text x="${pad.l + 4}" y="${(Y(r.y) + (r.y < 0 ? 12 : -3)).toFixed(1)}" fill="#6b7280">${esc(r.label)}</text>`,
    ),
    `<line x1="${pad.l}" x2="${width - pad.r}" y1="${plotBottom}" y2="${plotBottom}" stroke="#999"/>`,
    `<text x="${(width + pad.l - pad.r) / 2}" y="${plotBottom + 32}" text-anchor="middle" fill="#555">${esc(xLabel)}</text>`,
    `<text transform="translate(14 ${(plotBottom + pad.t) / 2}) rotate(-90)" text-anchor="middle" fill="#555">${esc(yLabel)}</text>`,
  ];
  bands.forEach((b, i) => {
    const { colour: c, dash } = armStyle(b.arm);
    const dashed = dash ? ` stroke-dasharray="${dash}"` : '';
    const upper = b.points.map((p) => `${X(p.step).toFixed(1)},${Y(p.hi).toFixed(1)}`);
    const lower = b.points.map((p) => `${X(p.step).toFixed(1)},${Y(p.lo).toFixed(1)}`).reverse();
    parts.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${c}" fill-opacity="0.15" stroke="none"/>`);
    parts.push(
      `<polyline points="${b.points.map((p) => `${X(p.step).toFixed(1)},${Y(p.mean).toFixed(1)}`).join(' ')}" fill="none" stroke="${c}" stroke-width="2"${dashed}/>`,
    );
    const at = legend[i];
    const y = plotBottom + 46 + 16 * at.row;
    parts.push(
      `<line x1="${at.x}" x2="${at.x + 14}" y1="${y - 4}" y2="${y - 4}" stroke="${c}" stroke-width="3"${dash ? ' stroke-dasharray="4 2"' : ''}/><text x="${at.x + 18}" y="${y}" class="legend">${esc(b.arm)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** An 8×8 (g×g) heatmap of per-position image-token loss, darker = higher, with the range in the caption. */
export function heatmap(title: string, values: number[], lo: number, hi: number, cell = 14): string {
  const g = Math.round(Math.sqrt(values.length));
  const size = g * cell;
  const shade = (v: number) => {
    const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
    const c = Math.round(245 - 200 * Math.min(1, Math.max(0, t)));
    return `rgb(${c},${c},${Math.min(255, c + 20)})`;
  };
  const rects = values.map(
    (v, i) =>
      `<rect x="${(i % g) * cell}" y="${Math.floor(i / g) * cell + 18}" width="${cell}" height="${cell}" fill="${shade(v)}"><title>${v.toFixed(3)}</title></rect>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size + 34}" font-family="system-ui, sans-serif" font-size="11"><text x="0" y="12" font-weight="600">${esc(title)}</text>${rects.join('')}<text x="0" y="${size + 31}" fill="#555">${lo.toFixed(2)}–${hi.toFixed(2)} nats</text></svg>`;
}
