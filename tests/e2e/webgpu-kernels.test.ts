// The project's WGSL kernels (src/core/nn/webgpu-*.ts) on tfjs's WebGPU backend in Chromium (SwiftShader here),
// checked against tfjs's own ops on the same backend and on the cpu backend to float32 noise, and one optimizer
// update through AdamW.apply (which takes the WGSL path on webgpu) against the cpu backend's. The page code is
// tests/e2e/pages/webgpu-kernels.ts, served by a Vite dev server so it imports the sources as the worker does.
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
    const w = new Worker('/tests/e2e/pages/webgpu-kernels.worker.ts', { type: 'module' });
    w.onerror = (e) => reject(new Error('worker: ' + e.message));
    w.onmessage = (e) => { w.terminate(); e.data.error ? reject(new Error(e.data.error)) : resolve(e.data.ok); };
    w.postMessage('${fn}');
  })`);
}

describe('WGSL kernels on WebGPU match tfjs ops', () => {
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

  it('AdamW: new weights and moments (three dispatches) equal the tfjs chain on webgpu and on cpu', async () => {
    const r = await call('adamwCheck');
    expect(r.backend).toBe('webgpu');
    expect(r.gpu).toBe(true);
    // The update moved the values (a kernel that wrote its inputs back would fail here) ...
    expect(r.magnitude as number).toBeGreaterThan(1e-3);
    // ... and matches tfjs's ops to float32 noise (values are O(1)).
    expect(r.vsOps as number).toBeLessThan(2e-6);
    expect(r.vsCpu as number).toBeLessThan(2e-6);
    // (the browser's own request for /favicon.ico is a 404 on the dev server; not ours)
    expect(pageErrors.filter((e) => !/powerPreference|Failed to load resource/.test(e))).toEqual([]);
  });

  it('Σg² (one dispatch) equals tfjs sum(square) and a float64 sum to float32 rounding', async () => {
    const r = await call('sumSquaresCheck');
    expect(r.gpu).toBe(true);
    expect(r.smallest as number).toBeGreaterThan(0.01); // no size summed to ~0 (a kernel writing 0 would pass otherwise)
    expect(r.vsOps as number).toBeLessThan(1e-5);
    expect(r.vsF64 as number).toBeLessThan(1e-5);
  });

  it('Σg² over many tensors (six or seven a dispatch) and the clip scale equal float64 sums', async () => {
    const r = await call('sumSquaresManyCheck');
    expect(r.gpu).toBe(true);
    expect(r.counting).toBe(true);
    expect(r.smallest as number).toBeGreaterThan(0.01);
    expect(r.vsF64 as number).toBeLessThan(1e-5);
    expect(r.scaleVsF64 as number).toBeLessThan(1e-6);
    expect(r.wrongCounts).toBe(0);
  });

  it('AdamW.apply on webgpu (WGSL, packed moments) gives the cpu backend’s weights and clip norms over three steps', async () => {
    const r = await call('adamwStepCheck');
    expect(r.gpu).toBe(true);
    expect(r.moved as number).toBeGreaterThan(1e-3);
    expect(r.weights as number).toBeLessThan(2e-6);
    expect(r.norms as number).toBeLessThan(1e-5);
    // Seven parameters, clip on: Σg² (1 dispatch), √ (1), the clip scale (1), two moment groups, seven weights.
    expect(r.dispatches).toBe(12);
    // The optimizer's packed moments and every step's temporaries are freed (tensor count back where it began).
    expect(r.leaked).toBe(0);
  });
});
