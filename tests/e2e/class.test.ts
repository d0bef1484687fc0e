// A class run end to end (issue 21, docs/class.md): three pages run seats 0, 1 and 2 of the smoke setup — each shows
// its seat and the one setup fingerprint — and download their result cards with "Share my run"; the teacher view
// (`?teacher`) pools the three cards and shows the same verdicts and differences as `npm run pool` on the same cards,
// and exports the class report. On hand-made cards (no run): a refused card leaves the "Left out" list once a good card
// for its seat comes in and is named as replaced, and the exported report carries the Left out list. Screenshots of a
// seat and of the teacher view go to test-results/e2e.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { effectViews } from '../../src/app/verdict-view';
import { cardFileName } from '../../src/core/experiment/card';
import { seatCard } from '../unit/helpers/class-cards';
import { launch, openPage, problems, screenshot } from './browser';
import { playgroundPage, waitPhase } from './playground-helpers';

let browser: Browser;
const base = () => inject('baseURL');
const dir = mkdtempSync(join(tmpdir(), 'class-'));

describe('a class run', () => {
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pools three seats in the teacher view with the verdicts npm run pool gives', async () => {
    const seat = async (k: number) => {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
      const l = await playgroundPage(ctx, `${base()}/?preset=smoke&seat=${k}#experiment`);
      const { page } = l;
      expect(await page.getByTestId('seat-label').textContent()).toBe(`Seat ${k} of this class's setup`);
      await page.getByTestId('play').click();
      await waitPhase(page, ['done'], 600_000);
      const fingerprint = (await page.getByTestId('fingerprint').textContent()) ?? '';
      expect(fingerprint).toMatch(/^[0-9a-f]{12}$/);
      if (k === 0) await screenshot(page, 'class-seat0');
      const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('share-run').click()]);
      expect(dl.suggestedFilename()).toBe(`${fingerprint}-seat${k}.tabula.json`);
      const file = join(dir, dl.suggestedFilename());
      await dl.saveAs(file);
      expect(problems(l)).toEqual([]);
      await ctx.close();
      return { fingerprint, file };
    };
    // One after another: three runs at once would only share the same cores.
    const seats = [];
    for (const k of [0, 1, 2]) seats.push(await seat(k));
    expect(new Set(seats.map((s) => s.fingerprint)).size).toBe(1);
    const card = JSON.parse(readFileSync(seats[1].file, 'utf8'));
    expect(card.seeds).toEqual([1]);
    expect(card.seat).toBe(1);

    const out = join(dir, 'pooled');
    await promisify(execFile)('node', [
      '--import',
      'tsx',
      'src/cli/pool.ts',
      ...seats.map((s) => s.file),
      '--out',
      out,
    ]);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.seeds).toBe(3);

    const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 }, acceptDownloads: true });
    const page = await ctx.newPage();
    await page.goto(`${base()}/?teacher`);
    // Cards come in as they are handed in: one, then the other two.
    await page.getByTestId('teacher-files').setInputFiles([seats[2].file]);
    await expect
      .poll(() => page.getByTestId('class-n').textContent(), { timeout: 60_000 })
      .toMatch(/n = 1 seed from 1 card/);
    await page.getByTestId('teacher-files').setInputFiles([seats[0].file, seats[1].file]);
    await expect
      .poll(() => page.getByTestId('class-n').textContent(), { timeout: 60_000 })
      .toContain(`Setup ${seats[0].fingerprint}: n = 3 seeds from 3 cards (seats 2, 0, 1).`);
    // Each number in a student's own verdict table's words and units (B: nats left, C: the ratio ×).
    for (const v of effectViews(report)) {
      const e = report.effects[v.key];
      const row = page.getByTestId(`class-verdict-${v.name[0]}`);
      expect(await row.getByTestId('class-verdict-label').textContent(), v.key).toBe(
        `${e.verdict}${e.detail ? ` — ${e.detail}` : ''}`,
      );
      expect(await row.getByTestId('class-verdict-interval').textContent(), v.key).toBe(v.interval);
      expect(v.interval, v.key).toMatch(/, 3 seeds\)$/);
    }
    expect(await page.getByTestId('class-power').textContent()).toBe(
      report.caveats.find((c: string) => c.startsWith('Power')),
    );
    await page.getByTestId('class-curves').locator('.recharts-line').first().waitFor({ timeout: 30_000 });
    await screenshot(page, 'class-teacher');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('class-export').click()]);
    const html = readFileSync(await dl.path(), 'utf8');
    expect(html).toContain('<h2>Pooled cards</h2>');
    expect(html).toContain(seats[0].fingerprint);
    await ctx.close();
  }, 2_400_000);

  it('drops a refusal from Left out once a good card for its seat is pooled, and exports the Left out list', async () => {
    const file = (c: unknown, name: string, cut = false) => {
      const f = join(dir, name);
      writeFileSync(f, cut ? JSON.stringify(c).slice(0, 2000) : JSON.stringify(c));
      return f;
    };
    const good = [0, 1, 2, 3].map((k) => file(seatCard(k), cardFileName(seatCard(k))));
    const l4 = seatCard(2, { config: { captionLevel: 'L4' } });
    const other = cardFileName(l4); // another setup's seat 2
    const cut = `cut-${cardFileName(seatCard(3))}`; // seat 3, cut short
    const l = await openPage(browser, `${base()}/?teacher`, { width: 1600, height: 1000 });
    const { page } = l;
    await page
      .getByTestId('teacher-files')
      .setInputFiles([good[0], good[1], file(l4, other), file(seatCard(3), cut, true)]);
    await expect.poll(() => page.getByTestId('class-n').textContent(), { timeout: 60_000 }).toMatch(/n = 2 seeds/);
    const refused = page.getByTestId('class-refused');
    expect(await refused.locator('li').allTextContents()).toEqual([
      expect.stringMatching(new RegExp(`^${cut}: damaged or cut short`)),
      expect.stringMatching(
        new RegExp(`^${other} \\(a page card, seat 2, tfjs/wasm\\): another setup .*caption level L4 vs L2`),
      ),
    ]);
    expect(await page.getByTestId('class-replaced').count()).toBe(0);
    // The students re-share seats 2 and 3 from the right setup: both refusals go, each named as replaced.
    await page.getByTestId('teacher-files').setInputFiles([good[2], good[3]]);
    await expect.poll(() => page.getByTestId('class-n').textContent(), { timeout: 60_000 }).toMatch(/n = 4 seeds/);
    expect(await refused.count()).toBe(0);
    expect(await page.getByTestId('class-replaced').textContent()).toBe(
      `Replaced: ${cut} (seat 3) by ${cardFileName(seatCard(3))}; ${other} (seat 2) by ${cardFileName(seatCard(2))}.`,
    );
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('class-export').click()]);
    const html = readFileSync(await dl.path(), 'utf8');
    expect(html).toContain('<h3>Left out</h3>');
    expect(html).toMatch(
      new RegExp(`<li>Refused ${cut}: damaged or cut short[^<]* — replaced by ${cardFileName(seatCard(3))}</li>`),
    );
    expect(html).toMatch(
      new RegExp(`<li>Refused ${other} \\(a page card[^<]* — replaced by ${cardFileName(seatCard(2))}</li>`),
    );
    expect(problems(l)).toEqual([]);
    await page.close();
  });
});
