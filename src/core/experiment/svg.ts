// Line charts as self-contained SVG strings for report.html: one colour per arm, seeds as mean ± min–max band.
import type { MetricRecord } from './runner';

export const ARM_COLOURS: Record<string, string> = {
  pretrained: '#c2410c',
  scratch: '#1d4ed8',
  'pretrained-frozen': '#ea580c',
  'scratch-frozen': '#3b82f6',
  'image-only-pretrained': '#a16207',
  'image-only-scratch': '#0891b2',
  'pretrained-mix': '#7c3aed',
};

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Mean and range across seeds at each step, per arm. */
export function seedBands(records: MetricRecord[], metric: string, transform: (v: number) => number = (v) => v) {
  const byArm = new Map<string, Map<number, number[]>>();
  for (const r of records) {
    if (r.metric !== metric) continue;
    const steps = byArm.get(r.arm) ?? new Map<number, number[]>();
    byArm.set(r.arm, steps);
    steps.set(r.step, [...(steps.get(r.step) ?? []), transform(r.value)]);
  }
  return [...byArm].map(([arm, steps]) => ({
    arm,
    points: [...steps].sort((a, b) => a[0] - b[0]).map(([step, vs]) => ({ step, mean: vs.reduce((a, b) => a + b, 0) / vs.length, lo: Math.min(...vs), hi: Math.max(...vs) })),
  }));
}

export interface ChartOptions {
  width?: number;
  height?: number;
  /** What the x values are (default: step). */
  xLabel?: string;
  /** Dashed horizontal lines, e.g. an equivalence margin. */
  refLines?: { y: number; label: string }[];
}

/** Mean lines with a band per series (`step` is the x value, whatever `xLabel` names it). */
export function lineChart(title: string, yLabel: string, bands: ReturnType<typeof seedBands>, opts: ChartOptions = {}): string {
  const { width = 560, height = 300, xLabel = 'step', refLines = [] } = opts;
  const pad = { l: 56, r: 16, t: 28, b: 40 };
  const pts = bands.flatMap((b) => b.points);
  if (pts.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="60"><text x="8" y="30">${esc(title)}: no data</text></svg>`;
  const xMax = Math.max(1, ...pts.map((p) => p.step));
  let yMin = Math.min(...pts.map((p) => p.lo), ...refLines.map((r) => r.y));
  let yMax = Math.max(...pts.map((p) => p.hi), ...refLines.map((r) => r.y));
  if (yMax - yMin < 1e-9) [yMin, yMax] = [yMin - 1, yMax + 1];
  const X = (s: number) => pad.l + (s / xMax) * (width - pad.l - pad.r);
  const Y = (v: number) => pad.t + (1 - (v - yMin) / (yMax - yMin)) * (height - pad.t - pad.b);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => yMin + f * (yMax - yMin));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<text x="${pad.l}" y="16" font-size="13" font-weight="600">${esc(title)}</text>`,
    ...ticks.map((t) => `<line x1="${pad.l}" x2="${width - pad.r}" y1="${Y(t).toFixed(1)}" y2="${Y(t).toFixed(1)}" stroke="#e5e7eb"/><text x="${pad.l - 6}" y="${(Y(t) + 4).toFixed(1)}" text-anchor="end" fill="#555">${t.toPrecision(3)}</text>`),
    ...refLines.map((r) => `<line x1="${pad.l}" x2="${width - pad.r}" y1="${Y(r.y).toFixed(1)}" y2="${Y(r.y).toFixed(1)}" stroke="#6b7280" stroke-dasharray="4 3"/><text x="${pad.l + 4}" y="${(Y(r.y) - 3).toFixed(1)}" fill="#6b7280">${esc(r.label)}</text>`),
    `<text x="${(width + pad.l) / 2}" y="${height - 6}" text-anchor="middle" fill="#555">${esc(xLabel)}</text>`,
    `<text x="${width - pad.r}" y="${height - pad.b + 14}" text-anchor="end" fill="#555">${xMax >= 1e4 ? `${(xMax / 1e3).toFixed(0)}k` : Math.round(xMax)}</text><text x="${pad.l}" y="${height - pad.b + 14}" fill="#555">0</text>`,
    `<text transform="translate(14 ${(height - pad.b + pad.t) / 2}) rotate(-90)" text-anchor="middle" fill="#555">${esc(yLabel)}</text>`,
  ];
  bands.forEach((b, i) => {
    const c = ARM_COLOURS[b.arm] ?? '#444';
    const upper = b.points.map((p) => `${X(p.step).toFixed(1)},${Y(p.hi).toFixed(1)}`);
    const lower = b.points.map((p) => `${X(p.step).toFixed(1)},${Y(p.lo).toFixed(1)}`).reverse();
    parts.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${c}" fill-opacity="0.15" stroke="none"/>`);
    parts.push(`<polyline points="${b.points.map((p) => `${X(p.step).toFixed(1)},${Y(p.mean).toFixed(1)}`).join(' ')}" fill="none" stroke="${c}" stroke-width="2"/>`);
    parts.push(`<rect x="${width - pad.r - 150}" y="${pad.t + 4 + 16 * i}" width="10" height="10" fill="${c}"/><text x="${width - pad.r - 136}" y="${pad.t + 13 + 16 * i}">${esc(b.arm)}</text>`);
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
  const rects = values.map((v, i) => `<rect x="${(i % g) * cell}" y="${Math.floor(i / g) * cell + 18}" width="${cell}" height="${cell}" fill="${shade(v)}"><title>${v.toFixed(3)}</title></rect>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size + 34}" font-family="system-ui, sans-serif" font-size="11"><text x="0" y="12" font-weight="600">${esc(title)}</text>${rects.join('')}<text x="0" y="${size + 31}" fill="#555">${lo.toFixed(2)}–${hi.toFixed(2)} nats</text></svg>`;
}
