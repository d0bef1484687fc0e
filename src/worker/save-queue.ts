/**
 * The worker's IndexedDB writes, one after another, never stopping training: a write that fails (the browser's
 * storage quota is full, the database was closed…) is reported once per kind of write until one of that kind
 * succeeds again, and nothing written before is touched (IndexedDB transactions are atomic: a failed checkpoint
 * write leaves the previous checkpoint in place). Pure: the writes and the report are passed in.
 */

/** The user's sentence for a failed write of `what` (quota named when it is the quota). */
export function storageMessage(what: string, error: unknown): string {
  const e = error as { name?: string; message?: string } | null;
  const quota = e?.name === 'QuotaExceededError' || /quota/i.test(e?.message ?? '');
  const cause = quota
    ? "this browser's storage for the page is full (quota exceeded)"
    : `the browser refused the write (${e?.message || String(error)})`;
  return `Could not save ${what}: ${cause}. Training goes on and what was saved before is kept, but a reload restores only that.${quota ? ' Free space (remove other sites’ data or old runs) to save again.' : ''}`;
}

export class SaveQueue {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly failing = new Set<string>();

  constructor(private readonly report: (message: string) => void) {}

  /** Queue `write` after the others; resolves true when it was saved, false when it failed (reported, not thrown). */
  write(kind: string, what: string, write: () => Promise<void>): Promise<boolean> {
    const next = this.chain.then(async () => {
      try {
        await write();
        this.failing.delete(kind);
        return true;
      } catch (e) {
        if (!this.failing.has(kind)) this.report(storageMessage(what, e));
        this.failing.add(kind);
        return false;
      }
    });
    this.chain = next;
    return next;
  }

  /** Resolves when every queued write has finished. */
  idle(): Promise<void> {
    return this.chain.then(() => undefined);
  }

  /** Kinds of write failing now. */
  failingKinds(): string[] {
    return [...this.failing];
  }
}
