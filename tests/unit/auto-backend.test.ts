// The page's auto backend through the controller (src/app/controller.ts, auto-backend.ts) against a fake worker
// client and a fake probe: the first visit starts on wasm at once and probes in the background; a faster backend
// found before anything is on the page restarts the worker on it; the figures are cached per adapter, so the next
// visit starts on the choice at once and probes nothing; Play stops a probe that is still running; the device's
// default setup follows the probed step unless the setup was chosen.
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkerEvent } from '../../src/worker/protocol';
import type { Command } from '../../src/app/worker-client';
import type { ProbeFacts, ProbeFigure } from '../../src/core/backend-probe';
import type { ProbeOutcome } from '../../src/app/backend-probe';
import { Controller } from '../../src/app/controller';
import { useAppStore } from '../../src/app/store';
import { PRESETS } from '../../src/core/experiment/config';

const { FakeClient, probes } = vi.hoisted(() => {
  const facts: ProbeFacts = {
    adapter: 'acme|gpu|Fast GPU',
    adapterWhy: null,
    webglRenderer: 'ANGLE (Acme)',
    wasmThreads: 2,
    userAgent: 'test',
  };
  class FakeClient {
    static all: FakeClient[] = [];
    readonly sent: Command[] = [];
    constructor(readonly onEvent: (e: WorkerEvent) => void) {
      FakeClient.all.push(this);
    }
    send(cmd: Command): Promise<WorkerEvent> {
      this.sent.push(cmd);
      if (cmd.type === 'facts') return Promise.resolve({ type: 'facts', id: 0, facts, adapter: null });
      if (cmd.type === 'init')
        return Promise.resolve({
          type: 'ready',
          id: 0,
          choice: { backend: cmd.backend, requested: cmd.backend, reason: 'requested.', refusals: [] } as never,
          initMs: 5,
          memory: null,
        });
      if (cmd.type === 'lm-info')
        return Promise.resolve({
          type: 'lm',
          id: 0,
          info: {
            name: 'lm (shipped)',
            shape: { vocabSize: 2048, nPositions: 96, nEmbd: 128, nLayer: 4, nHead: 4, tieEmbeddings: true },
            params: 0,
            tokenizer: 'tokenizer.json',
          },
        });
      return Promise.resolve({ type: 'ack', id: 0 });
    }
    terminate(): void {}
  }
  /** Each probe the controller starts: settle it with figures, or see it cancelled. */
  const probes: { resolve: (o: ProbeOutcome) => void; cancelled: string | null }[] = [];
  return { FakeClient, probes };
});

vi.mock('../../src/app/worker-client', () => ({ WorkerClient: FakeClient }));
vi.mock('../../src/app/backend-probe', async (orig) => ({
  ...(await orig<typeof import('../../src/app/backend-probe')>()),
  runProbe: () => {
    const p = { resolve: (_: ProbeOutcome) => {}, cancelled: null as string | null };
    const done = new Promise<ProbeOutcome>((r) => (p.resolve = r));
    probes.push(p);
    return {
      done,
      cancel: (why: string) => {
        p.cancelled = why;
        p.resolve({ figures: [], ms: 1, cancelled: why });
      },
    };
  },
}));

const store = () => useAppStore.getState();
const WAIT = { timeout: 30_000, interval: 10 };
const inits = () => FakeClient.all.flatMap((c) => c.sent.filter((x) => x.type === 'init').map((x) => x.backend));
const fig = (backend: ProbeFigure['backend'], stepMs: number): ProbeFigure => ({ backend, ok: true, stepMs, loss: 5 });

describe('the auto backend', () => {
  beforeEach(() => {
    const kept = new Map<string, string>();
    vi.stubGlobal('navigator', {});
    vi.stubGlobal('localStorage', {
      getItem: (k: string) => kept.get(k) ?? null,
      setItem: (k: string, v: string) => void kept.set(k, v),
      removeItem: (k: string) => void kept.delete(k),
    });
    useAppStore.setState(useAppStore.getInitialState(), true);
    FakeClient.all = [];
    probes.length = 0;
  });

  it('starts on wasm, probes in the background, moves to a faster backend found before a run, and starts there next visit', async () => {
    new Controller(null);
    await vi.waitFor(() => expect(probes).toHaveLength(1), WAIT);
    expect(FakeClient.all[0].sent.map((x) => x.type).slice(0, 2)).toEqual(['facts', 'init']);
    expect(inits()).toEqual(['wasm']);
    expect(store().device.choice).toMatchObject({ backend: 'wasm', requested: 'auto' });
    probes[0].resolve({ figures: [fig('wasm', 300), fig('webgpu', 5)], ms: 5000, cancelled: null });
    await vi.waitFor(() => expect(inits()).toEqual(['wasm', 'webgpu']), WAIT);
    await vi.waitFor(() => expect(store().device.choice?.probe?.cached).toBe(true), WAIT);
    expect(store().device.choice?.backend).toBe('webgpu');
    // The device's default from a 5 ms step of 4 rows: bigger than the lesson, and said.
    expect(store().deviceDefault?.preset).not.toBe('lesson');
    expect(store().config.preset).toBe(store().deviceDefault?.preset);
    // The next visit: the cached choice at once, no probe.
    useAppStore.setState(useAppStore.getInitialState(), true);
    FakeClient.all = [];
    new Controller(null);
    await vi.waitFor(() => expect(store().device.choice?.probe?.cached).toBe(true), WAIT);
    expect(inits()).toEqual(['webgpu']);
    expect(probes).toHaveLength(1);
  });

  it('keeps wasm and the lesson where wasm is fastest; a chosen setup stays', async () => {
    store().loadConfig(PRESETS.smoke, 'smoke', [], true);
    new Controller(null);
    await vi.waitFor(() => expect(probes).toHaveLength(1), WAIT);
    probes[0].resolve({
      figures: [fig('wasm', 130), { backend: 'webgpu', ok: false, why: 'cut at its deadline' }],
      ms: 9000,
      cancelled: null,
    });
    await vi.waitFor(() => expect(store().device.choice?.probe?.ms).toBe(9000), WAIT);
    expect(inits()).toEqual(['wasm']);
    expect(store().device.choice?.refusals.map((r) => r.reason)).toEqual(['probe-failed']);
    expect(store().config.preset).toBe('smoke');
    expect(store().deviceDefault).toBeNull();
    expect(store().device.speed?.source).toMatch(/backend probe/);
  });

  it('Play stops a probe that is still running; the page stays on wasm and says so', async () => {
    const c = new Controller(null);
    await vi.waitFor(() => expect(probes).toHaveLength(1), WAIT);
    await c.pressPlay().catch(() => undefined);
    expect(probes[0].cancelled).toBe('Play was pressed');
    await vi.waitFor(
      () => expect(store().device.choice?.reason).toMatch(/probe was stopped \(Play was pressed\)/),
      WAIT,
    );
    expect(inits()).toEqual(['wasm']);
  });
});
