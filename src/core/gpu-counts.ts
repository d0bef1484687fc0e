/**
 * What a GPU pays for in a train step, counted at the WebGPU API itself: compute dispatches
 * (`GPUComputePassEncoder.dispatchWorkgroups`), GPU→CPU waits (`GPUBuffer.mapAsync`, each one a round trip that stalls
 * the step until the queue drains) and CPU→GPU uploads (`GPUQueue.writeBuffer`, and buffers created
 * `mappedAtCreation`, which is how tfjs-backend-webgpu 4.22 uploads tensor data; its writeBuffer calls are the
 * per-dispatch uniforms). Counting wraps those prototype methods once, on whatever WebGPU implementation the global
 * scope carries (a browser or worker's, or the npm `webgpu` package's after src/cli/backend-node.ts installs it); a
 * backend that is not WebGPU makes none of these calls, so its counts are 0 by construction.
 */

/** Running totals since installation. */
export interface GpuCounts {
  /** dispatchWorkgroups calls. */
  dispatches: number;
  /** mapAsync calls with MAP_READ: GPU→CPU read-backs the CPU waits for. */
  readbacks: number;
  /** Bytes those read-backs map (the mapped range, or the whole buffer). */
  readback_bytes: number;
  /** writeBuffer calls plus buffers created mappedAtCreation. */
  uploads: number;
  /** Bytes written by those uploads. */
  upload_bytes: number;
}

const totals: GpuCounts = { dispatches: 0, readbacks: 0, readback_bytes: 0, uploads: 0, upload_bytes: 0 };
let installed = false;

type Ctor = { prototype: Record<string, unknown> } | undefined;

function wrap(ctor: Ctor, method: string, before: (self: unknown, args: unknown[]) => void): boolean {
  const proto = ctor?.prototype;
  const original = proto?.[method];
  if (typeof original !== 'function') return false;
  proto![method] = function (this: unknown, ...args: unknown[]) {
    before(this, args);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  return true;
}

function byteLength(data: unknown, offset: unknown, size: unknown): number {
  const view = data as { byteLength?: number; BYTES_PER_ELEMENT?: number };
  const unit = view.BYTES_PER_ELEMENT ?? 1; // a TypedArray's offset and size count elements, an ArrayBuffer's bytes
  if (typeof size === 'number') return size * unit;
  return Math.max(0, (view.byteLength ?? 0) - (typeof offset === 'number' ? offset * unit : 0));
}

/**
 * Wrap the counted WebGPU methods (idempotent). Returns false, counting nothing, where the global scope has no
 * WebGPU classes (Node without the `webgpu` package installed as globals, a browser without WebGPU).
 */
export function installGpuCounters(): boolean {
  if (installed) return true;
  const g = globalThis as unknown as Record<string, Ctor>;
  if (!g.GPUComputePassEncoder || !g.GPUBuffer || !g.GPUQueue || !g.GPUDevice) return false;
  const mapRead = (globalThis as unknown as { GPUMapMode?: { READ: number } }).GPUMapMode?.READ ?? 1;
  wrap(g.GPUComputePassEncoder, 'dispatchWorkgroups', () => {
    totals.dispatches += 1;
  });
  wrap(g.GPUBuffer, 'mapAsync', (self, [mode, offset, size]) => {
    if (((mode as number) & mapRead) === 0) return;
    totals.readbacks += 1;
    totals.readback_bytes +=
      typeof size === 'number'
        ? size
        : Math.max(0, ((self as { size?: number }).size ?? 0) - ((offset as number) ?? 0));
  });
  wrap(g.GPUQueue, 'writeBuffer', (_self, [, , data, dataOffset, size]) => {
    totals.uploads += 1;
    totals.upload_bytes += byteLength(data, dataOffset, size);
  });
  wrap(g.GPUDevice, 'createBuffer', (_self, [desc]) => {
    const d = desc as { size?: number; mappedAtCreation?: boolean } | undefined;
    if (!d?.mappedAtCreation) return;
    totals.uploads += 1;
    totals.upload_bytes += d.size ?? 0;
  });
  installed = true;
  return true;
}

/** A copy of the running totals (all 0 when never installed). */
export function gpuCountsNow(): GpuCounts {
  return { ...totals };
}

/** b − a, field by field. */
export function gpuCountsSince(a: GpuCounts, b: GpuCounts = gpuCountsNow()): GpuCounts {
  return {
    dispatches: b.dispatches - a.dispatches,
    readbacks: b.readbacks - a.readbacks,
    readback_bytes: b.readback_bytes - a.readback_bytes,
    uploads: b.uploads - a.uploads,
    upload_bytes: b.upload_bytes - a.upload_bytes,
  };
}
