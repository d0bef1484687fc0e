/**
 * `npm run -s bench:play -- [--runs N] [--query '?preset=…'] [--backend B] [--until-done] [--no-isolation] [--no-build] [--root DIR] [--json]`
 * Time from pressing Play to the first training point, as a new user meets it: builds and serves the app, opens it
 * in a fresh headless Chromium (empty IndexedDB) on the default setup, waits for the backend, presses Play and
 * watches the page until the training-loss chart draws its first point. Prints each run's figure, the median, and the
 * preparation's stages with the second each began (from the run status line). `--root DIR` measures another checkout
 * (an earlier commit, built there). `--until-done` also waits for the run to finish and prints Play → the report's
 * verdict (the lesson's whole length). Prints figures; asserts nothing.
 */
import { loadavg } from 'node:os';
import type { Page } from 'playwright-core';
import { median } from '../core/bench';
import { UsageError, intArg, parseFlags, runCli } from './common';

interface PlayTiming {
  /** Seconds from the Play click to the first point on the training image-loss chart. */
  play_to_first_point_s: number;
  /** Seconds from the Play click until the run is done and its verdict shown (--until-done), else null. */
  play_to_done_s: number | null;
  /** Seconds from the Play click until the status line first shows step ≥ 1. */
  play_to_step1_s: number | null;
  /** Status-line changes, seconds after Play. */
  stages: { s: number; status: string }[];
  backend: string;
  threads: number | null;
  cross_origin_isolated: boolean;
  loadavg_1m: number;
}

async function once(page: Page, url: string, timeoutMs: number, untilDone: boolean): Promise<PlayTiming> {
  await page.goto(url);
  const backend = page.getByTestId('backend');
  await backend.waitFor({ timeout: 120_000 });
  const play = page.getByTestId('play');
  await play.waitFor();
  const chart = page.getByTestId('chart-image-loss');
  const t0 = Date.now();
  await play.click();
  await chart.scrollIntoViewIfNeeded();
  const stages: PlayTiming['stages'] = [];
  let step1: number | null = null;
  let first: number | null = null;
  for (;;) {
    const { status, points, phase } = await page.evaluate(() => ({
      status: document.querySelector('[data-testid="run-status"]')?.textContent ?? '',
      points: Number(document.querySelector('[data-testid="chart-image-loss"]')?.getAttribute('data-points') ?? 0),
      phase: document.querySelector('[data-testid="controls"]')?.getAttribute('data-phase') ?? '',
    }));
    const s = (Date.now() - t0) / 1000;
    const shown = status.replace(/ · step \d+ \/ \d+$/, '');
    if (shown && stages[stages.length - 1]?.status !== shown) stages.push({ s, status: shown });
    if (step1 === null && /step [1-9]\d* \//.test(status)) step1 = s;
    if (points >= 1 && first === null) first = s;
    if (first !== null && (!untilDone || phase === 'done')) {
      // The device strip says "× N threads" for wasm (the banner's details, behind "why?", say why).
      const strip = (await page.getByTestId('device-strip').textContent()) ?? '';
      const threads = /× (\d+) threads?/.exec(strip)?.[1] ?? null;
      return {
        play_to_first_point_s: first,
        play_to_done_s: untilDone ? s : null,
        play_to_step1_s: step1,
        stages,
        backend: (await backend.getAttribute('data-backend')) ?? '?',
        threads: threads === null ? null : Number(threads),
        cross_origin_isolated: await page.evaluate(() => self.crossOriginIsolated),
        loadavg_1m: loadavg()[0],
      };
    }
    if (phase === 'failed') throw new Error(`the run failed: ${status}`);
    if (Date.now() - t0 > timeoutMs)
      throw new Error(
        `${first === null ? 'no training point' : 'not done'} after ${timeoutMs / 1000} s; last status: ${status}`,
      );
    await page.waitForTimeout(first === null ? 100 : 1000);
  }
}

async function main(): Promise<void> {
  const { values: a } = parseFlags(
    {
      runs: {
        type: 'string',
        default: '1',
        value: 'N',
        description: 'fresh browsers to measure, 1 to 50 (the median is printed)',
      },
      query: {
        type: 'string',
        default: '',
        value: "'?preset=…'",
        description: "the page's URL query: the setup to press Play on",
        defaultText: 'the default setup',
      },
      backend: {
        type: 'string',
        value: 'wasm|webgl|webgpu|cpu',
        description: 'force a backend (?backend=)',
        defaultText: "the page's choice",
      },
      json: { type: 'boolean', default: false, description: 'one JSON line per run' },
      'no-isolation': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '600' },
      'until-done': {
        type: 'boolean',
        default: false,
        description: 'also wait for the report and print Play → verdict',
      },
      root: { type: 'string', default: '.', value: 'DIR', description: 'measure another checkout (built there)' },
    },
    "usage: npm run -s bench:play -- [--runs N] [--query '?preset=…'] [--backend B] [--until-done] [--no-isolation] [--no-build] [--root DIR] [--json] [--timeout SECONDS]",
    false,
    'Play → first training point in Chromium, as a new user meets it: fresh browser, empty IndexedDB.',
  );
  const runs = intArg(a.runs, 'runs', 1, 50);
  const timeoutMs = intArg(a.timeout, 'timeout', 10, 86_400) * 1000;
  const q = new URLSearchParams(a.query!.replace(/^\?/, ''));
  if (a.backend) {
    if (!['wasm', 'webgl', 'webgpu', 'cpu'].includes(a.backend))
      throw new UsageError(`--backend must be wasm, webgl, webgpu or cpu, got ${a.backend}`);
    q.set('backend', a.backend);
  }
  // playwright-core and vite load once the flags are parsed, so --help and a bad flag answer without them.
  const { launchChromium, serveBuiltApp, withoutIsolation } = await import('./browser/chromium');
  const served = await serveBuiltApp(!a['no-build'], a.root);
  const results: PlayTiming[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        if (a['no-isolation']) await withoutIsolation(page);
        const r = await once(page, `${served.url}/${q.size ? `?${q}` : ''}#experiment`, timeoutMs, a['until-done']!);
        results.push(r);
        if (a.json) console.log(JSON.stringify(r));
        else
          console.log(
            `run ${i + 1}: Play → first training point ${r.play_to_first_point_s.toFixed(1)} s (step 1 shown at ${r.play_to_step1_s?.toFixed(1) ?? '—'} s) on ${r.backend}${r.threads ? ` × ${r.threads} thread(s)` : ''}, isolated ${r.cross_origin_isolated}, load ${r.loadavg_1m.toFixed(1)}${r.play_to_done_s !== null ? `; Play → verdict ${(r.play_to_done_s / 60).toFixed(1)} min` : ''}`,
          );
      } finally {
        await browser.close();
      }
    }
  } finally {
    await served.close();
  }
  if (!a.json) {
    console.log(`median of ${runs}: ${median(results.map((r) => r.play_to_first_point_s)).toFixed(1)} s`);
    console.log('stages of the last run (seconds after Play):');
    for (const st of results[results.length - 1].stages) console.log(`  ${st.s.toFixed(1).padStart(6)}  ${st.status}`);
  }
}

runCli('bench:play', main);
