// Threads in the browser, in the built bundle: the page is cross-origin isolated and wasm runs tfjs's threaded build on
// one thread per core (the hang of design.md §10 is gone); served without COOP/COEP it runs on one thread and the
// banner says why. The benchmark page (bench.html, `npm run bench:browser`) answers with a well-formed bench line.
// No speed is asserted.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { withoutIsolation } from '../../src/cli/browser/chromium';
import type { BrowserBenchResult } from '../../src/worker/bench-protocol';
import { launch, openPage, problems } from './browser';

let browser: Browser;
const base = () => inject('baseURL');
const TINY = 'layers=1&embd=16&heads=2&vocab=64&context=16&batch=2&warmup=1&steps=2';

async function benchLine(url: string, strip = false): Promise<BrowserBenchResult> {
  const page = await browser.newPage();
  if (strip) await withoutIsolation(page);
  await page.goto(url);
  const result = page.locator('#result:not([data-state="running"])');
  await result.waitFor({ timeout: 120_000 });
  const text = (await result.textContent()) ?? '';
  expect(await result.getAttribute('data-state'), text).toBe('done');
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  await page.close();
  return JSON.parse(text) as BrowserBenchResult;
}

describe('wasm threads in the browser', () => {
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the app is cross-origin isolated and runs wasm on one thread per core', async () => {
    const l = await openPage(browser, `${base()}/?backend=wasm`);
    await l.page.getByTestId('backend').waitFor({ timeout: 60_000 });
    const { isolated, cores } = await l.page.evaluate(() => ({
      isolated: self.crossOriginIsolated,
      cores: navigator.hardwareConcurrency,
    }));
    expect(isolated).toBe(true);
    await l.page.getByTestId('backend-why').click();
    const threads = l.page.getByTestId('wasm-threads');
    expect(Number(await threads.getAttribute('data-threads'))).toBe(Math.min(cores, 8));
    if (cores > 1)
      await expect(threads.textContent()).resolves.toMatch(new RegExp(`${Math.min(cores, 8)} threads, one per core`));
    await expect(l.page.getByTestId('device-strip').textContent()).resolves.toMatch(/× \d+ threads?/);
    // The threaded build computes: the self-test trains and leaks nothing.
    await l.page.getByTestId('self-test-run').click();
    const result = l.page.getByTestId('self-test-result');
    await result.waitFor({ timeout: 120_000 });
    const losses = JSON.parse((await result.getAttribute('data-losses'))!) as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    expect(problems(l)).toEqual([]);
    await l.page.close();
  });

  it('served without the isolation headers, it runs on one thread and says why', async () => {
    const page = await browser.newPage();
    await withoutIsolation(page);
    await page.goto(`${base()}/?backend=wasm`);
    await page.getByTestId('backend').waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(false);
    await page.getByTestId('backend-why').click();
    const threads = page.getByTestId('wasm-threads');
    expect(await threads.getAttribute('data-threads')).toBe('1');
    await expect(threads.textContent()).resolves.toMatch(
      /not cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/,
    );
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    await page.close();
  });

  it('bench.html answers with the bench contract’s line plus the browser’s fields', async () => {
    const r = await benchLine(`${base()}/bench.html?backend=wasm&${TINY}`);
    expect(r).toMatchObject({
      backend: 'wasm',
      config: { layers: 1, embd: 16, heads: 2, vocab: 64, context: 16, batch: 2, warmup: 1, steps: 2 },
      cross_origin_isolated: true,
    });
    for (const k of [
      'tokens_per_s',
      'ms_per_step',
      'mfu',
      'matmul_gflops',
      'model_gflops',
      'params',
      'flops_per_token',
      'loss_first',
      'loss_last',
    ] as const)
      expect(Number.isFinite(r[k]) && r[k] > 0, k).toBe(true);
    expect(r.step_ms).toHaveLength(2);
    expect(r.tensors_after).toBe(r.tensors_before);
    expect(r.threads).toBe(Math.min(r.env.cores, 8));
    expect(r.env).toMatchObject({ threads: r.threads, cross_origin_isolated: true });
    const one = await benchLine(`${base()}/bench.html?backend=wasm&threads=1&${TINY}`);
    expect(one.threads).toBe(1);
    expect(one.threads_detail).toBe('one thread, as requested');
    expect(one.loss_last).toBeCloseTo(r.loss_last, 4); // the same steps on one thread and on several
    const plain = await benchLine(`${base()}/bench.html?backend=wasm&${TINY}`, true);
    expect(plain).toMatchObject({ threads: 1, cross_origin_isolated: false });
  });

  it('bench.html names a bad query field', async () => {
    const page = await browser.newPage();
    await page.goto(`${base()}/bench.html?backend=wasm&batch=0`);
    const result = page.locator('#result:not([data-state="running"])');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.getAttribute('data-state')).toBe('failed');
    await expect(result.textContent()).resolves.toMatch(/batch must be an integer ≥ 1, got 0/);
    await page.close();
  });
});
