// The WebGPU counters (src/core/gpu-counts.ts) on fake WebGPU classes: each wrapped call is counted with its bytes,
// map-for-write and plain buffers are not, and the wrapped methods still run and return their results.
import { afterAll, describe, expect, it } from 'vitest';
import { gpuCountsNow, gpuCountsSince, installGpuCounters } from '../../src/core/gpu-counts';
import { gpuCountFields } from '../../src/core/bench';

const calls: string[] = [];
class GPUComputePassEncoder {
  dispatchWorkgroups(x: number) {
    calls.push(`dispatch ${x}`);
  }
}
class GPUBuffer {
  size = 64;
  mapAsync(mode: number) {
    calls.push(`map ${mode}`);
    return Promise.resolve('mapped');
  }
}
class GPUQueue {
  writeBuffer() {
    calls.push('write');
  }
}
class GPUDevice {
  createBuffer(d: { size: number }) {
    calls.push(`create ${d.size}`);
    return new GPUBuffer();
  }
}
const fakes = { GPUComputePassEncoder, GPUBuffer, GPUQueue, GPUDevice, GPUMapMode: { READ: 1, WRITE: 2 } };
const g = globalThis as Record<string, unknown>;

describe('gpu counts', () => {
  afterAll(() => {
    for (const k of Object.keys(fakes)) delete g[k];
  });

  it('counts nothing and installs nothing without WebGPU classes', () => {
    expect(installGpuCounters()).toBe(false);
    expect(gpuCountsNow()).toEqual({ dispatches: 0, readbacks: 0, readback_bytes: 0, uploads: 0, upload_bytes: 0 });
  });

  it('counts dispatches, read-backs and uploads with their bytes', async () => {
    Object.assign(g, fakes);
    expect(installGpuCounters()).toBe(true);
    expect(installGpuCounters()).toBe(true); // idempotent: a second install does not double-count
    const at = gpuCountsNow();
    const pass = new GPUComputePassEncoder();
    pass.dispatchWorkgroups(3);
    pass.dispatchWorkgroups(5);
    const buf = new GPUBuffer();
    expect(await buf.mapAsync(1)).toBe('mapped'); // read: the whole 64-byte buffer
    await (buf.mapAsync as (m: number, o: number, s: number) => Promise<unknown>)(1, 0, 16); // read: 16 bytes
    await buf.mapAsync(2); // map for write: not a read-back
    const q = new GPUQueue();
    (q.writeBuffer as (...a: unknown[]) => void)(buf, 0, new Float32Array(10)); // 40 bytes
    (q.writeBuffer as (...a: unknown[]) => void)(buf, 0, new Float32Array(10), 2, 3); // 3 elements: 12 bytes
    (q.writeBuffer as (...a: unknown[]) => void)(buf, 0, new ArrayBuffer(100), 20); // 80 bytes
    const dev = new GPUDevice();
    expect(dev.createBuffer({ size: 256, mappedAtCreation: true } as { size: number })).toBeInstanceOf(GPUBuffer);
    dev.createBuffer({ size: 512 }); // no data: not an upload
    expect(gpuCountsSince(at)).toEqual({
      dispatches: 2,
      readbacks: 2,
      readback_bytes: 80,
      uploads: 4,
      upload_bytes: 40 + 12 + 80 + 256,
    });
    expect(calls).toEqual([
      'dispatch 3',
      'dispatch 5',
      'map 1',
      'map 1',
      'map 2',
      'write',
      'write',
      'write',
      'create 256',
      'create 512',
    ]);
  });

  it('names how the bench counts were taken', () => {
    const c = { dispatches: 7, readbacks: 1, readback_bytes: 4, uploads: 9, upload_bytes: 100 };
    expect(gpuCountFields(c, true, 'webgpu')).toMatchObject({
      dispatches_per_step: 7,
      readbacks_per_step: 1,
      upload_bytes_per_step: 100,
      gpu_counts: expect.stringMatching(/WebGPU API/),
    });
    expect(gpuCountFields({ ...c, dispatches: 0 }, false, 'wasm').gpu_counts).toBe(
      '0: the wasm backend makes no WebGPU calls',
    );
  });
});
