/**
 * The system Chromium for the Node scripts and browser tests: launched headless through playwright-core with the
 * flags WebGPU and WebGL need here (design.md §10), and the built app served by `vite preview` (cross-origin
 * isolated, as vite.config.ts says) on a free port.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, preview } from 'vite';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export interface Served {
  url: string;
  close: () => Promise<void>;
}

/**
 * `vite build` (unless `rebuild` is false and dist/ exists), then `vite preview` on a free port. `root` serves another
 * checkout with its own vite.config (e.g. an earlier commit, to compare).
 */
export async function serveBuiltApp(rebuild = true, root = '.'): Promise<Served> {
  if (rebuild || !existsSync(join(root, 'dist/index.html')) || (root === '.' && !existsSync('dist/bench.html')))
    await build({ root, logLevel: 'warn' });
  const server = await preview({ root, preview: { port: 0, host: '127.0.0.1', strictPort: false }, logLevel: 'warn' });
  const url = server.resolvedUrls?.local[0]?.replace(/\/$/, '');
  if (!url) throw new Error('vite preview did not report a URL');
  return { url, close: () => server.close() };
}

/**
 * Serve this page's responses without the cross-origin isolation headers, as a static host that sends none would:
 * the page then has no SharedArrayBuffer and wasm runs on one thread. Close such a page after
 * `page.unrouteAll({ behavior: 'ignoreErrors' })`: requests still in flight are then dropped quietly.
 */
export async function withoutIsolation(page: Page): Promise<void> {
  await page.route('**/*', async (route) => {
    let response;
    try {
      response = await route.fetch();
    } catch {
      return; // the page closed while this request was in flight: nothing left to answer
    }
    const headers = { ...response.headers() };
    delete headers['cross-origin-opener-policy'];
    delete headers['cross-origin-embedder-policy'];
    await route.fulfill({ response, headers }).catch(() => {});
  });
}
