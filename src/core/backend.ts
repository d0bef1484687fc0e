/**
 * Backend selection: try webgpu → webgl → wasm → cpu and record, with a typed reason, why each better one was
 * refused. Software GPUs (a WebGPU fallback adapter such as SwiftShader, a software WebGL renderer) are refused in
 * auto mode because they are much slower than wasm on the same CPU (docs/tfjs-notes.md); forcing a backend bypasses that.
 * That rule is the Node CLIs' auto: the page's auto names the backend its probe measured fastest (backend-probe.ts).
 *
 * The environment (navigator.gpu, a WebGL probe, wasm file locations) is passed in by the caller — the worker or
 * Node (src/cli/backend-node.ts) — so this module touches no globals of its own and can be tested with fakes. The
 * WebGPU and WebGL backends (their kernels and shaders, the larger part of a bundle) are imported only when chosen;
 * wasm, the fallback on every CPU, and cpu (tf.ts) are always there.
 */
import * as tf from './tf';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendRequest = BackendName | 'auto';

export type RefusalReason =
  | 'api-missing' // the platform has no such API (no navigator.gpu, no WebGL2 context)
  | 'no-adapter' // WebGPU present but requestAdapter() gave nothing
  | 'software-adapter' // WebGPU adapter is a CPU fallback (isFallbackAdapter)
  | 'software-renderer' // WebGL runs on a software rasteriser
  | 'init-failed' // tfjs could not initialise the backend
  | 'not-in-environment' // the caller's environment does not offer it (e.g. webgl in Node)
  | 'probe-failed' // the probe's train step failed or gave a non-finite loss (worker/backend-probe.ts)
  | 'probe-cut' // the probe stopped it at its deadline (core/backend-probe.ts)
  | 'not-probed' // the probe did not time it (no adapter or context; cpu once wasm ran)
  | 'slower-here'; // the probe measured a slower train step than the chosen backend's

export interface Refusal {
  backend: BackendName;
  reason: RefusalReason;
  /** One human sentence, shown as-is in the banner. */
  detail: string;
}

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
}

export interface BackendChoice {
  backend: BackendName;
  requested: BackendRequest;
  /** Why it runs, in one sentence. */
  reason: string;
  /** Each better backend that was not used, in order tried. */
  refusals: Refusal[];
  /** The WebGPU adapter, when one was found. */
  adapter?: AdapterInfo;
  /** The WebGL renderer string, when probed. */
  webglRenderer?: string;
  /** wasm only: the threads it runs on (after any fall-back to one) and why that many. */
  threads?: WasmThreads;
  /** `auto` in the page: the measured train-step times the choice was made on (worker/backend-probe.ts). */
  probe?: BackendProbe;
}

/**
 * One backend's probe: the median wall time of a timed train step (ms, after one warm-up step) or why it has none —
 * `kind` 'cut' when stopped at its deadline, 'not-timed' when never started, absent when it failed.
 */
export type ProbeFigure =
  | { backend: BackendName; ok: true; stepMs: number; loss: number }
  | { backend: BackendName; ok: false; why: string; kind?: 'cut' | 'not-timed' };

/** The probe behind an automatic choice: the shape it timed, every backend's figure, the usable ones fastest first. */
export interface BackendProbe {
  /** Rows and ids per row of the timed step. */
  batch: number;
  context: number;
  figures: ProbeFigure[];
  ranked: { backend: BackendName; stepMs: number }[];
  /** The probe's wall time (ms): every backend's start and steps, the workers' loading included. */
  ms: number;
  /** When it ran (ms since the epoch); earlier than this visit when the figures came from the cache. */
  at: number;
  /** Whether the figures came from the cache (a probe on an earlier visit) rather than this visit. */
  cached: boolean;
  /** Set when the backend that runs is not the probe's choice (a run was already on the page), saying so. */
  note?: string;
}

/** How many threads the wasm backend runs, and why that many (one sentence, shown in the banner). */
export interface WasmThreads {
  count: number;
  detail: string;
}

/** What the caller's platform offers. Leave a field out when the platform lacks it. */
export interface BackendEnv {
  /** `navigator.gpu`, or the `webgpu` package's GPU in Node. */
  gpu?: { requestAdapter(options?: unknown): Promise<unknown> } | null;
  /** Returns the WebGL renderer string, or null when no WebGL2 context can be made. Absent: WebGL not offered. */
  webglRenderer?: () => string | null;
  /** Where the tfjs wasm binaries live: a folder URL/path ending in '/', or one URL per file name. */
  wasmPaths?: string | Record<string, string>;
  /**
   * wasm threads wanted (one per core where the page is cross-origin isolated) or, when one, why. Absent: one thread
   * (Node, where tfjs has no wasm threads).
   */
  wasmThreads?: WasmThreads;
  /** How long the multi-threaded wasm build may take to start before one thread is used instead (ms). */
  wasmThreadsTimeoutMs?: number;
}

/** Registered by @tensorflow/tfjs-backend-wasm (its WASM_PRIORITY). */
const WASM_PRIORITY = 2;
const WASM_THREADS_TIMEOUT_MS = 30_000;

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i;

async function probeAdapter(env: BackendEnv): Promise<AdapterInfo | Refusal> {
  if (!env.gpu)
    return {
      backend: 'webgpu',
      reason: 'api-missing',
      detail: 'WebGPU unavailable: this browser exposes no navigator.gpu.',
    };
  let adapter: Record<string, unknown> | null;
  try {
    adapter = (await env.gpu.requestAdapter({ powerPreference: 'high-performance' })) as Record<string, unknown> | null;
  } catch (e) {
    return {
      backend: 'webgpu',
      reason: 'no-adapter',
      detail: `WebGPU unavailable: requestAdapter failed (${String(e)}).`,
    };
  }
  if (!adapter)
    return {
      backend: 'webgpu',
      reason: 'no-adapter',
      detail: 'WebGPU unavailable: no adapter (no usable GPU or driver).',
    };
  const info = (adapter.info ?? {}) as Record<string, unknown>;
  return {
    vendor: String(info.vendor ?? ''),
    architecture: String(info.architecture ?? ''),
    description: String(info.description ?? ''),
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false),
  };
}

/**
 * Register tfjs's WebGPU backend over the GPU object we were given. The package registers itself only when
 * `navigator.gpu` exists at import time, which is never true in Node; its factory is re-created here (same device
 * features and limits as tfjs-backend-webgpu's own `base.ts`).
 */
async function registerWebGPU(gpu: NonNullable<BackendEnv['gpu']>): Promise<void> {
  // Importing the package registers its kernels (and, where navigator.gpu exists, its own factory, replaced below).
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      type Adapter = GPUAdapter & { info?: GPUAdapterInfo };
      const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) as Adapter | null;
      if (!adapter) throw new Error('no WebGPU adapter');
      const requiredFeatures: GPUFeatureName[] = [];
      if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
      const l = adapter.limits;
      const device = await adapter.requestDevice({
        requiredFeatures,
        requiredLimits: {
          maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
          maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
          maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
          maxBufferSize: l.maxBufferSize,
          maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
          maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
        },
      });
      return new WebGPUBackend(device, adapter.info);
    },
    3,
  );
}

async function setAndReady(name: BackendName): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Start the wasm backend on `env.wasmThreads.count` threads (tfjs's threaded SIMD build) or one. When the threaded
 * build fails or does not start within the timeout (a host whose policy blocks blob workers, say), the backend is
 * registered afresh and started on one thread; the returned detail says why.
 */
async function initWasm(env: BackendEnv): Promise<WasmThreads> {
  if (env.wasmPaths) setWasmPaths(env.wasmPaths as string);
  const want = env.wasmThreads && env.wasmThreads.count > 1 ? env.wasmThreads : null;
  let why =
    env.wasmThreads?.detail ?? 'one thread: tfjs runs wasm threads only in a cross-origin isolated browser page';
  if (want) {
    const factory = tf.findBackendFactory('wasm');
    setThreadsCount(want.count);
    const ms = env.wasmThreadsTimeoutMs ?? WASM_THREADS_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`it did not start within ${(ms / 1000).toLocaleString('en', { maximumFractionDigits: 1 })} s`),
          ),
        ms,
      );
    });
    try {
      await Promise.race([setAndReady('wasm'), timeout]);
      const count = getThreadsCount();
      // tfjs chose its single-threaded build: the browser offers no shared WebAssembly memory.
      return count > 1
        ? { count, detail: want.detail }
        : { count, detail: 'one thread: this browser refused wasm threads (no shared memory for WebAssembly)' };
    } catch (e) {
      why = `one thread: the multi-threaded wasm build failed (${message(e)})`;
      // Forget the stuck or failed start and register the backend afresh for the single-threaded build.
      if (tf.findBackendFactory('wasm')) tf.removeBackend('wasm');
      if (factory) tf.registerBackend('wasm', factory, WASM_PRIORITY);
    } finally {
      clearTimeout(timer);
    }
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setThreadsCount(1);
  await setAndReady('wasm');
  return { count: 1, detail: why };
}

async function tryInit(name: BackendName, env: BackendEnv): Promise<{ failure: string } | { threads?: WasmThreads }> {
  try {
    if (name === 'webgpu' && env.gpu) await registerWebGPU(env.gpu);
    // Importing the package registers the backend and its kernels (where tfjs sees a browser or a worker).
    if (name === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
    if (name === 'wasm') return { threads: await initWasm(env) };
    await setAndReady(name);
    return {};
  } catch (e) {
    return { failure: message(e) };
  }
}

function describeAdapter(a: AdapterInfo): string {
  return [a.vendor, a.architecture, a.description].filter(Boolean).join(' ') || 'unnamed adapter';
}

/**
 * What the platform offers, read without starting a backend: the WebGPU adapter (or why there is none), the WebGL2
 * renderer, wasm's threads. The page's backend probe keys its cache on these (core/backend-probe.ts).
 */
export async function backendFacts(env: BackendEnv): Promise<{
  adapter: AdapterInfo | null;
  adapterWhy: string | null;
  webglRenderer: string | null;
  wasmThreads: number;
}> {
  const a = await probeAdapter(env);
  return {
    adapter: 'reason' in a ? null : a,
    adapterWhy: 'reason' in a ? a.detail : null,
    webglRenderer: env.webglRenderer?.() ?? null,
    wasmThreads: env.wasmThreads?.count ?? 1,
  };
}

/**
 * Initialise the best backend for `request`. `auto` tries webgpu → webgl → wasm → cpu, refusing software GPUs.
 * A forced name skips the software checks; if it cannot start, the rest of the chain is tried and the refusal says
 * why — unless `only` (the backend probe, timing one backend at a time), when it throws with that reason instead.
 */
export async function selectBackend(
  request: BackendRequest,
  env: BackendEnv,
  { only = false }: { only?: boolean } = {},
): Promise<BackendChoice> {
  const refusals: Refusal[] = [];
  const choice: Partial<BackendChoice> = { requested: request };
  const forced = request === 'auto' ? null : request;
  const order: BackendName[] = forced
    ? only
      ? [forced]
      : [forced, ...BACKENDS.filter((b) => b !== forced)]
    : [...BACKENDS];
  for (const name of order) {
    const isForced = name === forced;
    if (name === 'webgpu') {
      const probe = await probeAdapter(env);
      if ('reason' in probe) {
        refusals.push(probe);
        continue;
      }
      choice.adapter = probe;
      if (probe.isFallbackAdapter && !isForced) {
        refusals.push({
          backend: 'webgpu',
          reason: 'software-adapter',
          detail: `WebGPU refused: the adapter (${describeAdapter(probe)}) is a software fallback that runs on the CPU, typically about 20× slower than wasm. Force it with ?backend=webgpu.`,
        });
        continue;
      }
    }
    if (name === 'webgl') {
      if (!env.webglRenderer) {
        refusals.push({
          backend: 'webgl',
          reason: 'not-in-environment',
          detail: 'WebGL is not offered in this environment.',
        });
        continue;
      }
      const renderer = env.webglRenderer();
      if (renderer === null) {
        refusals.push({
          backend: 'webgl',
          reason: 'api-missing',
          detail: 'WebGL unavailable: no WebGL2 context could be created.',
        });
        continue;
      }
      choice.webglRenderer = renderer;
      if (SOFTWARE_RENDERER.test(renderer) && !isForced) {
        refusals.push({
          backend: 'webgl',
          reason: 'software-renderer',
          detail: `WebGL refused: the renderer (${renderer}) rasterises in software, slower than wasm. Force it with ?backend=webgl.`,
        });
        continue;
      }
    }
    const started = await tryInit(name, env);
    if ('failure' in started) {
      refusals.push({ backend: name, reason: 'init-failed', detail: `${name} failed to start: ${started.failure}` });
      continue;
    }
    if (started.threads) choice.threads = started.threads;
    const reason = isForced
      ? `${name} was requested.`
      : refusals.length === 0
        ? `${name} is the fastest backend available.`
        : `${name} is the best backend left after the refusals below.`;
    return { ...choice, backend: name, reason, refusals } as BackendChoice;
  }
  throw new Error(`No tfjs backend could start: ${refusals.map((r) => r.detail).join(' ')}`);
}

/** Parse a `?backend=` value; anything unknown means auto. */
export function parseBackendRequest(value: string | null | undefined): BackendRequest {
  return value && (BACKENDS as readonly string[]).includes(value) ? (value as BackendName) : 'auto';
}
