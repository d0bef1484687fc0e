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
    expect([tickLabel(9.2), tickLabel(0.0025), tickLabel(150), tickLabel(12500)]).toEqual(['9.2', '0.0025', '150', '12.5k']);
  });

  it('puts the legend below the x axis title, and the y title left of the longest tick label', () => {
    const recs: MetricRecord[] = [0, 50, 100, 150].flatMap((step) => ['pretrained', 'scratch'].map((arm, k) => ({ arm, seed: 0, step, tokens: 0, metric: 'm', value: 9.56 - step / 200 + k * 0.1 })));
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
    const arms = ['pretrained', 'scratch', 'pretrained-frozen', 'scratch-frozen', 'image-only-pretrained', 'image-only-scratch', 'pretrained-mix'];
    const recs: MetricRecord[] = arms.flatMap((arm) => [0, 10].map((step) => ({ arm, seed: 0, step, tokens: 0, metric: 'm', value: step })));
    const svg = lineChart('Loss', 'nats', seedBands(recs, 'm'));
    const height = Number(/height="(\d+)"/.exec(svg)![1]);
    const legendYs = [...new Set([...svg.matchAll(/y="([\d.]+)" class="legend"/g)].map((m) => Number(m[1])))];
    expect(legendYs.length).toBeGreaterThan(1);
    expect(Math.max(...legendYs)).toBeLessThan(height);
  });
});
