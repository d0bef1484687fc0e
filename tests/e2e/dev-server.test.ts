// `npm start` — the README's first command — serves the app from Vite's dev server, which pre-bundles each dependency
// import on its own (unlike the production build the other browser tests load): the worker must start a backend
// there too. A fresh pre-bundle cache each time, as a new clone has. Once it failed with "Cannot evaluate flag
// 'DEBUG'" (tfjs-core's gradients chunk ran before its flags chunk; src/core/tfjs-register.browser.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, openPage, problems } from './browser';

let browser: Browser;
let server: ViteDevServer;
const cacheDir = mkdtempSync(join(tmpdir(), 'tabula-vite-'));

describe('the dev server (npm start)', () => {
  beforeAll(async () => {
    server = await createServer({
      cacheDir,
      logLevel: 'warn',
      server: { port: 0, host: '127.0.0.1', strictPort: false, open: false },
    });
    await server.listen();
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('starts a compute backend in the worker and shows the recorded answer', async () => {
    const url = server.resolvedUrls?.local[0];
    expect(url).toBeTruthy();
    const l = await openPage(browser, url!, { width: 1440, height: 900 });
    const banner = l.page.getByTestId('backend-banner');
    // The backend probe decides (ready) or fails (error): either way the status leaves 'starting'.
    await l.page.waitForFunction(
      () =>
        ['ready', 'error'].includes(
          document.querySelector('[data-testid="backend-banner"]')?.getAttribute('data-status') ?? '',
        ),
      undefined,
      { timeout: 150_000 },
    );
    expect(await banner.textContent()).not.toContain('No backend could start');
    expect(await l.page.getByTestId('backend').getAttribute('data-backend')).toMatch(/^(webgpu|webgl|wasm|cpu)$/);
    await l.page.getByTestId('plain-sentence').waitFor({ timeout: 60_000 });
    expect(l.pageErrors).toEqual([]);
    expect(problems(l).filter((p) => /DEBUG|worker failed/.test(p))).toEqual([]);
    await l.page.close();
  });
});
