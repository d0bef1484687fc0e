// Launches the system Chromium through playwright-core with the flags WebGPU and WebGL need headless (docs/tfjs-notes.md),
// and records console messages so tests can fail on warnings (WebGPU reports wrong results only as a warning).
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = 'test-results/e2e';

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--enable-unsafe-webgpu',
      '--enable-unsafe-swiftshader',
    ],
  });
}

export interface Logged {
  page: Page;
  messages: { type: string; text: string }[];
  pageErrors: string[];
}

export async function openPage(browser: Browser, url: string, viewport = { width: 1280, height: 900 }): Promise<Logged> {
  const page = await browser.newPage({ viewport });
  const logged: Logged = { page, messages: [], pageErrors: [] };
  page.on('console', (m: ConsoleMessage) => logged.messages.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => logged.pageErrors.push(e.message));
  await page.goto(url);
  return logged;
}

/** Page errors and console warnings and errors, all of them (WebGPU reports wrong results only as a warning). */
export function problems(l: Logged): string[] {
  return [
    ...l.pageErrors,
    ...l.messages
      .filter((m) => m.type === 'warning' || m.type === 'error')
      .map((m) => m.text),
  ];
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
