// The arm palette (palette.ts) under a deuteranopia simulation: every two arms drawn alike (both solid or both dashed)
// stay apart in CIELAB (ΔE*76), on the light and the dark background's colours; frozen arms, and only they, are dashed; the report's SVG uses the table.
// Simulation: Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear sRGB; Lab with D65 white.
import { describe, expect, it } from 'vitest';
import { ARMS } from '../../src/core/experiment/config';
import { ARM_STYLES, FROZEN_DASH, armStyle } from '../../src/core/experiment/palette';
import { lineChart } from '../../src/core/experiment/svg';

const DEUTERANOPIA = [
  [0.367322, 0.860646, -0.227968],
  [0.280085, 0.672501, 0.047413],
  [-0.01182, 0.04294, 0.968881],
];
const toLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const linearRgb = (hex: string) => [1, 3, 5].map((i) => toLinear(parseInt(hex.slice(i, i + 2), 16) / 255));
const deuteranope = (lin: number[]) =>
  DEUTERANOPIA.map((row) => Math.min(1, Math.max(0, row[0] * lin[0] + row[1] * lin[1] + row[2] * lin[2])));
function lab([r, g, b]: number[]): number[] {
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}
const deltaE = (a: string, b: string, sim = deuteranope) => {
  const [p, q] = [lab(sim(linearRgb(a))), lab(sim(linearRgb(b)))];
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
};
/** The smallest distance between two arms' colours as a deuteranope sees them, and which pair. */
function closestPair(colours: Record<string, string>): { d: number; pair: string } {
  const arms = Object.keys(colours);
  let best = { d: Infinity, pair: '' };
  for (let i = 0; i < arms.length; i++)
    for (let j = i + 1; j < arms.length; j++) {
      const d = deltaE(colours[arms[i]], colours[arms[j]]);
      if (d < best.d) best = { d, pair: `${arms[i]} ~ ${arms[j]}` };
    }
  return best;
}

describe('arm palette', () => {
  it('the colour science matches hand values: white and black stay put, sRGB red is L* 53.24', () => {
    lab(linearRgb('#ffffff')).forEach((v, i) => expect(v).toBeCloseTo([100, 0, 0][i], 1));
    expect(deltaE('#ffffff', '#000000')).toBeCloseTo(100, 1);
    expect(lab(linearRgb('#ff0000'))[0]).toBeCloseTo(53.24, 1);
    // A deuteranope confuses red and green far more than a trichromat does.
    const same = (x: number[]) => x;
    expect(deltaE('#d00000', '#00a000', deuteranope)).toBeLessThan(deltaE('#d00000', '#00a000', same) / 2);
  });

  it('the table before it (pre-trained and image-only pre-trained 2.6 apart) fails the bar the palette passes', () => {
    const before = {
      pretrained: '#c2410c',
      scratch: '#1d4ed8',
      'pretrained-frozen': '#ea580c',
      'scratch-frozen': '#3b82f6',
      'image-only-pretrained': '#a16207',
      'image-only-scratch': '#0891b2',
      'pretrained-mix': '#7c3aed',
    };
    expect(closestPair(before)).toMatchObject({ pair: 'pretrained ~ image-only-pretrained' });
    expect(closestPair(before).d).toBeLessThan(5);
  });

  it('every two arms drawn alike (both solid, or both dashed) stay at least ΔE 15 apart under deuteranopia, on the light and the dark scheme', () => {
    for (const key of ['colour', 'dark'] as const)
      for (const dashed of [false, true]) {
        const same = ARMS.filter((a) => (ARM_STYLES[a].dash !== '') === dashed);
        const colours = Object.fromEntries(same.map((a) => [a, ARM_STYLES[a][key]]));
        const { d, pair } = closestPair(colours);
        expect(d, `${key}, ${dashed ? 'dashed' : 'solid'}: ${pair}`).toBeGreaterThanOrEqual(15);
      }
    // Nine arms, eight Okabe–Ito colours: the one shared colour is the shuffled control's, told apart by its dash.
    expect(ARM_STYLES['pretrained-shuffled-frozen'].colour).toBe(ARM_STYLES['pretrained-shuffled'].colour);
  });

  it('has one entry per arm, Okabe–Ito colours only, and dashes exactly the frozen arms', () => {
    const okabeIto = ['#000000', '#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7'];
    expect(Object.keys(ARM_STYLES).sort()).toEqual([...ARMS].sort());
    for (const a of ARMS) {
      expect(okabeIto, a).toContain(ARM_STYLES[a].colour);
      expect(ARM_STYLES[a].dash, a).toBe(a.endsWith('-frozen') ? FROZEN_DASH : '');
    }
    expect(armStyle('no-such-arm').dash).toBe('');
  });

  it("report.html's SVG draws each arm in the table's colour, dashed where the table says", () => {
    const band = (arm: string) => ({
      arm,
      points: [0, 10].map((step) => ({ step, mean: 1 + step / 10, lo: 1, hi: 2 })),
    });
    const svg = lineChart('t', 'y', [band('pretrained'), band('pretrained-frozen')]);
    expect(svg).toMatch(new RegExp(`<polyline [^>]*stroke="${ARM_STYLES.pretrained.colour}" stroke-width="2"/>`));
    expect(svg).toMatch(
      new RegExp(
        `<polyline [^>]*stroke="${ARM_STYLES['pretrained-frozen'].colour}" stroke-width="2" stroke-dasharray="${FROZEN_DASH}"/>`,
      ),
    );
  });
});
