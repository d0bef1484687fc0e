/**
 * `npm run bench:page`: the page's main-thread long tasks while training, measured in the system Chromium (the
 * browser tests assert behaviour only; this prints figures). It serves the built app (dist/, made by the npm script)
 * with `vite preview`, opens a short run of both arms at 1440×900, presses Play and records every long task
 * (PerformanceObserver 'longtask', ≥ 50 ms) from the first training step to the report — each with when it started
 * (seconds after Play), its duration and the run's phase then — and prints them with their distribution.
 *
 *   npm run bench:page [-- --query "preset=smoke&steps=40&eval=10" --out FILE.json] [--no-build]
 */
import { writeFileSync } from 'node:fs';
import { intArg, parseFlags, runCli } from '../src/cli/common';

type Task = { at: number; ms: number; phase: string };

async function main(): Promise<void> {
  const { values } = parseFlags(
    {
      query: {
        type: 'string',
        default: 'preset=smoke&steps=40&eval=10',
        value: 'QUERY',
        description: "the page's URL query: the setup to press Play on",
      },
      out: {
        type: 'string',
        value: 'FILE.json',
        description: 'also write the summary and every long task as JSON',
        defaultText: 'print only',
      },
      timeout: {
        type: 'string',
        default: '1800',
        value: 'SECONDS',
        description: 'give up when the run has not finished after this many seconds',
      },
      'no-build': { type: 'boolean', default: false },
    },
    'usage: npm run bench:page -- [--query "preset=smoke&steps=40&eval=10"] [--out FILE.json] [--timeout SECONDS] [--no-build]',
    false,
    "The page's main-thread long tasks (≥ 50 ms) while training, in the system Chromium, from the first step to the report.",
  );
  const timeoutS = intArg(values.timeout, 'timeout', 10, 86_400);
  // vite and playwright load once the flags are parsed, so --help and a bad flag answer without them.
  const { serveBuiltApp } = await import('../src/cli/browser/chromium');
  const { launch } = await import('../tests/e2e/browser');
  const served = await serveBuiltApp(!values['no-build']);
  const url = served.url;
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.addInitScript(() => {
      const w = window as unknown as { __long: { start: number; ms: number; phase: string }[] };
      w.__long = [];
      const phase = () => document.querySelector('[data-testid="controls"]')?.getAttribute('data-phase') ?? '';
      new PerformanceObserver((list) =>
        list.getEntries().forEach((e) => w.__long.push({ start: e.startTime, ms: e.duration, phase: phase() })),
      ).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(`${url}/?${values.query}#experiment`);
    await page.getByTestId('backend').waitFor({ timeout: 120_000 });
    const backend = await page.getByTestId('backend').getAttribute('data-backend');
    const phase = () => page.getByTestId('controls').getAttribute('data-phase');
    const deadline = Date.now() + timeoutS * 1000;
    const until = async (want: string[]) => {
      for (;;) {
        const p = (await phase()) ?? '';
        if (want.includes(p)) return p;
        if (p === 'failed') throw new Error(`the run failed: ${await page.getByTestId('run-failure').textContent()}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${want.join('/')} (phase ${p})`);
        await page.waitForTimeout(200);
      }
    };
    const played = await page.evaluate(() => performance.now());
    await page.getByTestId('play').click();
    await until(['running']);
    const from = await page.evaluate(() => performance.now());
    await until(['done']);
    const to = await page.evaluate(() => performance.now());
    const all = await page.evaluate(
      () => (window as unknown as { __long: { start: number; ms: number; phase: string }[] }).__long,
    );
    const training: Task[] = all
      .filter((t) => t.start >= from && t.start < to)
      .map((t) => ({ at: (t.start - played) / 1000, ms: t.ms, phase: t.phase }));
    const sorted = training.map((t) => t.ms).sort((a, b) => a - b);
    const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0);
    // Loading the page makes long tasks of its own: counting them shows the observer works when training makes none.
    const summary = {
      backend,
      query: values.query,
      longTasksWholePage: all.length,
      trainingSeconds: (to - from) / 1000,
      longTasks: sorted.length,
      over50: sorted.filter((x) => x > 50).length,
      over100: sorted.filter((x) => x > 100).length,
      p50: q(0.5),
      p90: q(0.9),
      max: sorted[sorted.length - 1] ?? 0,
    };
    console.log(
      `Long tasks (≥ 50 ms) on the page's main thread while training (${summary.trainingSeconds.toFixed(0)} s of ${values.query} on ${backend}):`,
    );
    for (const t of training)
      console.log(`  ${t.at.toFixed(1).padStart(7)} s after Play  ${t.ms.toFixed(0).padStart(5)} ms  (${t.phase})`);
    console.log(JSON.stringify(summary));
    if (values.out) writeFileSync(values.out, JSON.stringify({ summary, tasks: training }, null, 2) + '\n');
  } finally {
    await browser.close();
    await served.close();
  }
}

runCli('bench:page', main);
