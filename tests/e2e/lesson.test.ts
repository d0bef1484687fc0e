// The playground as a class meets it, without training: the first screen at 1440×900 (the question, the recorded
// answer as a sentence, curves with intervals and samples, its verdicts one click away, Play; the backend in one line), inputs typed freely and checked on commit, the whole setup
// in the URL, presets that say what they overwrite, a picked LM folder checked at once, bad drops that leave nothing
// behind, setups refused before Play (arms, memory), the recorded samples, an unsmoothed learning rate, the tour at
// 1440 and 390 px, a phone layout that fits, and a broken IndexedDB said as such. Screenshots in test-results/e2e.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { zipSync, strToU8 } from 'fflate';
import { ARTIFACTS, launch, openPage, problems, screenshot } from './browser';
import { rectOf } from './playground-helpers';
import { ARM_STYLES } from '../../src/core/experiment/palette';

let browser: Browser;
const base = () => inject('baseURL');
const recorded = JSON.parse(readFileSync('public/runs/cpu/report.json', 'utf8')) as {
  seeds: number;
  arms: string[];
  effects: Record<
    string,
    {
      verdict: string;
      diff: { mean: number; ci95: [number, number] };
      ratio?: { mean: number; ci95: [number, number] };
    }
  >;
};
const inView = (r: { top: number; bottom: number; left: number; right: number } | null, w: number, h: number) =>
  r !== null && r.top >= 0 && r.left >= 0 && r.bottom <= h && r.right <= w;

async function recordedReady(page: Page): Promise<void> {
  await page.getByTestId('recorded-verdict').waitFor({ state: 'attached', timeout: 60_000 });
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
}

describe('the lesson, before any training', () => {
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('answers the question on the first screen at 1440×900 in pictures: a plain sentence, the curves with intervals, the samples, Play; the verdicts one click away', async () => {
    const l = await openPage(browser, `${base()}/`, { width: 1440, height: 900 });
    await recordedReady(l.page);
    await l.page.getByTestId('plain-sentence').waitFor({ timeout: 60_000 });
    expect(await l.page.evaluate(() => window.scrollY)).toBe(0);
    // Issue 22: the verdict table moved behind a disclosure; the first screen shows the sentence and the pictures instead.
    for (const sel of [
      '[data-testid="question"]',
      '[data-testid="plain-sentence"]',
      '[data-testid="answer-loss"]',
      '[data-testid="answer-diff"]',
      '[data-testid="first-samples"] table',
      '[data-testid="recorded-details"] summary',
      '[data-testid="play"]',
    ])
      expect(inView(await rectOf(l.page, sel), 1440, 900), sel).toBe(true);
    expect(await l.page.getByTestId('question').textContent()).toMatch(
      /pre-trained on ordinary English help .* blank slate\?/,
    );
    // The sentence is built from report.json's effect A: its difference and interval (two significant figures), seeds, margin.
    const a = recorded.effects.image_loss;
    const sentence = (await l.page.getByTestId('plain-sentence').textContent())!.replace(/−/g, '-');
    for (const v of [Math.abs(a.diff.mean), ...a.diff.ci95])
      expect(sentence).toContain(Number(v.toPrecision(2)).toString());
    expect(sentence).toMatch(
      new RegExp(
        `After 560,000 training tokens, .*${recorded.seeds} seeds.*grey “no real difference” band \\(±0\\.05\\)`,
      ),
    );
    // The recorded run has the shuffled control: the sentence says what it shows, inside the same paragraph.
    expect(await l.page.getByTestId('control-sentence').textContent()).toMatch(/shuffled within each matrix/);
    // Below it, the same setup at 4× the steps (public/runs/budget): its own numbers, and a link to its report.
    const longer = JSON.parse(readFileSync('public/runs/budget/report.json', 'utf8')) as typeof recorded;
    const more = (await l.page.getByTestId('longer-sentence').textContent())!.replace(/−/g, '-');
    expect(more).toMatch(
      /^With 4× the training \(1,800 steps, each arm at its own swept rate; 8\.6 passes over the same training images\), another recorded run gave .* the pre-trained model over-fitting them\./,
    );
    for (const v of [Math.abs(longer.effects.image_loss.diff.mean), ...longer.effects.image_loss.diff.ci95])
      expect(more).toContain(Number(v.toPrecision(2)).toString());
    const longerHref = await l.page.getByTestId('longer-sentence').locator('a').getAttribute('href');
    expect((await l.page.request.get(new URL(longerHref!, l.page.url()).href)).status()).toBe(200);
    // The frozen runs (public/runs/frozen) behind one inline button, closed so the pictures stay on the first screen.
    expect(await l.page.getByTestId('frozen-sentence').count()).toBe(0);
    await l.page.getByTestId('frozen-toggle').click();
    await expect(l.page.getByTestId('frozen-toggle').getAttribute('aria-expanded')).resolves.toBe('true');
    expect(await l.page.getByTestId('frozen-sentence').textContent()).toMatch(
      /^ With the model's body frozen .* the same weights shuffled .* Its report\.$/,
    );
    const frozenHref = await l.page.getByTestId('frozen-sentence').locator('a').getAttribute('href');
    expect((await l.page.request.get(new URL(frozenHref!, l.page.url()).href)).status()).toBe(200);
    await l.page.getByTestId('frozen-toggle').click();
    expect(await l.page.getByTestId('frozen-sentence').count()).toBe(0);
    // The image-only pair and the English mix (public/runs/other-arms) behind a second one.
    expect(await l.page.getByTestId('others-sentence').count()).toBe(0);
    await l.page.getByTestId('others-toggle').click();
    expect(await l.page.getByTestId('others-sentence').textContent()).toMatch(
      /^ Trained on the images alone, with no captions at all, .* Fine-tuned with 25% ordinary English mixed into every batch, .* Its report\.$/,
    );
    const othersHref = await l.page.getByTestId('others-sentence').locator('a').getAttribute('href');
    expect((await l.page.request.get(new URL(othersHref!, l.page.url()).href)).status()).toBe(200);
    await l.page.getByTestId('others-toggle').click();
    // Both charts draw the recorded run: a line per arm with its interval, the difference over the grey band.
    await expect
      .poll(() => l.page.locator('[data-testid="answer-loss"] .recharts-line').count(), { timeout: 20_000 })
      .toBe(2);
    expect(await l.page.locator('[data-testid="answer-loss"] .recharts-area').count()).toBe(2);
    expect(await l.page.locator('[data-testid="answer-diff"] .recharts-reference-area').count()).toBe(1);
    expect(await l.page.locator('[data-testid="answer-diff"] .recharts-line').count()).toBe(1);
    // The samples: the real image and each arm's, for the same four captions, decoded from the recorded sections.html.
    const grid = l.page.getByTestId('first-samples');
    expect(await grid.getAttribute('data-source')).toBe('recorded');
    for (const row of ['real', 'pretrained', 'scratch'])
      expect(await grid.locator(`tr[data-row="${row}"] img`).count(), row).toBe(4);
    expect(
      await grid
        .locator('img')
        .first()
        .evaluate((img) => (img as HTMLImageElement).naturalWidth),
    ).toBe(32);
    expect(await l.page.getByTestId('samples-plainly').textContent()).toMatch(/not recognisable emoji/);
    // One click opens the statistics. Each effect: the verdict and the interval of report.json (to three significant figures), and a sentence.
    await l.page.locator('[data-testid="recorded-details"] summary').click();
    await l.page.getByTestId('recorded-verdict').waitFor();
    const rows = l.page.getByTestId('recorded-verdict').locator('tr');
    await expect(rows.count()).resolves.toBe(3);
    for (const key of ['image_loss', 'caption_gap', 'forgetting']) {
      const e = recorded.effects[key];
      const row = l.page.locator(`[data-testid="recorded-verdict"] tr[data-effect="${key}"]`);
      expect(await row.getAttribute('data-verdict')).toBe(e.verdict);
      const interval = (await l.page.getByTestId(`recorded-verdict-interval-${key}`).textContent())!.replace(/−/g, '-');
      // Forgetting is shown as the ratio (its diff is the log ratio); the others as their diff.
      for (const bound of (key === 'forgetting' ? e.ratio! : e.diff).ci95)
        expect(interval).toContain(Number(bound.toPrecision(3)).toString());
      expect(interval).toContain(`${recorded.seeds} seeds`);
      expect(((await row.textContent()) ?? '').length).toBeGreaterThan(60);
    }
    await l.page.screenshot({ path: join(ARTIFACTS, 'first-screen-statistics-open.png') });
    await l.page.locator('[data-testid="recorded-details"] summary').click();
    // The backend is one line; its details open with "why?".
    const line = await rectOf(l.page, '.banner-line');
    expect(line!.height).toBeLessThan(40);
    await expect(l.page.getByTestId('backend-details').count()).resolves.toBe(0);
    await l.page.getByTestId('backend-why').click();
    await l.page.getByTestId('backend-details').waitFor();
    expect(await l.page.getByTestId('backend-details').textContent()).toMatch(/Backend: auto/);
    await l.page.getByTestId('backend-why').click();
    await l.page.screenshot({ path: join(ARTIFACTS, 'readme-first-screen.png') });
    expect(problems(l)).toEqual([]);
    await l.page.close();
  });

  it('takes numbers as typed, checks them on commit with a message beside the field, and never changes one silently', async () => {
    const l = await openPage(browser, `${base()}/?preset=classroom#experiment`, { width: 1440, height: 900 });
    await recordedReady(l.page);
    const lr = l.page.getByTestId('field-lr');
    await lr.fill('0.0005');
    await lr.press('Enter');
    await expect.poll(() => l.page.evaluate(() => location.search)).toContain('lr=0.0005');
    expect(await lr.inputValue()).toBe('0.0005');
    await lr.fill('');
    await lr.press('Tab');
    await expect(l.page.getByTestId('field-lr-error').textContent()).resolves.toBe(
      'Learning rate is empty: type a number from 0.000001 to 1 (kept 0.0005)',
    );
    expect(await l.page.evaluate(() => location.search)).toContain('lr=0.0005'); // unchanged
    await lr.press('Escape');
    expect(await lr.inputValue()).toBe('0.0005');
    const seeds = l.page.getByTestId('field-seeds');
    await seeds.fill('12');
    await seeds.press('Enter');
    await expect(l.page.getByTestId('field-seeds-error').textContent()).resolves.toBe(
      'Seeds: 12 is above the largest allowed, 10 (kept 1)',
    );
    expect(await seeds.inputValue()).toBe('12'); // what was typed stays visible beside its message
    expect(await l.page.evaluate(() => location.search)).not.toContain('seeds=');
    // Play waits until the field is fixed, and says why.
    expect(await l.page.getByTestId('play').isDisabled()).toBe(true);
    expect(await l.page.getByTestId('setup-problems').textContent()).toContain(
      'Seeds: 12 is above the largest allowed',
    );
    await screenshot(l.page, 'inputs-refused');
    await seeds.fill('3');
    await seeds.press('Enter');
    await expect.poll(() => l.page.getByTestId('field-seeds-error').count()).toBe(0);
    expect(await l.page.evaluate(() => location.search)).toContain('seeds=3');
    expect(await l.page.getByTestId('play').isDisabled()).toBe(false);
    await l.page.close();
  });

  it('round-trips the whole setup through the URL — dataset and caption level included — and presets say what they overwrite', async () => {
    const l = await openPage(browser, `${base()}/?preset=custom&from=classroom&level=L4&seeds=3&data=noto#data`, {
      width: 1440,
      height: 900,
    });
    await recordedReady(l.page);
    await expect(l.page.locator('input[name="dataset"]').nth(1).isChecked()).resolves.toBe(true); // Noto
    await expect(l.page.locator('input[name="level"]').nth(4).isChecked()).resolves.toBe(true); // L4
    await l.page.locator('input[name="level"]').nth(1).check(); // L1
    await expect.poll(() => l.page.evaluate(() => location.search)).toContain('level=L1');
    await l.page.locator('input[name="dataset"]').nth(0).check(); // Twemoji: the default, left out of the link
    await expect.poll(() => l.page.evaluate(() => location.search)).not.toContain('data=');
    await l.page.locator('input[name="dataset"]').nth(1).check();
    await expect.poll(() => l.page.evaluate(() => location.search)).toContain('data=noto');
    // A reload of that link gives the same setup back.
    await l.page.reload();
    await recordedReady(l.page);
    await expect(l.page.locator('input[name="level"]').nth(1).isChecked()).resolves.toBe(true);
    await expect(l.page.locator('input[name="dataset"]').nth(1).isChecked()).resolves.toBe(true);
    // A preset over a custom setup first says what it would overwrite.
    await l.page.getByTestId('tab-experiment').click();
    await l.page.getByTestId('preset-cpu').click(); // the radio stays as it is until the change is confirmed
    const ask = l.page.getByTestId('preset-confirm');
    await ask.waitFor();
    expect(await ask.textContent()).toMatch(/^cpu will overwrite your setup: .*caption level L1 → L2.*steps 600 → 450/);
    await screenshot(l.page, 'preset-confirm');
    await ask.getByText('Keep my setup').click();
    expect(await l.page.evaluate(() => location.search)).toContain('level=L1');
    await l.page.getByTestId('preset-cpu').click();
    await l.page.getByTestId('preset-apply').click();
    await expect.poll(() => l.page.evaluate(() => location.search)).toBe('?preset=cpu&data=noto');
    expect(await l.page.getByTestId('preset-changed').textContent()).toContain('caption level L1 → L2');
    await l.page.close();
  });

  it('refuses before Play a setup without both compared arms, or too big for memory, with the reason', async () => {
    const l = await openPage(browser, `${base()}/?preset=replication&batch=512#experiment`, {
      width: 1440,
      height: 900,
    });
    await recordedReady(l.page);
    await expect
      .poll(
        async () =>
          (await l.page
            .getByTestId('setup-problems')
            .textContent()
            .catch(() => '')) ?? '',
        { timeout: 60_000 },
      )
      .toMatch(
        /^This setup needs about \d+(\.\d)? GB \(27 runs × .* batch of 512 × 95 ids.*\), but wasm can use 4\.0 GB .*: lower the batch size/,
      );
    expect(await l.page.getByTestId('play').isDisabled()).toBe(true);
    await expect(l.page.getByTestId('memory-estimate').textContent()).resolves.toMatch(
      /Memory: about \d+(\.\d)? GB of the 4\.0 GB wasm can use/,
    );
    await screenshot(l.page, 'refused-memory');
    await l.page.goto(`${base()}/?preset=smoke#experiment`);
    await recordedReady(l.page);
    await l.page.getByTestId('arm-scratch').uncheck();
    await expect(l.page.getByTestId('setup-problems').textContent()).resolves.toBe(
      'The verdict compares the pretrained and scratch arms: tick scratch (the other arms are extras).',
    );
    expect(await l.page.getByTestId('play').isDisabled()).toBe(true);
    expect(await l.page.getByTestId('controls').getAttribute('data-phase')).toBe('idle'); // nothing was started
    await l.page.close();
  });

  it('checks a picked LM folder at once, and a bad drop leaves the dataset as it was', async () => {
    const l = await openPage(browser, `${base()}/#experiment`, { width: 1440, height: 900 });
    await recordedReady(l.page);
    await l.page.getByTestId('lm-info').waitFor({ timeout: 60_000 });
    const junk = join(mkdtempSync(join(tmpdir(), 'lm-')), 'junk');
    mkdirSync(junk);
    writeFileSync(
      join(junk, 'config.json'),
      '{"model_type":"gpt2","vocab_size":50,"n_positions":8,"n_embd":8,"n_layer":1,"n_head":2}',
    );
    writeFileSync(join(junk, 'model.safetensors'), 'not a safetensors file at all');
    await l.page.getByTestId('lm-folder').setInputFiles(junk);
    const err = l.page.getByTestId('lm-error');
    await err.waitFor({ timeout: 60_000 });
    expect(await err.textContent()).toMatch(/model\.safetensors.*The LM is still the shipped one\./);
    expect(await l.page.locator('input[name="lm"]').isChecked()).toBe(true); // still the shipped one
    expect(await l.page.evaluate(() => location.search)).not.toContain('lm=');
    await screenshot(l.page, 'lm-folder-refused');
    // A real GPT-2-layout folder is read and described, and named in the link.
    await l.page.getByTestId('lm-folder').setInputFiles('public/models/lm-austen');
    await expect
      .poll(() => l.page.getByTestId('lm-info').textContent(), { timeout: 60_000 })
      .toMatch(
        /^lm-austen: 4 layers, width 128, 4 heads, context 96, 2,048 text ids, \d\.\d\dM parameters \(tokenizer\.json\)\.$/,
      );
    await expect.poll(() => l.page.evaluate(() => decodeURIComponent(location.search))).toContain('lm=own:lm-austen');
    expect(await l.page.getByTestId('lm-error').count()).toBe(0);

    await l.page.getByTestId('tab-data').click();
    await l.page.getByTestId('data-summary').waitFor({ timeout: 60_000 });
    const before = await l.page.getByTestId('data-summary').getAttribute('data-images');
    await l.page.getByTestId('byod-zip').setInputFiles({
      name: 'empty.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from(zipSync({ 'captions.csv': strToU8('file,caption\n') })),
    });
    const dataError = l.page.getByTestId('data-error');
    await dataError.waitFor({ timeout: 60_000 });
    expect(await dataError.textContent()).toMatch(
      /^empty\.zip: .*Nothing was loaded from it: the dataset is still Twemoji \(below\)\.$/,
    );
    expect(await l.page.locator('input[name="dataset"]').nth(0).isChecked()).toBe(true);
    expect(await l.page.getByTestId('data-summary').getAttribute('data-images')).toBe(before);
    const png = new PNG({ width: 4, height: 4 });
    await l.page
      .getByTestId('byod-zip')
      .setInputFiles({ name: 'cat.png', mimeType: 'image/png', buffer: PNG.sync.write(png) });
    await expect
      .poll(() => dataError.textContent())
      .toMatch(/^cat\.png: not a \.zip.*the dataset is still Twemoji \(below\)\.$/);
    await screenshot(l.page, 'panel-data-bad-drop');
    expect(problems(l)).toEqual([]);
    await l.page.close();
  });

  it('links every recorded run’s report from the report panel, and each one opens', async () => {
    const l = await openPage(browser, `${base()}/#report`, { width: 1440, height: 900 });
    const more = l.page.getByTestId('more-recorded');
    await more.waitFor();
    const hrefs = await more.locator('a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(hrefs.map((h) => new URL(h).pathname.replace(/^.*\/runs\//, 'runs/'))).toEqual([
      'runs/budget/report.html',
      'runs/frozen/report.html',
      'runs/other-arms/report.html',
      ...['levels-cpu/L0', 'levels-cpu/L1', 'cpu', 'levels-cpu/L3', 'levels-cpu/L4'].map(
        (d) => `runs/${d}/report.html`,
      ),
      'runs/class-lesson/report.html',
      'runs/cpu-austen/report.html',
      'runs/arms/report.html',
      ...['L0', 'L1', 'L2', 'L3', 'L4'].map((L) => `runs/levels/${L}/report.html`),
    ]);
    for (const href of hrefs) {
      const res = await l.page.request.get(href);
      expect(res.status(), href).toBe(200);
      expect(await res.text(), href).toMatch(/<title>Tabula Rasa — (cpu|lesson) replication<\/title>/);
    }
    await l.page.close();
  });

  it('shows the recorded run’s samples before any run, the learning rate as logged, and legends', async () => {
    const l = await openPage(browser, `${base()}/#samples`, { width: 1440, height: 900 });
    await recordedReady(l.page);
    const grid = l.page.getByTestId('samples-recorded');
    await grid.waitFor();
    expect(await grid.locator('tbody tr th').allTextContents()).toEqual(['real', ...recorded.arms]);
    expect(await grid.locator('img').count()).toBe((1 + recorded.arms.length) * 8);
    expect(
      await grid
        .locator('img')
        .first()
        .evaluate((img) => (img as HTMLImageElement).naturalWidth),
    ).toBe(32);
    await screenshot(l.page, 'panel-samples-recorded');
    await l.page.getByTestId('tab-experiment').click();
    await expect(l.page.getByTestId('chart-lr').getAttribute('data-smoothing')).resolves.toBe('0');
    expect(await l.page.getByTestId('chart-image-loss').getAttribute('data-smoothing')).not.toBe('0');
    expect(await l.page.getByTestId('chart-legend').textContent()).toMatch(/pretrained.*scratch/);
    await l.page.close();
  });

  for (const [w, h] of [
    [1440, 900],
    [390, 844],
  ]) {
    it(`walks the tour at ${w} px: each step scrolls to what it names, outlines it and never covers it`, async () => {
      const l = await openPage(browser, `${base()}/`, { width: w, height: h });
      await recordedReady(l.page);
      await l.page.getByTestId('tour-start').click();
      const tour = l.page.getByTestId('tour');
      for (let step = 0; ; step++) {
        await expect.poll(() => tour.getAttribute('data-step')).toBe(String(step));
        const target = (await tour.getAttribute('data-target'))!;
        // Placed: the target outlined, in view under the strip, and the box on screen beside, under or over it.
        await expect
          .poll(() => l.page.evaluate(() => document.querySelectorAll('.tour-target').length), { timeout: 20_000 })
          .toBe(1);
        // A step naming several selectors outlines the first one once it renders (the data step: the grid of images
        // it talks about, not the card above it, which stands in while the images are read).
        if (target.includes('data-grid'))
          await expect
            .poll(() => l.page.evaluate(() => document.querySelector('.tour-target')?.getAttribute('data-testid')), {
              timeout: 20_000,
            })
            .toBe('data-grid');
        const geometry = async () =>
          l.page.evaluate(() => {
            const box = document.querySelector('[data-testid="tour"]')!.getBoundingClientRect();
            const t = document.querySelector('.tour-target')!.getBoundingClientRect();
            const overlap = !(box.right <= t.left || box.left >= t.right || box.bottom <= t.top || box.top >= t.bottom);
            return {
              overlap,
              boxOn: box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight && box.right <= innerWidth,
              targetTopVisible: t.top >= 0 && t.top < innerHeight,
            };
          });
        await expect
          .poll(geometry, { timeout: 10_000 })
          .toEqual({ overlap: false, boxOn: true, targetTopVisible: true });
        expect(
          await l.page.evaluate(
            (sel) =>
              document.querySelector(sel)?.classList.contains('tour-target') ||
              [...document.querySelectorAll(sel)].some((e) => e.classList.contains('tour-target')),
            target,
          ),
        ).toBe(true);
        const text = (await l.page.getByTestId('tour-text').textContent())!;
        if (target.includes('vq-reconstructions')) {
          // The tour and the panel describe the picture's rows alike.
          expect(await l.page.getByText(/Rows 1 and 3: validation originals/).count()).toBe(1);
          expect(text).toContain('rows 1 and 3 are real emoji');
        }
        if (target.includes('word-like'))
          expect(text).toContain(
            (await l.page.getByTestId('word-like').textContent())!.split('. ').slice(-1)[0].split(' (')[0],
          );
        if (target.includes('chart-image-loss')) {
          // The line the text calls orange is drawn in the palette's colour for the pre-trained arm.
          const stroke = await l.page.evaluate(
            (c) => document.querySelector(`[data-testid="chart-image-loss"] path[stroke="${c}"]`) !== null,
            ARM_STYLES.pretrained.colour,
          );
          expect(stroke).toBe(true);
          expect(text).toMatch(/the orange line \(pre-trained\)/);
        }
        if (step === 1 || step === 5 || step === 9) await screenshot(l.page, `tour-${w}-step-${step}`);
        const next = l.page.getByTestId('tour-next');
        if (!(await next.count())) break;
        await next.click();
      }
      expect(problems(l)).toEqual([]);
      await l.page.close();
    });
  }

  it('fits a phone: the verdict table and the report fit 390 px, and a chart tooltip stays on screen', async () => {
    const l = await openPage(browser, `${base()}/`, { width: 390, height: 844 });
    await recordedReady(l.page);
    const width = () => l.page.evaluate(() => document.documentElement.scrollWidth);
    expect(await width()).toBeLessThanOrEqual(390);
    // The pictures stack, each within the screen; the statistics open within it too.
    for (const sel of ['[data-testid="answer-loss"]', '[data-testid="answer-diff"]', '[data-testid="first-samples"]'])
      expect((await rectOf(l.page, sel))!.right, sel).toBeLessThanOrEqual(390);
    const loss = (await rectOf(l.page, '[data-testid="answer-loss"]'))!;
    expect((await rectOf(l.page, '[data-testid="answer-diff"]'))!.top).toBeGreaterThanOrEqual(loss.bottom);
    await l.page.locator('[data-testid="recorded-details"] summary').click();
    const table = await rectOf(l.page, '[data-testid="recorded-verdict"]');
    expect(table!.width).toBeGreaterThan(0);
    expect(table!.right).toBeLessThanOrEqual(390);
    expect(await width()).toBeLessThanOrEqual(390);
    await screenshot(l.page, 'phone-first-screen');
    for (const panel of ['report', 'analysis', 'samples', 'experiment']) {
      await l.page.getByTestId(`tab-${panel}`).click();
      await l.page.getByTestId(`panel-${panel}`).waitFor();
      expect(await width(), panel).toBeLessThanOrEqual(390);
    }
    const chart = l.page.getByTestId('chart-caption-loss');
    await chart.scrollIntoViewIfNeeded();
    await expect.poll(() => chart.locator('.recharts-surface').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    const box = (await chart.locator('.recharts-surface').boundingBox())!;
    await l.page.mouse.move(box.x + box.width * 0.85, box.y + box.height / 2); // near the right edge, over the last points
    const tip = l.page.locator('[data-testid="chart-caption-loss"] .recharts-tooltip-wrapper');
    await expect.poll(() => tip.evaluate((e) => getComputedStyle(e).visibility), { timeout: 10_000 }).toBe('visible');
    const r = (await tip.boundingBox())!;
    expect(r.x).toBeGreaterThanOrEqual(0);
    expect(r.x + r.width).toBeLessThanOrEqual(390);
    await screenshot(l.page, 'phone-experiment-tooltip');
    await l.page.getByTestId('tab-report').click();
    await screenshot(l.page, 'phone-report');
    await l.page.close();
  });

  it('says when the browser’s saved runs cannot be read, instead of showing no run', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await ctx.addInitScript(() => {
      const open = IDBFactory.prototype.open;
      IDBFactory.prototype.open = function (name: string, version?: number) {
        if (name === 'tabula-rasa') throw new DOMException('storage is disabled for this test', 'InvalidStateError');
        return open.call(this, name, version);
      };
    });
    const page = await ctx.newPage();
    await page.goto(`${base()}/`);
    await expect
      .poll(
        async () =>
          (await page
            .getByTestId('run-notice')
            .textContent()
            .catch(() => '')) ?? '',
        { timeout: 60_000 },
      )
      .toMatch(/^Could not read the runs saved in this browser \(storage is disabled for this test\)/);
    await screenshot(page, 'indexeddb-unreadable');
    await ctx.close();
  });
});
