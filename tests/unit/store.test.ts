// The device slice of the app store: transitions from starting to ready or error, and the self-test lifecycle.
import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../src/app/store';
import type { BackendChoice, SelfTestResult } from '../../src/worker/protocol';

const choice: BackendChoice = {
  backend: 'wasm',
  requested: 'auto',
  reason: 'wasm is the best backend left after the refusals below.',
  refusals: [{ backend: 'webgpu', reason: 'software-adapter', detail: 'WebGPU refused: software fallback.' }],
};
const result: SelfTestResult = {
  backend: 'wasm',
  losses: [4.5, 4.4],
  gradNorms: [1, 0.9],
  stepMs: [10, 12],
  tokensPerStep: 256,
  numTensorsBefore: 10,
  numTensorsAfter: 10,
  numBytes: 1024,
};

describe('device slice', () => {
  it('starts, becomes ready with the choice, and records the request', () => {
    const store = createAppStore();
    expect(store.getState().device.status).toBe('starting');
    store.getState().deviceStarting('webgpu');
    store.getState().deviceReady(choice, 42);
    const d = store.getState().device;
    expect(d).toMatchObject({ status: 'ready', requested: 'webgpu', initMs: 42, error: null });
    expect(d.choice?.refusals[0].reason).toBe('software-adapter');
  });

  it('keeps the last self-test result when a later one fails', () => {
    const store = createAppStore();
    store.getState().deviceReady(choice, 1);
    store.getState().selfTestStarted();
    expect(store.getState().device.selfTestRunning).toBe(true);
    store.getState().selfTestDone(result);
    store.getState().selfTestStarted();
    store.getState().selfTestDone(null, 'device lost');
    const d = store.getState().device;
    expect(d.selfTestRunning).toBe(false);
    expect(d.selfTest).toEqual(result);
    expect(d.error).toBe('device lost');
  });

  it('reports a failed start', () => {
    const store = createAppStore();
    store.getState().deviceFailed('No tfjs backend could start');
    expect(store.getState().device).toMatchObject({ status: 'error', error: 'No tfjs backend could start' });
  });
});
