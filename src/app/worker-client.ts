// The page's handle on the trainer worker: send a command and get a promise of the event that answers it; events
// nobody asked for (metrics, status, checkpoints …, id null) go to the listener.
import type { WorkerCommand, WorkerEvent } from '../worker/protocol';

type Without<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
export type Command = Without<WorkerCommand, 'id'>;

export class WorkerClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (e: WorkerEvent) => void; reject: (e: Error) => void }>();

  constructor(onEvent: (e: WorkerEvent) => void) {
    this.worker = new Worker(new URL('../worker/trainer.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (ev: MessageEvent<WorkerEvent>) => {
      const e = ev.data;
      const waiter = e.id === null ? undefined : this.pending.get(e.id);
      if (!waiter) {
        onEvent(e);
        return;
      }
      this.pending.delete(e.id!);
      if (e.type === 'error') waiter.reject(new Error(e.message));
      else waiter.resolve(e);
    };
    this.worker.onerror = (ev) => {
      const err = new Error(`worker failed: ${ev.message || 'unknown error'}`);
      for (const w of this.pending.values()) w.reject(err);
      this.pending.clear();
      onEvent({ type: 'error', id: null, scope: 'worker', message: err.message });
    };
  }

  send<T extends WorkerEvent['type']>(
    cmd: Command,
    transfer: Transferable[] = [],
  ): Promise<Extract<WorkerEvent, { type: T }>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (e: WorkerEvent) => void, reject });
      this.worker.postMessage({ ...cmd, id } as WorkerCommand, transfer);
    });
  }

  terminate(): void {
    this.worker.terminate();
    const err = new Error('the worker was stopped');
    for (const w of this.pending.values()) w.reject(err);
    this.pending.clear();
  }
}
