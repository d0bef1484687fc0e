// Launches the system Chromium through playwright-core with the flags WebGPU and WebGL need headless (docs/tfjs-notes.md;
// src/cli/browser/chromium.ts, shared with the benchmark scripts),
// and records console messages so tests can fail on warnings (WebGPU reports wrong results only as a warning).
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { launchChromium } from '../../src/cli/browser/chromium';
import { join } from 'node:path';

export const ARTIFACTS = 'test-results/e2e';

export async function launch(): Promise<Browser> {
  return launchChromium();
}

export interface Logged {
  page: Page;
  messages: { type: string; text: string }[];
  pageErrors: string[];
}

export async function openPage(
  browser: Browser,
  url: string,
  viewport = { width: 1280, height: 900 },
): Promise<Logged> {
  const page = await browser.newPage({ viewport });
  const logged: Logged = { page, messages: [], pageErrors: [] };
  page.on('console', (m: ConsoleMessage) => logged.messages.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => logged.pageErrors.push(e.message));
  await page.goto(url);
  return logged;
}

/** Page errors and console warnings and errors, all of them (WebGPU reports wrong results only as a warning). */
export function problems(l: Logged): string[] {
  return [...l.pageErrors, ...l.messages.filter((m) => m.type === 'warning' || m.type === 'error').map((m) => m.text)];
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
