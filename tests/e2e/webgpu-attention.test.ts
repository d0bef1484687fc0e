// The fused causal self-attention of src/core/nn/webgpu-attention.ts on tfjs's WebGPU backend in Chromium
// (SwiftShader here), reached through attention.ts's causalSelfAttention: values and gradients against the cpu
// backend's tfjs op chain and against tfjs ops on webgpu, to float32 noise, with its dispatch and tensor counts.
// The page code is tests/e2e/pages/webgpu-attention.ts, served by a Vite dev server so it imports the sources as the worker does.
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
    const w = new Worker('/tests/e2e/pages/webgpu-attention.worker.ts', { type: 'module' });
    w.onerror = (e) => reject(new Error('worker: ' + e.message));
    w.onmessage = (e) => { w.terminate(); e.data.error ? reject(new Error(e.data.error)) : resolve(e.data.ok); };
    w.postMessage('${fn}');
  })`);
}

describe('fused WGSL attention on WebGPU matches tfjs ops', () => {
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

  it('causal attention (one dispatch forward, two backward) equals the tfjs chain on cpu and tfjs ops on webgpu', async () => {
    const r = await call('attentionCheck');
    expect(r.backend).toBe('webgpu');
    expect(r.gpu).toBe(true);
    expect(r.counting).toBe(true);
    // The references are not all zero (the differences below are relative to their largest value) ...
    expect(r.yMagnitude as number).toBeGreaterThan(0.1);
    expect(r.gMagnitude as number).toBeGreaterThan(0.1);
    // ... and values and gradients agree to float32 noise with the cpu backend's op chain and webgpu's tfjs ops.
    expect(r.yVsCpu as number).toBeLessThan(1e-5);
    expect(r.gVsCpu as number).toBeLessThan(1e-5);
    expect(r.yVsOps as number).toBeLessThan(1e-5);
    expect(r.gVsOps as number).toBeLessThan(1e-5);
    // The WGSL path: one dispatch forward, three with the backward; no tensor left behind.
    expect(r.fwdDispatches).toBe(1);
    expect(r.stepDispatches).toBe(3);
    expect(r.leaked).toBe(0);
    // (the browser's own request for /favicon.ico is a 404 on the dev server; not ours)
    expect(pageErrors.filter((e) => !/powerPreference|Failed to load resource/.test(e))).toEqual([]);
  });
});
