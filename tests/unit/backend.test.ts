// Backend selection with fake platforms: software GPUs are refused in auto mode with typed reasons; forcing wins.
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/core/tf';
import { parseBackendRequest, selectBackend, type BackendEnv } from '../../src/core/backend';
import { nodeWasmDir } from '../../src/cli/backend-node';

const fallbackGpu: BackendEnv['gpu'] = {
  requestAdapter: async () => ({
    info: { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader', isFallbackAdapter: true },
  }),
};

describe('selectBackend', () => {
  it('refuses a fallback WebGPU adapter and a software WebGL renderer in auto mode, and says why', async () => {
    const choice = await selectBackend('auto', {
      gpu: fallbackGpu,
      webglRenderer: () => 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device))',
      wasmPaths: nodeWasmDir(),
    });
    expect(choice.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.refusals.map((r) => [r.backend, r.reason])).toEqual([
      ['webgpu', 'software-adapter'],
      ['webgl', 'software-renderer'],
    ]);
    expect(choice.refusals[0].detail).toMatch(/software fallback/);
    expect(choice.adapter?.isFallbackAdapter).toBe(true);
    expect(choice.reason).toMatch(/wasm is the best backend left/);
  });

  it('explains a missing WebGPU API and a missing adapter', async () => {
    let choice = await selectBackend('auto', { wasmPaths: nodeWasmDir() });
    expect(choice.refusals[0]).toMatchObject({ backend: 'webgpu', reason: 'api-missing' });
    expect(choice.refusals[1]).toMatchObject({ backend: 'webgl', reason: 'not-in-environment' });
    choice = await selectBackend('auto', {
      gpu: { requestAdapter: async () => null },
      webglRenderer: () => null,
      wasmPaths: nodeWasmDir(),
    });
    expect(choice.refusals.map((r) => r.reason)).toEqual(['no-adapter', 'api-missing']);
  });

  it('honours a forced backend, and falls through with the reason when it cannot start', async () => {
    let choice = await selectBackend('cpu', { gpu: fallbackGpu, wasmPaths: nodeWasmDir() });
    expect(choice).toMatchObject({ backend: 'cpu', requested: 'cpu', refusals: [] });
    choice = await selectBackend('webgl', { wasmPaths: nodeWasmDir() });
    expect(choice.backend).toBe('wasm');
    expect(choice.refusals[0]).toMatchObject({ backend: 'webgl', reason: 'not-in-environment' });
  });

  it('parses ?backend= values, treating unknown ones as auto', () => {
    expect(parseBackendRequest('webgpu')).toBe('webgpu');
    expect(parseBackendRequest('cuda')).toBe('auto');
    expect(parseBackendRequest(null)).toBe('auto');
  });
});
