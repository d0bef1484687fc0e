// The page's controller (src/app/controller.ts) against a fake worker client, with the real app store and the real
// IndexedDB persistence (fake-indexeddb): init asks for the backend and the shipped LM's shape; the one Play method
// starts a new run (saved in IndexedDB first), continues a paused one, resumes a stopped or restored one from its
// checkpoints under the same id, and starts afresh after a finished one; setup problems keep it from sending
// anything; what the user asked for shows until the worker answers; Reset (Cancel while preparing) clears the run
// and its saved copy; streamed events reach the store. play-button.ts's decision and label are checked per phase.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkerEvent } from '../../src/worker/protocol';
import type { Command } from '../../src/app/worker-client';
import { deleteRun, loadCurrent, saveCheckpoint, saveNewRun } from '../../src/browser/persist';
import { Controller } from '../../src/app/controller';
import { playButton } from '../../src/app/play-button';
import { useAppStore } from '../../src/app/store';
import type { RunStatus } from '../../src/worker/protocol';

const { FakeClient, LM } = vi.hoisted(() => {
  /** public/models/lm-austen/config.json */
  const LM = { vocabSize: 2048, nPositions: 96, nEmbd: 128, nLayer: 4, nHead: 4, tieEmbeddings: true };
  /** The worker side: every command is kept; answers come at once unless the test holds them. */
  class FakeClient {
    static all: FakeClient[] = [];
    readonly sent: Command[] = [];
    held: { cmd: Command; answer: () => void }[] = [];
    hold = false;

    constructor(readonly onEvent: (e: WorkerEvent) => void) {
      FakeClient.all.push(this);
    }

    send(cmd: Command): Promise<WorkerEvent> {
      this.sent.push(cmd);
      const answer = (): WorkerEvent => {
        if (cmd.type === 'init')
          return { type: 'ready', id: 0, choice: { backend: 'wasm', refusals: [] } as never, initMs: 5, memory: null };
        if (cmd.type === 'lm-info')
          return {
            type: 'lm',
            id: 0,
            info: { name: 'lm-austen (shipped)', shape: LM, params: 0, tokenizer: 'tokenizer.json' },
          };
        return { type: 'ack', id: 0 };
      };
      if (!this.hold) return Promise.resolve(answer());
      return new Promise((resolve) => this.held.push({ cmd, answer: () => resolve(answer()) }));
    }

    terminate(): void {}
  }
  return { FakeClient, LM };
});
type FakeClient = InstanceType<typeof FakeClient>;

vi.mock('../../src/app/worker-client', () => ({ WorkerClient: FakeClient }));

const store = () => useAppStore.getState();
/** How long to wait for the controller to reach a command (IndexedDB writes come first): generous, for a loaded machine. */
const WAIT = { timeout: 60_000, interval: 20 };
const status = (phase: RunStatus['phase'], step = 0): WorkerEvent => ({
  type: 'status',
  id: null,
  status: {
    phase,
    message: '',
    progress: null,
    step,
    steps: 6,
    runs: 2,
    stepsLeft: 0,
    stepMs: null,
    evalMs: null,
    evalEvery: 3,
    saveMsPerStep: null,
    tokensPerSecond: null,
    numTensors: 0,
    numBytes: 0,
  },
});
const record = (arm: string, step: number) => ({
  arm,
  seed: 0,
  step,
  tokens: 64 * step,
  metric: 'train/loss',
  value: 5 - step / 10,
});

let c: Controller;
let client: FakeClient;

/** A controller whose worker is up and whose shipped LM's shape is known. */
async function ready(): Promise<void> {
  c = new Controller('wasm');
  client = FakeClient.all.at(-1)!;
  await vi.waitFor(() => expect(store().lmInfo?.shape).toEqual(LM), WAIT);
}

const starts = () => client.sent.filter((x) => x.type === 'start') as Extract<Command, { type: 'start' }>[];

describe('Controller', () => {
  beforeEach(() => {
    vi.stubGlobal('navigator', {}); // no wake lock here (Node 20 has no navigator)
    useAppStore.setState(useAppStore.getInitialState(), true);
    FakeClient.all = [];
  });
  afterEach(async () => {
    vi.unstubAllGlobals();
    const current = await loadCurrent();
    if (current) await deleteRun(current.run.id);
  });

  it('init starts the requested backend, then reads the shipped LM shape', async () => {
    await ready();
    expect(client.sent.map((x) => x.type)).toEqual(['init', 'lm-info']);
    expect(client.sent[0]).toEqual({ type: 'init', backend: 'wasm' });
    expect(store().device.status).toBe('ready');
    expect(store().device.choice?.backend).toBe('wasm');
  });

  it('Play on a new page starts a run with the setup, saved in IndexedDB before the worker is asked; "starting…" shows until it answers', async () => {
    await ready();
    client.hold = true;
    const pressed = c.pressPlay();
    await vi.waitFor(() => expect(client.held.map((h) => h.cmd.type)).toEqual(['start']), WAIT);
    expect(store().run.intent).toBe('starting');
    const saved = await loadCurrent();
    client.held[0].answer();
    await pressed;
    expect(store().run.intent).toBeNull();
    const [cmd] = starts();
    expect(cmd).toMatchObject({
      type: 'start',
      config: store().config,
      dataset: { kind: 'emoji' },
      lm: { kind: 'shipped' },
      paused: false,
      resume: false,
    });
    expect(cmd.runId).toBe(store().run.meta!.id);
    expect(saved?.run.meta.id).toBe(cmd.runId);
    expect(saved?.run.meta.config).toEqual(cmd.config);
  });

  it('Play with a setup problem sends nothing and throws the problem', async () => {
    await ready();
    store().setFieldError('steps', 'steps: a whole number of at least 1');
    await expect(c.pressPlay()).rejects.toThrow('steps: a whole number of at least 1');
    expect(starts()).toEqual([]);
    expect(store().run.meta).toBeNull();
  });

  it('Play while paused continues the run: one play command, no new run', async () => {
    await ready();
    await c.pressPlay();
    const id = store().run.meta!.id;
    client.onEvent(status('paused', 3));
    expect(playButton(store().run)).toMatchObject({ choice: 'continue', label: 'Resume' });
    await c.pressPlay();
    expect(client.sent.at(-1)).toEqual({ type: 'play' });
    expect(starts()).toHaveLength(1);
    expect(store().run.meta!.id).toBe(id);
  });

  it('Play on a stopped run with checkpoints resumes it from them under the same id, keeping the records up to them', async () => {
    await ready();
    await c.pressPlay();
    const id = store().run.meta!.id;
    client.onEvent({ type: 'metrics', id: null, records: [1, 2, 3, 4].map((s) => record('scratch', s)) });
    client.onEvent({ type: 'checkpoint', id: null, arm: 'scratch', seed: 0, step: 3 });
    client.onEvent(status('failed', 4));
    expect(playButton(store().run)).toMatchObject({ choice: 'resume', label: 'Resume from checkpoints' });
    client.hold = true;
    const pressed = c.pressPlay();
    await vi.waitFor(() => expect(client.held).toHaveLength(1), WAIT);
    expect(store().run.intent).toBe('resuming');
    client.held[0].answer();
    await pressed;
    expect(starts().map((s) => [s.runId, s.resume])).toEqual([
      [id, false],
      [id, true],
    ]);
    expect(store().run.records.map((r) => r.step)).toEqual([1, 2, 3]);
  });

  it('Play on a run restored after a reload resumes it from its saved checkpoints', async () => {
    const meta = {
      id: 'restored-run',
      config: store().config,
      dataset: store().dataset,
      lm: store().lm,
      backend: 'wasm',
      createdAt: 1,
    };
    await saveNewRun(meta, null, null);
    await saveCheckpoint(meta.id, { arm: 'pretrained', seed: 0, step: 3, files: [] });
    await ready();
    await c.restore();
    expect(playButton(store().run)).toMatchObject({
      phase: 'restored',
      choice: 'resume',
      label: 'Resume from checkpoints',
    });
    await c.pressPlay();
    expect(starts()).toEqual([expect.objectContaining({ runId: 'restored-run', resume: true, config: meta.config })]);
  });

  it('Play after a finished run starts a new one, which replaces it in IndexedDB', async () => {
    await ready();
    await c.pressPlay();
    const first = store().run.meta!.id;
    client.onEvent(status('done', 6));
    expect(playButton(store().run)).toMatchObject({ choice: 'start', label: 'New run' });
    await c.pressPlay();
    const second = store().run.meta!.id;
    expect(second).not.toBe(first);
    expect(starts().map((s) => [s.runId, s.resume])).toEqual([
      [first, false],
      [second, false],
    ]);
    expect((await loadCurrent())!.run.id).toBe(second);
  });

  it('Cancel while preparing says so until the worker answers, then clears the run and deletes its saved copy', async () => {
    await ready();
    await c.pressPlay();
    client.onEvent(status('preparing'));
    client.hold = true;
    const cancelled = c.reset();
    await vi.waitFor(() => expect(client.held.map((h) => h.cmd)).toEqual([{ type: 'reset' }]), WAIT);
    expect(store().run.intent).toBe('cancelling');
    client.held[0].answer();
    await cancelled;
    expect(store().run.meta).toBeNull();
    expect(store().run.intent).toBeNull();
    expect(await loadCurrent()).toBeNull();
  });

  it('streamed events reach the store: status, metrics, checkpoints, a storage notice, a run error', async () => {
    await ready();
    await c.pressPlay();
    client.onEvent(status('running', 1));
    client.onEvent({ type: 'metrics', id: null, records: [record('pretrained', 1)] });
    client.onEvent({ type: 'checkpoint', id: null, arm: 'pretrained', seed: 0, step: 1 });
    client.onEvent({ type: 'error', id: null, scope: 'storage', message: 'Could not save the latest metrics' });
    client.onEvent({ type: 'error', id: null, scope: 'experiment', message: 'the LM file is truncated' });
    const run = store().run;
    expect(run.status?.phase).toBe('running');
    expect(run.records).toEqual([record('pretrained', 1)]);
    expect(run.checkpoints).toEqual({ 'pretrained/0': 1 });
    expect(run.notice).toBe('Could not save the latest metrics');
    expect(run.error).toBe('the LM file is truncated');
  });
});

describe('playButton', () => {
  const run = (over: Partial<ReturnType<typeof store>['run']>) => ({ ...useAppStore.getInitialState().run, ...over });
  const st = (phase: RunStatus['phase']) => (status(phase) as Extract<WorkerEvent, { type: 'status' }>).status;
  it.each([
    ['a new page', run({}), 'idle', 'start', 'Play'],
    ['paused', run({ status: st('paused') }), 'paused', 'continue', 'Resume'],
    [
      'stopped with checkpoints',
      run({ status: st('failed'), checkpoints: { 'scratch/0': 3 } }),
      'failed',
      'resume',
      'Resume from checkpoints',
    ],
    ['stopped with no checkpoint', run({ status: st('failed') }), 'failed', 'start', 'Play'],
    ['done', run({ status: st('done') }), 'done', 'start', 'New run'],
    ['restored, unfinished', run({ restored: true }), 'restored', 'resume', 'Resume from checkpoints'],
    ['restored, finished', run({ restored: true, finished: {} as never }), 'restored', 'start', 'New run'],
  ])('%s', (_what, r, phase, choice, label) => {
    expect(playButton(r)).toEqual({ phase, choice, label });
  });
});
