// A module worker that runs one check of webgpu-kernels.ts on request and posts its result back: WebGPU on
// SwiftShader in Chromium maps upload buffers of a few kB only in a worker (on a page, createBuffer with
// mappedAtCreation fails as "too large for the implementation" and tfjs reads zeros), and the app trains in a worker.
import * as checks from './webgpu-kernels';

self.onmessage = async (e: MessageEvent<string>) => {
  try {
    const fn = (checks as unknown as Record<string, () => Promise<unknown>>)[e.data];
    self.postMessage({ ok: await fn() });
  } catch (err) {
    self.postMessage({ error: String(err instanceof Error ? (err.stack ?? err.message) : err) });
  }
};
