// Offline and zero-install (docs/teachers.md): the built site's service worker keeps the app, data and models after
// the first load, so with the network gone — the page's own server shut down, not only the browser's offline
// emulation, which Chromium applies to the page but not to its service worker — a reload still starts the app and
// Play trains to its first points; and on a host that sends no COOP/COEP (a plain static server here), the same
// worker makes the page cross-origin isolated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { playgroundPage, points, waitPhase } from './playground-helpers';
import { launch, problems } from './browser';
import { ISOLATION_HEADERS } from '../../vite.config';

let browser: Browser;

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

/** dist/ over plain HTTP with the given headers (none: as a simple static host serves it). */
function plainHost(headers: Record<string, string> = {}): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join('dist', path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith('dist')) return void res.writeHead(403).end();
    readFile(file).then(
      (b) =>
        res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(b),
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
    // Its own server, with the isolation headers vite preview sends, so the test can take it away.
    const { server, url } = await plainHost(ISOLATION_HEADERS);
    let serving = true;
    try {
      const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const l = await playgroundPage(ctx, `${url}/?sw=1&preset=smoke&steps=24&eval=8#experiment`);
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

      // The network gone: the server shut (open connections cut) and the browser offline.
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      serving = false;
      await ctx.setOffline(true);
      // A POST, which the service worker leaves to the network (it answers a missing GET itself, with a 404).
      const gone = await page.evaluate(
        (u) =>
          fetch(`${u}/`, { method: 'POST' }).then(
            (r) => `answered ${r.status}`,
            () => 'no answer',
          ),
        url,
      );
      expect(gone).toBe('no answer');
      const reloaded = await page.reload();
      expect(reloaded?.fromServiceWorker()).toBe(true);
      await page.getByTestId('backend').waitFor({ timeout: 60_000 });
      await page.getByTestId('recorded-verdict').waitFor({ state: 'attached', timeout: 60_000 });
      expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
      await page.getByTestId('play').click();
      await waitPhase(page, ['running', 'finishing', 'done']);
      await expect
        .poll(() => points(page, 'chart-image-loss'), { timeout: 180_000, interval: 500 })
        .toBeGreaterThanOrEqual(2);
      // The network errors of going offline are the only thing the console may hold; no page error.
      expect(l.pageErrors).toEqual([]);
      expect(
        problems(l).filter(
          (p) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|Failed to load resource|Failed to fetch/.test(p),
        ),
      ).toEqual([]);
      await ctx.close();
    } finally {
      if (serving) server.close();
    }
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
