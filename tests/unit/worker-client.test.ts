// The page's worker client (src/app/worker-client.ts) against a fake Worker: each command gets the next id and its
// transfer list; the event carrying that id settles its promise (an error event rejects it), whatever order the
// answers come in; events with no id, or an id nobody waits for, go to the listener; a crashed worker rejects every
// pending command and tells the listener; terminate stops the worker and rejects what was pending.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkerClient } from '../../src/app/worker-client';
import type { WorkerCommand, WorkerEvent } from '../../src/worker/protocol';

class FakeWorker {
  static last: FakeWorker | null = null;
  readonly posted: { cmd: WorkerCommand; transfer: Transferable[] }[] = [];
  terminated = false;
  onmessage: ((ev: MessageEvent<WorkerEvent>) => void) | null = null;
  onerror: ((ev: ErrorEvent) => void) | null = null;

  constructor(
    readonly url: URL,
    readonly options: WorkerOptions,
  ) {
    FakeWorker.last = this;
  }

  postMessage(cmd: WorkerCommand, transfer: Transferable[]): void {
    this.posted.push({ cmd, transfer });
  }

  terminate(): void {
    this.terminated = true;
  }

  /** The worker answers. */
  emit(e: WorkerEvent): void {
    this.onmessage!({ data: e } as MessageEvent<WorkerEvent>);
  }
}

const settled = async <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ value }),
    (error: Error) => ({ error: error.message }),
  );

describe('WorkerClient', () => {
  let events: WorkerEvent[];
  let client: WorkerClient;
  let worker: FakeWorker;

  beforeEach(() => {
    vi.stubGlobal('Worker', FakeWorker);
    events = [];
    client = new WorkerClient((e) => events.push(e));
    worker = FakeWorker.last!;
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('starts the trainer worker as a module', () => {
    expect(worker.url.pathname).toMatch(/\/src\/worker\/trainer\.worker\.ts$/);
    expect(worker.options).toEqual({ type: 'module' });
  });

  it('numbers each command, passes its transfer list, and settles each promise with the event carrying its id, in any order', async () => {
    const buffer = new ArrayBuffer(8);
    const init = client.send<'ready'>({ type: 'init', backend: 'wasm' });
    const pause = client.send<'ack'>({ type: 'pause' }, [buffer]);
    expect(worker.posted).toEqual([
      { cmd: { type: 'init', backend: 'wasm', id: 1 }, transfer: [] },
      { cmd: { type: 'pause', id: 2 }, transfer: [buffer] },
    ]);
    worker.emit({ type: 'ack', id: 2 });
    const ready: WorkerEvent = {
      type: 'ready',
      id: 1,
      choice: { backend: 'wasm', refusals: [] } as never,
      initMs: 3,
      memory: null,
    };
    worker.emit(ready);
    expect(await pause).toEqual({ type: 'ack', id: 2 });
    expect(await init).toEqual(ready);
    expect(events).toEqual([]);
  });

  it('an error event under a command id rejects that command with its message; the listener does not hear it', async () => {
    const step = client.send<'ack'>({ type: 'step' });
    worker.emit({ type: 'error', id: 1, message: 'single steps work while paused' });
    expect(await settled(step)).toEqual({ error: 'single steps work while paused' });
    expect(events).toEqual([]);
  });

  it('streamed events (id null) and answers nobody waits for go to the listener; an answered id is not answered twice', async () => {
    const reset = client.send<'ack'>({ type: 'reset' });
    const metrics: WorkerEvent = {
      type: 'metrics',
      id: null,
      records: [{ arm: 'scratch', seed: 0, step: 1, tokens: 64, metric: 'train/loss', value: 5.1 }],
    };
    worker.emit(metrics);
    worker.emit({ type: 'ack', id: 1 });
    worker.emit({ type: 'ack', id: 1 });
    worker.emit({ type: 'ack', id: 99 });
    expect(await reset).toEqual({ type: 'ack', id: 1 });
    expect(events).toEqual([metrics, { type: 'ack', id: 1 }, { type: 'ack', id: 99 }]);
  });

  it('a crashed worker rejects every pending command and tells the listener once', async () => {
    const a = client.send<'ack'>({ type: 'play' });
    const b = client.send<'ack'>({ type: 'pause' });
    worker.onerror!({ message: 'Uncaught RangeError: out of memory' } as ErrorEvent);
    const message = 'worker failed: Uncaught RangeError: out of memory';
    expect(await settled(a)).toEqual({ error: message });
    expect(await settled(b)).toEqual({ error: message });
    expect(events).toEqual([{ type: 'error', id: null, scope: 'worker', message }]);
    // Nothing is left pending: a late answer to a rejected command goes to the listener.
    worker.emit({ type: 'ack', id: 1 });
    expect(events.at(-1)).toEqual({ type: 'ack', id: 1 });
  });

  it('a worker error without a message still says the worker failed', async () => {
    const a = client.send<'ack'>({ type: 'play' });
    worker.onerror!({ message: '' } as ErrorEvent);
    expect(await settled(a)).toEqual({ error: 'worker failed: unknown error' });
  });

  it('terminate stops the worker and rejects what was pending', async () => {
    const a = client.send<'ack'>({ type: 'reset' });
    client.terminate();
    expect(worker.terminated).toBe(true);
    expect(await settled(a)).toEqual({ error: 'the worker was stopped' });
    expect(events).toEqual([]);
  });
});
