/**
 * The benchmark page (bench.html): hands its query (?backend=wasm&threads=1&layers=4&embd=128 …) to the benchmark
 * worker and shows the answer — one JSON line of the bench contract — in #result (data-state done or failed), where
 * `npm run bench:browser` reads it. No tfjs here: the worker runs the core.
 */
import type { BenchReply } from '../../worker/bench-protocol';

const out = document.getElementById('result')!;
const status = document.getElementById('status')!;
status.textContent = `Measuring the GPT train step (${location.search || 'defaults'}) in a worker… cross-origin isolated: ${String(self.crossOriginIsolated)}, ${navigator.hardwareConcurrency} cores.`;
const worker = new Worker(new URL('../../worker/bench.worker.ts', import.meta.url), { type: 'module' });
worker.onmessage = (e: MessageEvent<BenchReply>) => {
  const r = e.data;
  out.dataset.state = r.ok ? 'done' : 'failed';
  out.textContent = r.ok ? JSON.stringify(r.result) : r.error;
  status.textContent = r.ok
    ? `${r.result.backend} × ${r.result.threads} thread(s): ${Math.round(r.result.tokens_per_s)} tokens/s, ${r.result.ms_per_step.toFixed(0)} ms per step`
    : 'Failed.';
  worker.terminate();
};
worker.onerror = (e) => {
  out.dataset.state = 'failed';
  out.textContent = `the benchmark worker failed: ${e.message}`;
};
worker.postMessage({ query: location.search });
