/**
 * `npm run -s bench:browser -- [--json] [--backend wasm|webgl|webgpu|cpu|all] [--threads N] [--layers L] [--embd D]
 *   [--heads H] [--vocab V] [--context T] [--batch N] [--warmup W] [--steps S] [--profile] [--groups] [--no-isolation] [--no-build]`
 * The bench contract in Chromium: builds the app, serves it cross-origin isolated with `vite preview`, opens
 * bench.html in the system Chromium (headless, playwright-core) and runs the core's train-step benchmark in a Web
 * Worker — the same code as `npm run bench` in Node — printing its JSON line plus the browser's fields (threads,
 * threads_detail, cross_origin_isolated) — the WebGPU counts of a
 * step among them (`dispatches_per_step`, `readbacks_per_step`, `upload_bytes_per_step`; 0 on other backends);
 * `--groups` adds `dispatches_by_group` on webgpu. Each measurement gets a fresh browser. `--backend all` (the default)
 * measures wasm on one thread and on one per core, then webgl, webgpu and cpu; `--threads` pins wasm's count.
 * `--no-isolation` strips the COOP/COEP headers, as a static host that sends none would. Prints figures; asserts nothing.
 */
import { cpus, loadavg } from 'node:os';
import { BACKENDS, type BackendName } from '../core/backend';
import { DEFAULT_BENCH } from '../core/bench';
import type { BrowserBenchResult } from '../worker/bench-protocol';
import { UsageError, intArg, parseFlags, runCli } from './common';
import { BENCH_FLAGS } from './bench-flags';

/** playwright-core and vite load once the flags are parsed, so --help and a bad flag answer without them. */
const chromiumTools = () => import('./browser/chromium');

const FIELDS: [keyof typeof DEFAULT_BENCH, number, number][] = [
  ['layers', 1, 64],
  ['embd', 8, 4096],
  ['heads', 1, 64],
  ['vocab', 2, 65536],
  ['context', 2, 4096],
  ['batch', 1, 4096],
  ['warmup', 1, 100],
  ['steps', 1, 1000],
  ['seed', 0, 2 ** 31 - 1],
];

interface Variant {
  backend: BackendName;
  /** null: one per core (wasm); the page decides. */
  threads: number | null;
}

type Line = BrowserBenchResult & { env: BrowserBenchResult['env'] & { cpu: string; loadavg_1m: number } };

async function measure(
  url: string,
  v: Variant,
  query: URLSearchParams,
  isolate: boolean,
  timeoutMs: number,
): Promise<Line> {
  const { launchChromium, withoutIsolation } = await chromiumTools();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    if (!isolate) await withoutIsolation(page);
    const q = new URLSearchParams(query);
    q.set('backend', v.backend);
    if (v.threads !== null) q.set('threads', String(v.threads));
    await page.goto(`${url}/bench.html?${q}`);
    const result = page.locator('#result:not([data-state="running"])');
    await result.waitFor({ timeout: timeoutMs });
    const text = (await result.textContent()) ?? '';
    if ((await result.getAttribute('data-state')) !== 'done')
      throw new Error(`${v.backend}${v.threads ? ` × ${v.threads}` : ''}: ${text}`);
    const r = JSON.parse(text) as BrowserBenchResult;
    return { ...r, env: { ...r.env, cpu: cpus()[0]?.model ?? 'unknown', loadavg_1m: loadavg()[0] } };
  } finally {
    await browser.close();
  }
}

function table(lines: (Line | { variant: string; error: string })[], cfg: string): void {
  const rows = [
    [
      'backend',
      'threads',
      'ms/step',
      'tokens/s',
      'model GFLOP/s',
      'matmul GFLOP/s',
      'MFU',
      'tensors',
      'isolated',
      'dispatches',
      'read-backs',
      'upload KiB',
    ],
  ];
  for (const l of lines) {
    if ('error' in l) {
      rows.push([l.variant, l.error, '', '', '', '', '', '', '', '', '', '']);
      continue;
    }
    rows.push([
      l.backend,
      String(l.threads),
      l.ms_per_step.toFixed(0),
      l.tokens_per_s.toFixed(0),
      l.model_gflops.toFixed(2),
      l.matmul_gflops.toFixed(1),
      l.mfu.toFixed(3),
      `${l.tensors_before}→${l.tensors_after}`,
      String(l.cross_origin_isolated),
      String(l.dispatches_per_step),
      String(l.readbacks_per_step),
      (l.upload_bytes_per_step / 1024).toFixed(1),
    ]);
  }
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(`GPT train step in Chromium (${cfg}); median of timed steps, a fresh browser each.`);
  for (const r of rows) console.log(r.map((c, i) => c.padStart(w[i])).join('  '));
  const why = lines.find((l): l is Line => !('error' in l) && l.backend === 'wasm' && l.threads_detail !== null);
  if (why)
    console.log(
      `wasm threads: ${lines
        .filter((l): l is Line => !('error' in l) && l.backend === 'wasm')
        .map((l) => `${l.threads} — ${l.threads_detail}`)
        .join('; ')}`,
    );
}

async function main(): Promise<void> {
  const { values: a } = parseFlags(
    {
      json: {
        type: 'boolean',
        default: false,
        description: "one JSON line per measurement: the bench contract's fields plus threads and isolation",
      },
      backend: {
        type: 'string',
        default: 'all',
        value: 'wasm|webgl|webgpu|cpu|all',
        description: 'the backend; all: wasm on one thread and one per core, then webgl, webgpu and cpu',
      },
      threads: {
        type: 'string',
        value: 'N',
        description: "pin wasm's thread count, 1 to 64",
        defaultText: "one and one per core (all) or the page's choice (wasm)",
      },
      profile: { type: 'boolean', default: false },
      groups: {
        type: 'boolean',
        default: false,
        description: 'webgpu: add dispatches_by_group (the step split by kernel group)',
      },
      'no-isolation': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '600' },
      ...BENCH_FLAGS,
    },
    'usage: npm run -s bench:browser -- [--json] [--backend wasm|webgl|webgpu|cpu|all] [--threads N] [--layers L] [--embd D] [--heads H] [--vocab V] [--context T] [--batch N] [--warmup W] [--steps S] [--seed S] [--profile] [--groups] [--no-isolation] [--no-build] [--timeout SECONDS]',
    false,
    'The train-step benchmark in a Web Worker of the system Chromium (bench.html on vite preview), a fresh browser per measurement.',
  );
  const query = new URLSearchParams();
  for (const [k, lo, hi] of FIELDS) {
    const v = (a as unknown as Record<string, string | undefined>)[k];
    if (v !== undefined) query.set(k, String(intArg(v, k, lo, hi)));
  }
  const embd = Number(query.get('embd') ?? DEFAULT_BENCH.embd);
  const heads = Number(query.get('heads') ?? DEFAULT_BENCH.heads);
  if (embd % heads !== 0) throw new UsageError(`--embd (${embd}) must be divisible by --heads (${heads})`);
  if (a.profile) query.set('profile', '1');
  if (a.groups) query.set('groups', '1');
  const threads = a.threads === undefined ? null : intArg(a.threads, 'threads', 1, 64);
  const timeoutMs = intArg(a.timeout, 'timeout', 10, 86_400) * 1000;
  const backend = a.backend!;
  if (backend !== 'all' && !(BACKENDS as readonly string[]).includes(backend))
    throw new UsageError(`--backend must be wasm, webgl, webgpu, cpu or all, got ${backend}`);
  if (threads !== null && backend !== 'wasm' && backend !== 'all')
    throw new UsageError('--threads applies to the wasm backend');
  const variants: Variant[] =
    backend === 'all'
      ? threads !== null
        ? [{ backend: 'wasm', threads }]
        : [
            { backend: 'wasm', threads: 1 },
            { backend: 'wasm', threads: null },
            { backend: 'webgl', threads: null },
            { backend: 'webgpu', threads: null },
            { backend: 'cpu', threads: null },
          ]
      : [{ backend: backend as BackendName, threads: backend === 'wasm' ? threads : null }];

  const served = await (await chromiumTools()).serveBuiltApp(!a['no-build']);
  const lines: (Line | { variant: string; error: string })[] = [];
  try {
    for (const v of variants) {
      try {
        const line = await measure(served.url, v, query, !a['no-isolation'], timeoutMs);
        if (a.json) console.log(JSON.stringify(line));
        lines.push(line);
      } catch (e) {
        const error = (e instanceof Error ? e.message : String(e)).split('\n')[0];
        if (variants.length === 1) throw e;
        if (a.json) console.error(`bench:browser: ${v.backend}: ${error}`);
        lines.push({ variant: `${v.backend}${v.threads ? `×${v.threads}` : ''}`, error });
      }
    }
  } finally {
    await served.close();
  }
  if (!a.json) {
    const c = Object.fromEntries(FIELDS.slice(0, 6).map(([k]) => [k, query.get(k) ?? DEFAULT_BENCH[k]]));
    table(lines, `${c.layers}L×d${c.embd}, ${c.heads} heads, vocab ${c.vocab}, context ${c.context}, batch ${c.batch}`);
  }
}

runCli('bench:browser', main);
