// The first screen during a run (issue 22, item 2), at 1440×900 without scrolling: after Play the run's held-out
// image-token loss and its difference draw over the recorded run's on axes fitted to this run (the recorded run cut
// to its budget), the samples grid fills in at an evaluation, and when the run ends its verdict stands beside the
// recorded one; a reload shows it all again. A short smoke run of both arms with 2 seeds. Tests assert behaviour, never time.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { problems, screenshot } from './browser';
import { launch } from './browser';
import { playgroundPage, rectOf, waitPhase } from './playground-helpers';
import { readFileSync } from 'node:fs';

/** The recorded run the first screen compares with: its A verdict word is what the page quotes. */
const RECORDED = JSON.parse(readFileSync('public/runs/cpu/report.json', 'utf8')) as {
  effects: { image_loss: { verdict: string } };
};

let browser: Browser;
const base = () => inject('baseURL');
const inView = (r: { top: number; bottom: number; left: number; right: number } | null) =>
  r !== null && r.top >= 0 && r.left >= 0 && r.bottom <= 900 && r.right <= 1440;

describe('the first screen during a run', () => {
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('draws the run over the recorded one on its own axes, fills the samples in and puts its verdict beside the recorded one', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const l = await playgroundPage(ctx, `${base()}/?preset=smoke&seeds=2&steps=12&eval=4`);
    const { page } = l;
    await page.getByTestId('plain-sentence').waitFor({ timeout: 60_000 });
    const charts = page.getByTestId('answer-charts');
    const recordedMax = Number(await charts.getAttribute('data-x-max'));
    expect(recordedMax).toBeGreaterThan(500_000); // before Play: the whole recorded run (450 steps of 16)
    await page.getByTestId('play').click();
    await waitPhase(page, ['running', 'finishing', 'done']);
    // The run's first evaluations appear on the first screen's loss chart, which has not moved.
    await expect
      .poll(async () => Number(await charts.getAttribute('data-live-points')), { timeout: 180_000, interval: 500 })
      .toBeGreaterThanOrEqual(2);
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    expect(inView(await rectOf(page, '[data-testid="answer-loss"]'))).toBe(true);
    expect(inView(await rectOf(page, '[data-testid="answer-diff"]'))).toBe(true);
    // Axes fitted to this run: 12 steps of 4, a small fraction of the recorded run's tokens; the recorded run is cut there.
    const runMax = Number(await charts.getAttribute('data-x-max'));
    expect(runMax).toBeGreaterThan(0);
    expect(runMax).toBeLessThan(recordedMax / 20);
    // Two lines per arm: the run's (solid) over the recorded run's (dotted).
    await expect
      .poll(() => page.locator('[data-testid="answer-loss"] .recharts-line').count(), { timeout: 30_000 })
      .toBe(4);
    expect(await page.locator('[data-testid="answer-loss"] .recharts-line-curve[stroke-dasharray="2 3"]').count()).toBe(
      2,
    );
    expect(await page.getByTestId('answer-recorded-note').textContent()).toMatch(
      /^Dotted: the recorded run, cut to the [\d,]+ training tokens your run will reach\.$/,
    );
    // The samples grid turns to this run's at an evaluation: the real images and each arm's, drawn on canvases.
    const grid = page.getByTestId('first-samples');
    await expect.poll(() => grid.getAttribute('data-source'), { timeout: 180_000 }).toBe('live');
    const cols = await grid.locator('thead th[scope="col"]').count();
    expect(cols).toBeGreaterThan(0);
    for (const row of ['real', 'pretrained', 'scratch'])
      expect(await grid.locator(`tr[data-row="${row}"] canvas`).count(), row).toBe(cols);
    await page.screenshot({ path: 'test-results/e2e/first-screen-live.png' });
    // The run ends: its verdict in a sentence beside the recorded one, and its verdict word beside the recorded one's.
    await waitPhase(page, ['done'], 600_000);
    await page.getByTestId('your-sentence').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('your-sentence').textContent()).toMatch(
      /^Your run: After [\d,]+ training tokens, the model that had read English first scored [\d.]+ (lower \(better\)|higher \(worse\))/,
    );
    expect(await page.getByTestId('plain-sentence').textContent()).toMatch(
      /^The answer a recorded run gave: After 560,000 training tokens/,
    );
    expect(await page.getByTestId('your-verdict-line').textContent()).toMatch(
      new RegExp(
        `^Your run's verdict on image tokens: (reproduced|not reproduced|inconclusive) \\(the recorded run: ${RECORDED.effects.image_loss.verdict}\\)`,
      ),
    );
    expect(inView(await rectOf(page, '[data-testid="your-sentence"]'))).toBe(true);
    await page.locator('[data-testid="recorded-details"] summary').click();
    await expect(page.getByTestId('your-verdict').locator('tr').count()).resolves.toBe(3);
    await screenshot(page, 'first-screen-done');
    // A reload shows the same: both verdicts, the run's curves, its last samples (kept beside the run) and its heatmap.
    const step = await grid.getAttribute('data-step');
    await page.reload();
    await page.getByTestId('your-sentence').waitFor({ timeout: 60_000 });
    await expect
      .poll(() => page.getByTestId('first-samples').getAttribute('data-source'), { timeout: 60_000 })
      .toBe('live');
    expect(await page.getByTestId('first-samples').getAttribute('data-step')).toBe(step);
    await expect
      .poll(async () => Number(await page.getByTestId('answer-charts').getAttribute('data-live-points')), {
        timeout: 60_000,
      })
      .toBeGreaterThanOrEqual(2);
    await page.getByTestId('tab-experiment').click();
    await page.getByTestId('heatmap').waitFor({ timeout: 60_000 });
    expect(problems(l)).toEqual([]);
    await ctx.close();
  }, 900_000);
});
