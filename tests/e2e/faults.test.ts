// Faults in the page, one run through all of them: the browser's storage quota fills mid-run (a message; training
// goes on; the checkpoints saved before stay), a NaN in training (the experiment stops, the last good checkpoints are
// shown and resumable, and Resume continues from them), and a failed delete on Reset (said, not ignored).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch, problems, screenshot } from './browser';
import { phase, playgroundPage, statusText, stepOf, waitPhase } from './playground-helpers';

let browser: Browser;
const base = () => inject('baseURL');
// Both arms, 200 steps of 4, evaluated every 8, checkpoints every 3 steps (the smoke preset's): long enough that training
// still runs when the storage fills up and when the NaN is injected, however fast the machine.
const RUN = '/?preset=smoke&steps=200&eval=8#experiment';

describe('faults in the page', () => {
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('keeps training and what was saved when storage is full, keeps the last good checkpoints on a NaN and resumes from them, and says when a delete fails', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    // The page's deletes fail once window.__failDeletes is set (the worker's writes are untouched).
    await ctx.addInitScript(() => {
      const del = IDBObjectStore.prototype.delete;
      IDBObjectStore.prototype.delete = function (key: IDBValidKey | IDBKeyRange) {
        if ((window as unknown as { __failDeletes?: boolean }).__failDeletes)
          throw new DOMException('deletes fail in this test', 'UnknownError');
        return del.call(this, key);
      };
    });
    const l = await playgroundPage(ctx, `${base()}${RUN}`);
    const { page } = l;
    await page.getByTestId('play').click();
    await waitPhase(page, ['running']);
    // A first checkpoint (step 3) is saved; the Report's export list names it.
    await page.getByTestId('tab-report').click();
    const options = () => page.locator('[aria-label="Run to export"] option').allTextContents();
    await expect
      .poll(async () => (await options()).join(' | '), { timeout: 120_000 })
      .toMatch(/checkpoint at step [1-9]/);
    const savedBefore = Math.min(
      ...(await options()).map((o) => Number(/checkpoint at step (\d+)/.exec(o)?.[1] ?? Infinity)),
    );

    // Storage fills up: the quota is set to what is used now, so the next checkpoint cannot be written.
    const cdp = await ctx.newCDPSession(page);
    const origin = new URL(base()).origin;
    const used = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: used + 64 * 1024 });
    const notice = page.getByTestId('run-notice');
    await expect
      .poll(async () => (await notice.textContent().catch(() => '')) ?? '', { timeout: 180_000 })
      .toMatch(
        /^Could not save .*: this browser's storage for the page is full \(quota exceeded\)\. Training goes on and what was saved before is kept/,
      );
    const stepAtNotice = await stepOf(page);
    await expect.poll(() => stepOf(page), { timeout: 120_000 }).toBeGreaterThan(stepAtNotice); // training goes on
    expect(await phase(page)).toBe('running');
    await screenshot(page, 'fault-storage-full');

    // A NaN in one run's weights: the experiment stops at that run's next step; the last good checkpoints stay.
    await page.getByTestId('inject-nan').click();
    await waitPhase(page, ['failed'], 120_000);
    const failure = (await page.getByTestId('run-failure').textContent())!;
    expect(failure).toMatch(
      /^arm pretrained, seed 0: the loss or gradient became NaN\/Inf at step \d+(?: \(found at step \d+\))?\. Its last good checkpoint \(step (\d+)\) is kept\. Training stopped; Resume continues every run from its last checkpoint\.$/,
    );
    const kept = Number(/checkpoint \(step (\d+)\)/.exec(failure)![1]);
    expect(kept).toBeGreaterThanOrEqual(savedBefore); // what was saved before the storage filled up
    expect(await page.getByTestId('play').textContent()).toContain('Resume from checkpoints');
    expect((await options()).join(' | ')).toContain(`pretrained, seed 0 (checkpoint at step ${kept})`);
    expect(await statusText(page)).toBe('Stopped'); // the message is shown once, in the alert
    await screenshot(page, 'fault-nan-stopped');

    // Room again; Resume continues every run from its last checkpoint, past the step that turned NaN.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    const nanStep = Number(/NaN\/Inf at step (\d+)/.exec(failure)![1]);
    await page.getByTestId('play').click();
    await waitPhase(page, ['running', 'finishing', 'done']);
    await expect.poll(() => stepOf(page), { timeout: 240_000 }).toBeGreaterThan(nanStep);
    expect(await page.getByTestId('run-failure').count()).toBe(0);

    // A Reset whose delete fails says so.
    await page.evaluate(() => ((window as unknown as { __failDeletes: boolean }).__failDeletes = true));
    await page.getByTestId('reset').click();
    // A run that has already finished asks before it is forgotten.
    if (await page.getByTestId('reset-confirm').count()) await page.getByTestId('reset-confirm-yes').click();
    await expect
      .poll(async () => (await notice.textContent().catch(() => '')) ?? '', { timeout: 120_000 })
      .toMatch(
        /^The run was reset, but its saved copy could not be deleted from this browser \(deletes fail in this test\)/,
      );
    expect(await phase(page)).toBe('idle');
    await screenshot(page, 'fault-delete-failed');
    expect(problems(l).filter((p) => !/quota|QuotaExceeded/i.test(p))).toEqual([]);
    await ctx.close();
  }, 900_000);
});
