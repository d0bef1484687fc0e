// Offline and zero-install (docs/teachers.md): the built site's service worker keeps the app, data and models after
// the first load, so with the network gone a reload still starts the app and Play trains to its first points; and on
// a host that sends no COOP/COEP (a plain static server here), the same worker makes the page cross-origin isolated.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { playgroundPage, points, waitPhase } from './playground-helpers';
import { launch, problems } from './browser';

let browser: Browser;
const base = () => inject('baseURL');

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
};

/** dist/ over plain HTTP with no cross-origin-isolation headers, as a simple static host serves it. */
function plainHost(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join('dist', path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith('dist')) return void res.writeHead(403).end();
    readFile(file).then(
      (b) => res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(b),
      () => res.writeHead(404).end(),
    );
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` }),
    ),
  );
}

const offlineState = (page: Page) => page.evaluate(() => document.documentElement.dataset.offline ?? '');

describe('offline', () => {
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('after one load, a reload with the network gone starts the app and Play trains to its first points', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const l = await playgroundPage(ctx, `${base()}/?sw=1&preset=smoke&steps=24&eval=8#experiment`);
    const { page } = l;
    await expect.poll(() => offlineState(page), { timeout: 240_000, interval: 500 }).toBe('ready');
    // Every file of the build but the bench page is kept.
    const [kept, total] = (await page.evaluate(() => document.documentElement.dataset.offlineFiles ?? ''))
      .split('/')
      .map(Number);
    expect(kept).toBe(total);
    expect(total).toBeGreaterThan(40);
    await expect(page.getByTestId('offline-note').textContent()).resolves.toMatch(
      /kept in this browser for offline use/,
    );

    await ctx.setOffline(true);
    const reloaded = await page.reload();
    expect(reloaded?.fromServiceWorker()).toBe(true);
    await page.getByTestId('backend').waitFor({ timeout: 60_000 });
    await page.getByTestId('recorded-verdict').waitFor({ state: 'attached', timeout: 60_000 });
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
    await page.getByTestId('play').click();
    await waitPhase(page, ['running', 'finishing', 'done']);
    await expect
      .poll(() => points(page, 'chart-image-loss'), { timeout: 180_000, interval: 500 })
      .toBeGreaterThanOrEqual(2);
    // The network errors of going offline are the only thing the console may hold; no page error.
    expect(l.pageErrors).toEqual([]);
    expect(problems(l).filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(p))).toEqual([]);
    await ctx.close();
  });

  it('on a host without COOP/COEP headers the service worker makes the page cross-origin isolated (one reload)', async () => {
    const { server, url } = await plainHost();
    try {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await ctx.newPage();
      const head = await page.request.get(`${url}/`);
      expect(head.headers()['cross-origin-embedder-policy']).toBeUndefined();
      await page.goto(`${url}/?sw=1`);
      await expect
        .poll(() => page.evaluate(() => window.crossOriginIsolated).catch(() => false), {
          timeout: 120_000,
          interval: 500,
        })
        .toBe(true);
      await page.getByTestId('backend').waitFor({ timeout: 60_000 });
      expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
      await ctx.close();
    } finally {
      server.close();
    }
  });
});
