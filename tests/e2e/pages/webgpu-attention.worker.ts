// A module worker that runs one check of webgpu-attention.ts on request and posts its result back (in a worker because,
// on a page, SwiftShader's WebGPU in Chromium refused tfjs's mapped upload buffers of a few kB (createBuffer with
// mappedAtCreation: "too large for the implementation"), and the app trains in a worker too).
import * as checks from './webgpu-attention';

self.onmessage = async (e: MessageEvent<string>) => {
  try {
    const fn = (checks as unknown as Record<string, () => Promise<unknown>>)[e.data];
    self.postMessage({ ok: await fn() });
  } catch (err) {
    self.postMessage({ error: String(err instanceof Error ? (err.stack ?? err.message) : err) });
  }
};
