/**
 * The benchmark worker (bench.html): starts the one backend its page asks for — wasm on the requested threads or one
 * per core — and runs the core's train-step benchmark (core/bench.ts, the same code as `npm run bench` in Node),
 * answering with the bench contract's line plus the browser's fields.
 */
import { BACKENDS, selectBackend, type BackendName } from '../core/backend';
import { benchTrainStep, profileTrainStep } from '../core/bench';
import { countStepGroups } from '../core/gpu-groups';
import { benchConfigFromQuery } from './bench-config';
import { threadFacts, workerBackendEnv } from './backend-env';
import type { BenchReply, BenchRequest, BrowserBenchResult } from './bench-protocol';

const post = (r: BenchReply) => (self as unknown as Worker).postMessage(r);

function browserName(): string {
  const ua = navigator.userAgent;
  const m = /(HeadlessChrome|Chromium|Chrome|Firefox|Version)\/([\d.]+)/.exec(ua);
  return m ? `${m[1] === 'Version' ? 'Safari' : m[1]} ${m[2]}` : ua;
}

async function run(req: BenchRequest): Promise<BrowserBenchResult> {
  const q = new URLSearchParams(req.query);
  const backend = (q.get('backend') ?? 'wasm') as BackendName;
  if (!BACKENDS.includes(backend)) throw new Error(`backend must be one of ${BACKENDS.join(', ')}, got ${backend}`);
  const threadsRaw = q.get('threads');
  const threads = threadsRaw === null ? null : Number(threadsRaw);
  if (threads !== null && !(Number.isInteger(threads) && threads >= 1 && threads <= 64))
    throw new Error(`threads must be an integer in [1, 64], got ${threadsRaw}`);
  const config = benchConfigFromQuery(q);
  const choice = await selectBackend(backend, workerBackendEnv(threads));
  if (choice.backend !== backend)
    throw new Error(`${backend} is unavailable here: ${choice.refusals.map((r) => r.detail).join(' ')}`);
  const facts = threadFacts();
  const result = await benchTrainStep(config);
  const count = choice.threads?.count ?? 1;
  const out: BrowserBenchResult = {
    ...result,
    threads: count,
    threads_detail: choice.threads?.detail ?? null,
    cross_origin_isolated: facts.crossOriginIsolated,
    env: {
      browser: browserName(),
      cores: facts.cores,
      threads: count,
      cross_origin_isolated: facts.crossOriginIsolated,
    },
  };
  if (q.get('profile') === '1') out.profile_top = await profileTrainStep(config);
  if (q.get('groups') === '1') out.dispatches_by_group = await countStepGroups(config);
  return out;
}

self.onmessage = (ev: MessageEvent<BenchRequest>) => {
  run(ev.data).then(
    (result) => post({ ok: true, result }),
    (e: unknown) => post({ ok: false, error: e instanceof Error ? e.message : String(e) }),
  );
};
