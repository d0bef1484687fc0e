// The lesson's rough edges, fixed (issue 22, item 3): Play on a phone's first screen; each arm's learning rate in the
// setup form; a preset that stays itself when a field comes back to its value; the recorded Twemoji run not drawn
// behind a run on other images; the Data panel answering during a run; and Reset of a finished run asking first,
// with the report offered for download.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import { strToU8, zipSync } from 'fflate';
import { PRESETS, lrFor } from '../../src/core/experiment/config';
import { launch, openPage, problems } from './browser';
import { phase, playgroundPage, rectOf, waitPhase } from './playground-helpers';

let browser: Browser;
const base = () => inject('baseURL');

describe('lesson fixes', () => {
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('puts Play on the first screen of a phone (390×844)', async () => {
    const l = await openPage(browser, `${base()}/`, { width: 390, height: 844 });
    await l.page.getByTestId('backend').waitFor({ timeout: 60_000 });
    await l.page.getByTestId('recorded-verdict').waitFor({ state: 'attached', timeout: 60_000 });
    expect(await l.page.evaluate(() => window.scrollY)).toBe(0);
    const play = await rectOf(l.page, '[data-testid="play"]');
    expect(play!.bottom).toBeLessThanOrEqual(844);
    expect(play!.top).toBeGreaterThanOrEqual(0);
    expect(await l.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(problems(l)).toEqual([]);
    await l.page.close();
  });

  it("shows each arm's learning rate, and a preset stays itself when a field returns to its value", async () => {
    const l = await openPage(browser, `${base()}/#experiment`, { width: 1440, height: 900 });
    const { page } = l;
    await page.getByTestId('setup').waitFor({ timeout: 60_000 });
    // The lesson trains pretrained at 0.015 and scratch at 0.006 (its sweep), whatever the shared field says.
    for (const arm of ['pretrained', 'scratch'] as const)
      expect(await page.getByTestId(`arm-lr-${arm}`).textContent()).toContain(
        `learning rate ${lrFor(PRESETS.lesson, arm)}`,
      );
    expect(await page.getByTestId('lr-by-arm').textContent()).toMatch(/pretrained 0\.015, scratch 0\.006/);
    // Caption level L4 and back: custom, then the lesson again (and the link says so).
    await page.getByTestId('tab-data').click();
    await page.locator('input[name="level"]').nth(4).check();
    await expect.poll(() => page.evaluate(() => new URLSearchParams(location.search).get('preset'))).toBe('custom');
    await page.locator('input[name="level"]').nth(2).check();
    await expect.poll(() => page.evaluate(() => new URLSearchParams(location.search).get('preset'))).toBe('lesson');
    await page.getByTestId('tab-experiment').click();
    expect(await page.getByTestId('preset-lesson').isChecked()).toBe(true);
    expect(problems(l)).toEqual([]);
    await page.close();
  });

  it('does not draw the recorded Twemoji run behind a run on your own images', async () => {
    const png = (r: number, g: number, b: number) => {
      const p = new PNG({ width: 8, height: 8 });
      for (let i = 0; i < 64; i++) p.data.set([r, g, b, 255], 4 * i);
      return new Uint8Array(PNG.sync.write(p));
    };
    const zip = zipSync({
      'captions.csv': strToU8('file,caption\nred.png,a red square\nblue.png,a blue square\n'),
      'red.png': png(255, 0, 0),
      'blue.png': png(0, 0, 255),
    });
    const l = await openPage(browser, `${base()}/#experiment`, { width: 1440, height: 900 });
    const { page } = l;
    const chart = page.getByTestId('chart-image-loss');
    await expect
      .poll(async () => Number(await chart.getAttribute('data-recorded')), { timeout: 60_000 })
      .toBeGreaterThan(0);
    await page.getByTestId('tab-data').click();
    await page
      .getByTestId('byod-zip')
      .setInputFiles({ name: 'squares.zip', mimeType: 'application/zip', buffer: Buffer.from(zip) });
    await expect
      .poll(() => page.getByTestId('data-summary').getAttribute('data-images'), { timeout: 60_000 })
      .toBe('2');
    await page.getByTestId('tab-experiment').click();
    await expect.poll(async () => Number(await chart.getAttribute('data-recorded'))).toBe(0);
    expect(await page.getByTestId('show-recorded').isDisabled()).toBe(true);
    expect(await page.getByTestId('recorded-hidden').textContent()).toMatch(/trained on Twemoji/);
    expect(problems(l)).toEqual([]);
    await page.close();
  });

  it('answers on the Data panel during a run, and Reset of a finished run asks first, offering the report', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    const l = await playgroundPage(ctx, `${base()}/?preset=smoke&steps=2#experiment`);
    const { page } = l;
    await page.getByTestId('play').click();
    await waitPhase(page, ['preparing', 'running', 'finishing', 'done']);
    // The worker is busy; the panel's summary was kept from before the run.
    await page.getByTestId('tab-data').click();
    await page.getByTestId('data-grid').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('data-summary').getAttribute('data-images')).toBe('3786');
    await page.getByTestId('tab-experiment').click();
    await waitPhase(page, ['done'], 300_000);
    await page.getByTestId('reset').click();
    await page.getByTestId('reset-confirm').waitFor();
    expect(await page.getByTestId('reset-confirm').textContent()).toMatch(/finished and has its verdict/);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('reset-export').click()]);
    expect(dl.suggestedFilename()).toBe('report.html');
    await page.getByTestId('reset-keep').click();
    expect(await page.getByTestId('reset-confirm').count()).toBe(0);
    expect(await phase(page)).toBe('done');
    await page.getByTestId('reset').click();
    await page.getByTestId('reset-confirm-yes').click();
    await waitPhase(page, ['idle']);
    expect(problems(l)).toEqual([]);
    await ctx.close();
  }, 600_000);
});
