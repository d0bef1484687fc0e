// Helpers shared by the playground's browser tests: the run's phase and step as the controls show them, waiting for a
// phase (failing at once on a failed run), chart points, every status line the page showed (recorded in the page, so
// a short-lived one is not missed), and a full-page screenshot with the charts drawn. No fixed sleeps: each wait is
// for a condition.
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { launch, screenshot, type Logged } from './browser';

export { launch };

export const phase = (page: Page) => page.getByTestId('controls').getAttribute('data-phase');

export async function waitPhase(page: Page, want: string[], timeout = 300_000): Promise<string> {
  let last = '';
  await expect
    .poll(
      async () => {
        last = (await phase(page)) ?? '';
        if (last === 'failed' && !want.includes('failed'))
          throw new Error(
            `run failed: ${await page
              .getByTestId('run-failure')
              .textContent()
              .catch(() => '')} ${await page
              .getByTestId('run-error')
              .first()
              .textContent()
              .catch(() => '')}`,
          );
        return want.includes(last);
      },
      { timeout, interval: 200 },
    )
    .toBe(true);
  return last;
}

export const statusText = async (page: Page) => (await page.getByTestId('run-status').textContent()) ?? '';
export const stepOf = async (page: Page) => Number(/step (\d+) \//.exec(await statusText(page))?.[1] ?? -1);

/** Points drawn in a chart; charts follow the data only while on screen, so bring it into view first. */
export async function points(page: Page, id: string): Promise<number> {
  const chart = page.getByTestId(id);
  await chart.scrollIntoViewIfNeeded();
  return Number(await chart.getAttribute('data-points'));
}

/** Records every text the run's status line shows, from page start (window.__statuses). */
export const recordStatuses = () => {
  const w = window as unknown as { __statuses: string[] };
  w.__statuses = [];
  const seen = () => {
    const t = document.querySelector('[data-testid="run-status"]')?.textContent ?? '';
    if (t && w.__statuses[w.__statuses.length - 1] !== t) w.__statuses.push(t);
  };
  new MutationObserver(seen).observe(document, { subtree: true, childList: true, characterData: true });
};
export const statuses = (page: Page) => page.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses);

/** A page in a fresh context that records console problems, status lines and downloads. */
export async function playgroundPage(ctx: BrowserContext, url: string): Promise<Logged> {
  await ctx.addInitScript(recordStatuses);
  const page = await ctx.newPage();
  const l: Logged = { page, messages: [], pageErrors: [] };
  page.on('console', (m) => l.messages.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => l.pageErrors.push(e.message));
  await page.goto(url);
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
  return l;
}

/** Scroll each chart into view until it shows `want` points (it draws only on screen), then a full-page screenshot. */
export async function chartsShot(page: Page, name: string, want: Record<string, number> = {}): Promise<void> {
  for (const [id, n] of Object.entries(want))
    await expect.poll(() => points(page, id), { timeout: 30_000 }).toBeGreaterThanOrEqual(n);
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, name);
}

/** True when some word follows itself ("paused — paused"), ignoring case and punctuation. */
export const repeatsWord = (s: string) =>
  s
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean)
    .some((w, i, ws) => i > 0 && ws[i - 1] === w);

/** The viewport rectangle of an element. */
export const rectOf = (page: Page, selector: string) =>
  page.evaluate((sel) => {
    const r = document.querySelector(sel)?.getBoundingClientRect();
    return r ? { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height } : null;
  }, selector);
