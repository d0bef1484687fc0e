// The report's SVG charts (also the charts PNG): round ticks, axis titles clear of the tick labels, and the legend under
// the plot rather than on the curves.
import { describe, expect, it } from 'vitest';
import { lineChart, niceTicks, seedBands, tickLabel } from '../../src/core/experiment/svg';
import type { MetricRecord } from '../../src/core/experiment/runner';

describe('chart axes', () => {
  it('picks round ticks that cover the data: steps of 1, 2 or 5 × 10^k', () => {
    expect(niceTicks(8.82, 9.56, 4)).toEqual([8.8, 9, 9.2, 9.4, 9.6]); // (9.56 − 8.82)/4 = 0.185 → a step of 0.2
    expect(niceTicks(0, 150, 5)).toEqual([0, 50, 100, 150]); // 30 → 50
    expect(niceTicks(0.0011, 0.0021, 4)).toEqual([0.001, 0.0015, 0.002, 0.0025]); // 0.00025 → 0.0005
    expect(niceTicks(4.7, 5.1, 4)).toEqual([4.7, 4.8, 4.9, 5, 5.1]);
    expect([tickLabel(9.2), tickLabel(0.0025), tickLabel(150), tickLabel(12500)]).toEqual([
      '9.2',
      '0.0025',
      '150',
      '12.5k',
    ]);
  });

  it('puts the legend below the x axis title, and the y title left of the longest tick label', () => {
    const recs: MetricRecord[] = [0, 50, 100, 150].flatMap((step) =>
      ['pretrained', 'scratch'].map((arm, k) => ({
        arm,
        seed: 0,
        step,
        tokens: 0,
        metric: 'm',
        value: 9.56 - step / 200 + k * 0.1,
      })),
    );
    const svg = lineChart('Loss', 'nats per token', seedBands(recs, 'm'));
    const num = (re: RegExp) => Number(re.exec(svg)![1]);
    const axisTitleY = num(/<text x="[\d.]+" y="([\d.]+)" text-anchor="middle" fill="#555">step<\/text>/);
    const xTickY = num(/<text x="[\d.]+" y="([\d.]+)" text-anchor="middle" fill="#555">50<\/text>/);
    const legendY = num(/<text x="[\d.]+" y="([\d.]+)" class="legend">pretrained<\/text>/);
    const plotBottom = num(/<line x1="70" x2="544" y1="([\d.]+)" y2="[\d.]+" stroke="#999"\/>/);
    expect(xTickY).toBeGreaterThan(plotBottom);
    expect(axisTitleY).toBeGreaterThanOrEqual(xTickY + 12); // a line of 11 px text apart
    expect(legendY).toBeGreaterThanOrEqual(axisTitleY + 12);
    // Tick labels end 6 px left of the plot (x 70) and are at most 5 characters (~30 px); the y title is centred at 14.
    const labels = [...svg.matchAll(/text-anchor="end" fill="#555">([^<]+)</g)].map((m) => m[1]);
    expect(labels).toEqual(['8.5', '9', '9.5', '10']); // 8.81 to 9.66: (9.66 − 8.81)/4 = 0.2125 → a step of 0.5
    expect(Math.max(...labels.map((l) => l.length)) * 7).toBeLessThan(70 - 6 - 14 - 7);
  });

  it('wraps a long legend onto more rows and grows the chart for it', () => {
    const arms = [
      'pretrained',
      'scratch',
      'pretrained-frozen',
      'scratch-frozen',
      'image-only-pretrained',
      'image-only-scratch',
      'pretrained-mix',
    ];
    const recs: MetricRecord[] = arms.flatMap((arm) =>
      [0, 10].map((step) => ({ arm, seed: 0, step, tokens: 0, metric: 'm', value: step })),
    );
    const svg = lineChart('Loss', 'nats', seedBands(recs, 'm'));
    const height = Number(/height="(\d+)"/.exec(svg)![1]);
    const legendYs = [...new Set([...svg.matchAll(/y="([\d.]+)" class="legend"/g)].map((m) => Number(m[1])))];
    expect(legendYs.length).toBeGreaterThan(1);
    expect(Math.max(...legendYs)).toBeLessThan(height);
  });
});

describe('tokens on x and labelled bands (issue 20, item 7)', () => {
  it('seedBands puts the mean tokens of the seeds at a step on x; a zoomed chart starts its axis at the data', () => {
    const recs: MetricRecord[] = [0, 1].flatMap((seed) =>
      [0, 10, 20].map((step) => ({ arm: 'a', seed, step, tokens: step * (100 + 10 * seed), metric: 'm', value: seed })),
    );
    expect(seedBands(recs, 'm', undefined, 'tokens')[0].points).toEqual([
      { step: 0, mean: 0.5, lo: 0, hi: 1 },
      { step: 1050, mean: 0.5, lo: 0, hi: 1 },
      { step: 2100, mean: 0.5, lo: 0, hi: 1 },
    ]);
    const zoomed = lineChart(
      'L',
      'nats',
      [
        {
          arm: 'a',
          points: [
            { step: 3000, mean: 1, lo: 0.9, hi: 1.1 },
            { step: 5000, mean: 0.8, lo: 0.7, hi: 0.9 },
          ],
        },
      ],
      { xLabel: 'training tokens', xFromData: true, bandLabel: 'band: 95% CI' },
    );
    const xTicks = [...zoomed.matchAll(/text-anchor="middle" fill="#555">([^<]+)</g)].map((m) => m[1]);
    expect(xTicks[0]).toBe('3000');
    expect(zoomed).toContain('>band: 95% CI</text>');
  });

  it('a ±margin pair prints one label above its line and one below', () => {
    const svg = lineChart(
      'D',
      'nats',
      [
        {
          arm: 'd',
          points: [
            { step: 0, mean: 0, lo: -0.1, hi: 0.1 },
            { step: 10, mean: 0, lo: -0.1, hi: 0.1 },
          ],
        },
      ],
      {
        refLines: [
          { y: 0.05, label: '+m' },
          { y: -0.05, label: '−m' },
        ],
      },
    );
    const at = (label: string) => {
      const m = new RegExp(
        `y1="([\\d.]+)"[^>]*stroke-dasharray="4 3"/><text x="[\\d.]+" y="([\\d.]+)" fill="#6b7280">${label}<`,
      ).exec(svg)!;
      return { line: Number(m[1]), text: Number(m[2]) };
    };
    expect(at('\\+m').text).toBeLessThan(at('\\+m').line);
    expect(at('−m').text).toBeGreaterThan(at('−m').line);
  });
});
