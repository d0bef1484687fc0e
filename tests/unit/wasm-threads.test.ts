// Multi-threaded wasm: the bundling fix reproduced and checked against the real tfjs file (a minified bundle's pthread
// source throws `ReferenceError: e is not defined`; the patched one runs), the thread policy (one per core, one where
// the page is not cross-origin isolated, with the reason), and the fall-back to one thread when threads fail.
import { describe, expect, it } from 'vitest';
import vm from 'node:vm';
import { createRequire } from 'node:module';
import { rolldown } from 'rolldown';
import * as tf from '../../src/core/tf';
import { patchThreadedFactory, tfjsWasmThreads, THREADED_FACTORY } from '../../vite/tfjs-wasm-threads';
import { selectBackend } from '../../src/core/backend';
import { nodeWasmDir } from '../../src/cli/backend-node';
import { wasmThreadsFor } from '../../src/worker/backend-env';
import { benchConfigFromQuery } from '../../src/worker/bench-config';
import { DEFAULT_BENCH } from '../../src/core/bench';

const FACTORY = createRequire(import.meta.url).resolve(
  '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js',
);

/** What tfjs hands its pthread workers — `factory.toString()` — from a minified bundle, with or without the plugin. */
async function workerSource(patched: boolean): Promise<string> {
  const entry = {
    name: 'entry',
    resolveId: (id: string) => (id === 'entry' ? id : null),
    load: (id: string) =>
      id === 'entry'
        ? `import * as m from ${JSON.stringify(FACTORY)}; export const src = (m.default || m).toString();`
        : null,
  };
  const bundle = await rolldown({
    input: 'entry',
    platform: 'browser',
    logLevel: 'silent',
    plugins: [entry, ...(patched ? [tfjsWasmThreads()] : [])],
  });
  const out = await bundle.generate({ format: 'cjs', minify: true });
  await bundle.close();
  const mod = { exports: {} as { src: string } };
  new Function('module', 'exports', out.output[0].code)(mod, mod.exports);
  return mod.exports.src;
}

/** Evaluate the source as tfjs's pthread worker does (`var WasmBackendModuleThreadedSimd = …` at its top level) and start it as a pthread. */
function startAsPthread(src: string): { instantiated: boolean } {
  const ctx: Record<string, unknown> = {
    location: { href: 'blob:worker' },
    importScripts: () => {},
    postMessage: () => {},
    startWorker: () => {},
    navigator: { hardwareConcurrency: 2 },
    performance,
    WebAssembly,
    console,
    URL,
  };
  ctx.self = ctx;
  vm.createContext(ctx);
  vm.runInContext(`var WasmBackendModuleThreadedSimd = ${src}`, ctx);
  const seen = { instantiated: false };
  const Module = {
    ENVIRONMENT_IS_PTHREAD: true,
    wasmMemory: new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true }),
    // The worker script instantiates the shared module here; reaching it means the start-up code ran.
    instantiateWasm: () => {
      seen.instantiated = true;
      return {};
    },
  };
  (ctx.WasmBackendModuleThreadedSimd as (m: unknown) => unknown)(Module);
  return seen;
}

describe('the tfjs-wasm-threads bundling fix', () => {
  it('reproduces the hang’s cause without it and removes it with it', async () => {
    // Without the plugin, the minifier turned `typeof _scriptDir !== "undefined" && _scriptDir` into a bare closure name.
    const broken = await workerSource(false);
    expect(() => startAsPthread(broken)).toThrow(/is not defined/);
    const fixed = await workerSource(true);
    expect(startAsPthread(fixed).instantiated).toBe(true);
  });

  it('hands the workers the package’s own source, with the logical-core count doubled', async () => {
    const original = (await import('node:fs')).readFileSync(FACTORY, 'utf8');
    const patched = patchThreadedFactory(original);
    expect(
      patched.startsWith(
        original.replace('return navigator["hardwareConcurrency"]', 'return 2*navigator["hardwareConcurrency"]'),
      ),
    ).toBe(true);
    const src = await workerSource(true);
    expect(src).toContain('var WasmBackendModuleThreadedSimd = (() => {');
    expect(src).toContain('return 2*navigator["hardwareConcurrency"]');
    expect(THREADED_FACTORY.test(FACTORY)).toBe(true);
    expect(THREADED_FACTORY.test(FACTORY.replace('threaded-simd', 'simd'))).toBe(false);
    expect(() => patchThreadedFactory('var Other = 1;')).toThrow(/tfjs-backend-wasm version/);
  });
});

describe('wasm threads', () => {
  it('one per core where the page is cross-origin isolated; one, with the reason, where it is not', () => {
    expect(wasmThreadsFor({ crossOriginIsolated: true, cores: 2 })).toEqual({
      count: 2,
      detail: '2 threads, one per core',
    });
    expect(wasmThreadsFor({ crossOriginIsolated: true, cores: 1 }).count).toBe(1);
    const plain = wasmThreadsFor({ crossOriginIsolated: false, cores: 8 });
    expect(plain.count).toBe(1);
    expect(plain.detail).toMatch(
      /not cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/,
    );
    expect(wasmThreadsFor({ crossOriginIsolated: true, cores: 8 }, 1)).toEqual({
      count: 1,
      detail: 'one thread, as requested',
    });
    expect(wasmThreadsFor({ crossOriginIsolated: true, cores: 8 }, 3).count).toBe(3);
    expect(wasmThreadsFor({ crossOriginIsolated: false, cores: 8 }, 3).count).toBe(1);
  });

  it('falls back to one thread, saying why, when the threaded start hangs', async () => {
    const real = tf.findBackendFactory('wasm')!;
    let calls = 0;
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', () => (calls++ === 0 ? new Promise<never>(() => {}) : real()), 2);
    const choice = await selectBackend('wasm', {
      wasmPaths: nodeWasmDir(),
      wasmThreads: { count: 2, detail: '2 threads, one per core' },
      wasmThreadsTimeoutMs: 300,
    });
    expect(choice.backend).toBe('wasm');
    expect(choice.refusals).toEqual([]);
    expect(choice.threads?.count).toBe(1);
    expect(choice.threads?.detail).toMatch(/multi-threaded wasm build failed \(it did not start within 0.3 s\)/);
    expect(calls).toBe(2);
    expect(tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0])).toBe(3);
  });

  it('reports one thread in Node, where tfjs has no wasm threads', async () => {
    const choice = await selectBackend('wasm', {
      wasmPaths: nodeWasmDir(),
      wasmThreads: { count: 2, detail: '2 threads, one per core' },
    });
    expect(choice.threads).toMatchObject({ count: 1 });
  });
});

describe('the benchmark page’s query', () => {
  it('reads integers, keeps the defaults and names a bad field', () => {
    expect(benchConfigFromQuery(new URLSearchParams('layers=2&embd=64'))).toEqual({
      ...DEFAULT_BENCH,
      layers: 2,
      embd: 64,
    });
    expect(() => benchConfigFromQuery(new URLSearchParams('batch=0'))).toThrow(/batch must be an integer ≥ 1, got 0/);
    expect(() => benchConfigFromQuery(new URLSearchParams('embd=30&heads=4'))).toThrow(
      /embd \(30\) must be divisible by heads \(4\)/,
    );
  });
});
