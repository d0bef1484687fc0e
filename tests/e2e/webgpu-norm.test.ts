// The WGSL LayerNorm, GELU and cross-entropy (src/core/nn/webgpu-norm.ts) on tfjs's WebGPU backend in Chromium
// (SwiftShader here), reached through ops.ts as the model reaches them: values and gradients against the cpu
// backend's tfjs op chains to float32 noise at odd shapes, the dispatches a call costs, a flat tensor count, and GPT
// train steps against cpu. The page code is tests/e2e/pages/webgpu-norm.ts, served by a Vite dev server so it imports
// the sources as the worker does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { launch } from './browser';

let browser: Browser;
let server: ViteDevServer;
let page: Page;
const pageErrors: string[] = [];

async function call(fn: string): Promise<Record<string, number | boolean | string>> {
  return page.evaluate(`new Promise((resolve, reject) => {
    const w = new Worker('/tests/e2e/pages/webgpu-norm.worker.ts', { type: 'module' });
    w.onerror = (e) => reject(new Error('worker: ' + e.message));
    w.onmessage = (e) => { w.terminate(); e.data.error ? reject(new Error(e.data.error)) : resolve(e.data.ok); };
    w.postMessage('${fn}');
  })`);
}

describe('WGSL LayerNorm, GELU and cross-entropy on WebGPU match tfjs ops on cpu', () => {
  beforeAll(async () => {
    browser = await launch();
    server = await createServer({
      server: { port: 0, host: '127.0.0.1', strictPort: false, hmr: false },
      logLevel: 'silent',
      // tfjs pre-bundled up front (its CommonJS dependencies need it), none found later (that would reload the page).
      optimizeDeps: {
        noDiscovery: true,
        include: [
          '@tensorflow/tfjs-core',
          '@tensorflow/tfjs-core/dist/register_all_gradients',
          '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops',
          '@tensorflow/tfjs-backend-cpu',
          '@tensorflow/tfjs-backend-webgpu',
        ],
      },
    });
    await server.listen();
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('the Vite dev server reported no URL');
    page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') pageErrors.push(m.text());
    });
    await page.goto(url + 'favicon.svg'); // a page of the server's origin that runs nothing
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const noWarnings = () =>
    // (the browser's own request for /favicon.ico is a 404 on the dev server; not ours)
    expect(pageErrors.filter((e) => !/powerPreference|Failed to load resource/.test(e))).toEqual([]);

  it('LayerNorm: y, dx, dgain, dbias equal the cpu chain; 1 dispatch forward, 5 with the backward; no tensor left', async () => {
    const r = await call('layerNormCheck');
    expect(r.backend).toBe('webgpu');
    expect(r.gpu).toBe(true);
    expect(r.counting).toBe(true);
    expect(r.spread as number).toBeGreaterThan(0.1); // every output is far from all-zero
    expect(r.diff as number).toBeLessThan(1e-5);
    expect(r.forward).toBe(1);
    expect(r.both).toBe(5);
    expect(r.grew).toBe(0);
    noWarnings();
  });

  it('GELU: y and dx equal the cpu chain; 1 dispatch forward, 2 with the backward; no tensor left', async () => {
    const r = await call('geluCheck');
    expect(r.gpu).toBe(true);
    expect(r.spread as number).toBeGreaterThan(0.1);
    expect(r.diff as number).toBeLessThan(1e-5);
    expect(r.forward).toBe(1);
    expect(r.both).toBe(2);
    expect(r.grew).toBe(0);
    noWarnings();
  });

  it('cross-entropy: NLL and dlogits equal the cpu chain, also for logits ±40; 1 dispatch forward, 2 with the backward', async () => {
    const r = await call('crossEntropyCheck');
    expect(r.gpu).toBe(true);
    expect(r.spread as number).toBeGreaterThan(0.1);
    expect(r.diff as number).toBeLessThan(1e-5);
    expect(r.forward).toBe(1);
    expect(r.both).toBe(2);
    expect(r.grew).toBe(0);
    noWarnings();
  });

  it('GPT: three train steps on webgpu give the cpu backend’s losses, gradient norms and LayerNorm weights', async () => {
    const r = await call('gptStepCheck');
    expect(r.gpu).toBe(true);
    expect(r.lossLast as number).toBeLessThan(r.lossFirst as number); // it trained
    expect(r.moved as number).toBeGreaterThan(1e-3);
    expect(r.losses as number).toBeLessThan(1e-5);
    expect(r.norms as number).toBeLessThan(1e-4);
    expect(r.weights as number).toBeLessThan(1e-4);
    noWarnings();
  });
});
