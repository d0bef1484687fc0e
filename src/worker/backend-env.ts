/**
 * What a worker's platform offers the backend chooser (core/backend.ts): navigator.gpu, a WebGL2 probe, the wasm
 * binaries' URLs from the bundle, and wasm threads — one per core (navigator.hardwareConcurrency) when the page is
 * cross-origin isolated, else one, with the reason the banner shows. Shared by the trainer and the benchmark worker.
 */
import type { BackendEnv, WasmThreads } from '../core/backend';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

function webglRenderer(): string | null {
  if (typeof OffscreenCanvas === 'undefined') return null;
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
  if (!gl) return null;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return renderer;
}

/** The facts wasm threads depend on, as the worker sees them. */
export interface ThreadFacts {
  crossOriginIsolated: boolean;
  cores: number;
}

export function threadFacts(): ThreadFacts {
  return {
    crossOriginIsolated: Boolean(self.crossOriginIsolated),
    cores: Math.max(1, navigator.hardwareConcurrency || 1),
  };
}

/**
 * Threads for the wasm backend: `requested` (a benchmark's --threads) or one per core; one where the page is not
 * cross-origin isolated, since wasm threads share memory through SharedArrayBuffer, which only such a page has.
 */
export function wasmThreadsFor(facts: ThreadFacts, requested: number | null = null): WasmThreads {
  if (requested === 1) return { count: 1, detail: 'one thread, as requested' };
  if (!facts.crossOriginIsolated)
    return {
      count: 1,
      detail:
        'one thread: the page is not cross-origin isolated (its server must send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp), so wasm cannot share memory between threads',
    };
  if (requested !== null)
    return { count: requested, detail: `${requested} threads, as requested (${facts.cores} cores)` };
  if (facts.cores === 1) return { count: 1, detail: 'one thread: this device reports a single core' };
  return { count: facts.cores, detail: `${facts.cores} threads, one per core` };
}

export function workerBackendEnv(requestedThreads: number | null = null): BackendEnv {
  return {
    gpu: (self.navigator as Navigator & { gpu?: BackendEnv['gpu'] }).gpu ?? null,
    webglRenderer,
    wasmPaths: {
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
    },
    wasmThreads: wasmThreadsFor(threadFacts(), requestedThreads),
  };
}
