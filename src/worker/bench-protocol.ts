/**
 * The benchmark page ⇄ benchmark worker messages (type-only): the page forwards its query string; the worker answers
 * with the bench contract's line (core/bench.ts) plus what only a browser knows — the wasm threads it ran on and why,
 * whether the page was cross-origin isolated, the cores it reports.
 */
import type { BenchResult } from '../core/bench';
import type { GroupCount } from '../core/gpu-groups';

/** `?backend=wasm|webgl|webgpu|cpu&threads=N&layers=…&embd=…&heads=…&vocab=…&context=…&batch=…&warmup=…&steps=…&seed=…&profile=1&groups=1` */
export interface BenchRequest {
  query: string;
}

export interface BrowserBenchResult extends BenchResult {
  /** Threads the backend ran on (1 for every backend but multi-threaded wasm). */
  threads: number;
  /** Why that many threads (wasm), or null. */
  threads_detail: string | null;
  cross_origin_isolated: boolean;
  /** Per-kernel time of one extra step, with `profile=1`. */
  profile_top?: { kernel: string; ms: number; calls: number }[];
  /** WebGPU dispatches of a step by kernel group, with `groups=1` (core/gpu-groups.ts). */
  dispatches_by_group?: GroupCount[];
  env: { browser: string; cores: number; threads: number; cross_origin_isolated: boolean };
}

export type BenchReply = { ok: true; result: BrowserBenchResult } | { ok: false; error: string };
