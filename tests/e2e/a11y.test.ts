// Accessibility of the first screen and of each panel, in the light and the dark colour scheme: axe-core (WCAG 2.x A
// and AA rules) finds no serious or critical violation; the panels follow the WAI-ARIA tabs pattern (tablist, tabs
// that control tabpanels, arrow keys / Home / End move focus and select); reduced motion is honoured.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launch, problems } from './browser';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let browser: Browser;
const base = () => inject('baseURL');
const PANELS = ['data', 'tokenizer', 'experiment', 'samples', 'analysis', 'report'];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** axe's serious and critical violations on the page as it is now, one line each (rule, help, first nodes). */
async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return r.violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .slice(0, 4)
          .map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`)
          .join(' | ')}`,
    );
}

async function ready(page: Page): Promise<void> {
  await page.getByTestId('recorded-verdict').waitFor({ state: 'attached', timeout: 60_000 });
  await page.getByTestId('backend').waitFor({ timeout: 60_000 });
}

describe('accessibility', () => {
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`axe finds no serious or critical violation on the first screen and in each panel (${colorScheme} scheme)`, async () => {
      const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme });
      const page = await ctx.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${base()}/`);
      await ready(page);
      const found: Record<string, string[]> = { 'first screen': await seriousViolations(page) };
      for (const p of PANELS) {
        await page.getByTestId(`tab-${p}`).click();
        await page.locator(`#panel-${p}`).waitFor();
        found[p] = await seriousViolations(page);
      }
      expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
      // The scheme asked for is the one drawn: dark paper and light ink, or the reverse.
      const [paper, ink] = await page.evaluate(() => [
        getComputedStyle(document.documentElement).backgroundColor,
        getComputedStyle(document.documentElement).color,
      ]);
      expect([paper, ink]).toEqual(
        colorScheme === 'dark' ? ['rgb(18, 22, 31)', 'rgb(230, 233, 240)'] : ['rgb(247, 245, 240)', 'rgb(31, 42, 68)'],
      );
      // A control: the old accent colour (3.0:1 on the paper) is caught.
      if (colorScheme === 'light') {
        await page.addStyleTag({ content: ':root { --accent: #c97d16; }' });
        expect((await seriousViolations(page)).join('\n')).toMatch(/^color-contrast \(serious\)/m);
      }
      expect(errors).toEqual([]);
      await ctx.close();
    });
  }

  it('the panels are WAI-ARIA tabs: one tablist, each tab controls its tabpanel, arrow keys, Home and End move and select', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${base()}/#experiment`);
    await ready(page);
    const tabs = page.getByRole('tablist', { name: 'Panels' }).getByRole('tab');
    await expect(tabs.count()).resolves.toBe(PANELS.length);
    const selected = async () =>
      (await page.getByRole('tab', { selected: true }).getAttribute('data-testid'))?.replace('tab-', '');
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid')?.replace('tab-', ''));
    expect(await selected()).toBe('experiment');
    // Only the selected tab is in the tab order; it names the panel it controls, and that panel is labelled by it.
    for (const p of PANELS)
      expect(await page.getByTestId(`tab-${p}`).getAttribute('tabindex')).toBe(p === 'experiment' ? '0' : '-1');
    const panel = page.getByRole('tabpanel');
    expect(await panel.getAttribute('id')).toBe(await page.getByTestId('tab-experiment').getAttribute('aria-controls'));
    expect(await panel.getAttribute('aria-labelledby')).toBe(
      await page.getByTestId('tab-experiment').getAttribute('id'),
    );
    await page.getByTestId('tab-experiment').focus();
    const keys: [string, string][] = [
      ['ArrowRight', 'samples'],
      ['ArrowRight', 'analysis'],
      ['ArrowLeft', 'samples'],
      ['End', 'report'],
      ['ArrowRight', 'data'],
      ['ArrowLeft', 'report'],
      ['Home', 'data'],
    ];
    for (const [key, want] of keys) {
      await page.keyboard.press(key);
      await expect.poll(selected).toBe(want);
      expect(await focused(), key).toBe(want);
      expect(await page.getByRole('tabpanel').getAttribute('id')).toBe(`panel-${want}`);
    }
    // The URL follows, as it does for a click.
    expect(new URL(page.url()).hash).toBe('#data');
    await ctx.close();
  });

  it('with reduced motion asked for, nothing on the page animates or transitions', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, reducedMotion: 'reduce' });
    const page = await ctx.newPage();
    const l = { page, messages: [] as { type: string; text: string }[], pageErrors: [] as string[] };
    page.on('pageerror', (e) => l.pageErrors.push(e.message));
    await page.goto(`${base()}/`);
    await ready(page);
    await page.getByTestId('tour-start').click();
    await page.getByTestId('tour').waitFor();
    const moving = await page.evaluate(() =>
      [...document.querySelectorAll('*')]
        .filter((el) => {
          const s = getComputedStyle(el);
          const secs = (v: string) => Math.max(...v.split(',').map((x) => parseFloat(x) || 0));
          return secs(s.transitionDuration) > 0.01 || (s.animationName !== 'none' && secs(s.animationDuration) > 0.01);
        })
        .map((el) => el.className || el.tagName),
    );
    expect(moving).toEqual([]);
    // "Change the setup" jumps to the form rather than gliding: one frame after the click it is already at the top.
    await page.getByTestId('tour').getByRole('button', { name: 'Close' }).click();
    await page.getByRole('link', { name: 'Change the setup' }).click();
    const top = await page.evaluate(
      () =>
        new Promise<number>((done) =>
          requestAnimationFrame(() =>
            requestAnimationFrame(() =>
              done(document.querySelector('[data-testid="setup"]')!.getBoundingClientRect().top),
            ),
          ),
        ),
    );
    expect(Math.abs(top)).toBeLessThan(2);
    expect(problems(l)).toEqual([]);
    await ctx.close();
  });
});
