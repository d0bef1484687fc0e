/**
 * Node-only side of backend selection: wasm binaries from node_modules, and WebGPU through the npm package `webgpu`
 * (Dawn) when asked. Never imported by the browser bundle. Node's default is wasm, the fastest backend on a CPU.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '../core/tf';
import { selectBackend, type BackendChoice, type BackendEnv, type BackendName } from '../core/backend';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Folder of the tfjs wasm binaries inside node_modules, with a trailing slash. */
export function nodeWasmDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
}

/** Initialise `name` in Node (default wasm). tfjs's Node advice banner is silenced: it is not actionable here. */
export async function initNodeBackend(name: BackendName = 'wasm'): Promise<BackendChoice> {
  tf.env().set('PROD', true); // silences tfjs's advice to install tfjs-node, which cannot install here
  const env: BackendEnv = {
    wasmPaths: nodeWasmDir(),
    wasmThreads: { count: 1, detail: 'one thread: tfjs has no wasm threads in Node' },
  };
  if (name === 'webgpu') {
    // Without a GPU driver, Dawn can use Chromium's SwiftShader Vulkan ICD when it is installed.
    if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    const { create, globals } = (await import('webgpu')) as unknown as {
      create: (o: string[]) => unknown;
      globals: Record<string, unknown>;
    };
    Object.assign(globalThis, globals);
    const gpu = create([]) as BackendEnv['gpu'];
    const g = globalThis as unknown as { navigator?: Record<string, unknown> };
    if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    env.gpu = gpu;
  }
  return selectBackend(name, env);
}
