/**
 * The Web Worker that owns the core: it picks the backend, runs the work the page asks for one job at a time
 * (a promise queue), and answers with events. The page never touches tfjs.
 */
import { parseBackendRequest, selectBackend, type BackendEnv } from '../core/backend';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { runSelfTest } from './self-test';
import type { WorkerCommand, WorkerEvent } from './protocol';

const post = (e: WorkerEvent) => (self as unknown as Worker).postMessage(e);

function webglRenderer(): string | null {
  if (typeof OffscreenCanvas === 'undefined') return null;
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
  if (!gl) return null;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return renderer;
}

const env: BackendEnv = {
  gpu: (self.navigator as Navigator & { gpu?: BackendEnv['gpu'] }).gpu ?? null,
  webglRenderer,
  wasmPaths: {
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  },
};

let initialised = false;

async function handle(cmd: WorkerCommand): Promise<void> {
  switch (cmd.type) {
    case 'init': {
      const t0 = performance.now();
      const choice = await selectBackend(parseBackendRequest(cmd.backend), env);
      initialised = true;
      post({ type: 'ready', id: cmd.id, choice, initMs: performance.now() - t0 });
      return;
    }
    case 'self-test': {
      if (!initialised) throw new Error('self-test before init: the backend is not started yet');
      post({ type: 'self-test', id: cmd.id, result: await runSelfTest(cmd.steps, cmd.seed) });
      return;
    }
  }
}

let queue: Promise<void> = Promise.resolve();
self.onmessage = (ev: MessageEvent<WorkerCommand>) => {
  const cmd = ev.data;
  queue = queue.then(() =>
    handle(cmd).catch((e: unknown) => post({ type: 'error', id: cmd.id ?? null, message: e instanceof Error ? e.message : String(e) })),
  );
};
