/**
 * Backend selection: try webgpu → webgl → wasm → cpu and record, with a typed reason, why each better one was
 * refused. Software GPUs (a WebGPU fallback adapter such as SwiftShader, a software WebGL renderer) are refused in
 * auto mode because they are much slower than wasm on the same CPU (docs/tfjs-notes.md); forcing a backend bypasses that.
 *
 * The environment (navigator.gpu, a WebGL probe, wasm file locations) is passed in by the caller — the worker or
 * Node (backend-node.ts) — so this module touches no globals of its own and can be tested with fakes.
 */
import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendRequest = BackendName | 'auto';

export type RefusalReason =
  | 'api-missing' // the platform has no such API (no navigator.gpu, no WebGL2 context)
  | 'no-adapter' // WebGPU present but requestAdapter() gave nothing
  | 'software-adapter' // WebGPU adapter is a CPU fallback (isFallbackAdapter)
  | 'software-renderer' // WebGL runs on a software rasteriser
  | 'init-failed' // tfjs could not initialise the backend
  | 'not-in-environment'; // the caller's environment does not offer it (e.g. webgl in Node)

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
}

/** What the caller's platform offers. Leave a field out when the platform lacks it. */
export interface BackendEnv {
  /** `navigator.gpu`, or the `webgpu` package's GPU in Node. */
  gpu?: { requestAdapter(options?: unknown): Promise<unknown> } | null;
  /** Returns the WebGL renderer string, or null when no WebGL2 context can be made. Absent: WebGL not offered. */
  webglRenderer?: () => string | null;
  /** Where the tfjs wasm binaries live: a folder URL/path ending in '/', or one URL per file name. */
  wasmPaths?: string | Record<string, string>;
}

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i;

async function probeAdapter(env: BackendEnv): Promise<AdapterInfo | Refusal> {
  if (!env.gpu) return { backend: 'webgpu', reason: 'api-missing', detail: 'WebGPU unavailable: this browser exposes no navigator.gpu.' };
  let adapter: Record<string, unknown> | null;
  try {
    adapter = (await env.gpu.requestAdapter({ powerPreference: 'high-performance' })) as Record<string, unknown> | null;
  } catch (e) {
    return { backend: 'webgpu', reason: 'no-adapter', detail: `WebGPU unavailable: requestAdapter failed (${String(e)}).` };
  }
  if (!adapter) return { backend: 'webgpu', reason: 'no-adapter', detail: 'WebGPU unavailable: no adapter (no usable GPU or driver).' };
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
function registerWebGPU(gpu: NonNullable<BackendEnv['gpu']>): void {
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', async () => {
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
  }, 3);
}

async function tryInit(name: BackendName, env: BackendEnv): Promise<string | null> {
  try {
    if (name === 'webgpu' && env.gpu) registerWebGPU(env.gpu);
    if (name === 'wasm') {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // threaded wasm hangs in minified bundles (docs/tfjs-notes.md)
      if (env.wasmPaths) setWasmPaths(env.wasmPaths as string);
    }
    const ok = await tf.setBackend(name);
    if (!ok) return `tf.setBackend('${name}') returned false`;
    await tf.ready();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function describeAdapter(a: AdapterInfo): string {
  return [a.vendor, a.architecture, a.description].filter(Boolean).join(' ') || 'unnamed adapter';
}

/**
 * Initialise the best backend for `request`. `auto` tries webgpu → webgl → wasm → cpu, refusing software GPUs.
 * A forced name skips the software checks; if it cannot start, the rest of the chain is tried and the refusal says why.
 */
export async function selectBackend(request: BackendRequest, env: BackendEnv): Promise<BackendChoice> {
  const refusals: Refusal[] = [];
  const choice: Partial<BackendChoice> = { requested: request };
  const forced = request === 'auto' ? null : request;
  const order: BackendName[] = forced ? [forced, ...BACKENDS.filter((b) => b !== forced)] : [...BACKENDS];
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
        refusals.push({ backend: 'webgl', reason: 'not-in-environment', detail: 'WebGL is not offered in this environment.' });
        continue;
      }
      const renderer = env.webglRenderer();
      if (renderer === null) {
        refusals.push({ backend: 'webgl', reason: 'api-missing', detail: 'WebGL unavailable: no WebGL2 context could be created.' });
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
    const failure = await tryInit(name, env);
    if (failure !== null) {
      refusals.push({ backend: name, reason: 'init-failed', detail: `${name} failed to start: ${failure}` });
      continue;
    }
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
