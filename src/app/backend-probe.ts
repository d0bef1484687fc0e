/**
 * The page's backend probe (issue 23 item 3): time one train step of the session's model shape on each backend the
 * page may use, in a worker the page can terminate, and keep the figures in localStorage per adapter, browser and
 * model shape (core/backend-probe.ts holds the rules and the key) so a later visit starts on the chosen backend at
 * once. wasm goes first; every other backend gets a hard deadline relative to the best step so far and, past it, its
 * worker is terminated (a pending GPU step cannot be awaited out) and it loses with that reason. The probe runs
 * beside the trainer worker, never before it: the first screen and Play never wait for it, and Play stops it.
 */
import {
  bestStepMs,
  cacheLookup,
  cacheStore,
  cutReason,
  PROBE_ORDER,
  PROBE_SHAPE,
  probeDeadlineMs,
  probeSkip,
  type CachedProbe,
  type ProbeFacts,
  type ProbeFigure,
  type ProbeShape,
} from '../core/backend-probe';
import type { BackendName, ProbeCommand, ProbeEvent } from '../worker/protocol';

/** localStorage item holding the cached probes (core/backend-probe.ts's cacheStore format). */
export const PROBE_CACHE_ITEM = 'tabula-rasa.backend-probe';

/** The cached probe for these facts, or null (none, or storage unreadable). */
export function cachedProbe(key: string): CachedProbe | null {
  try {
    return cacheLookup(localStorage.getItem(PROBE_CACHE_ITEM), key);
  } catch {
    return null;
  }
}

/** Keep (or, with null, forget) the probe for `key`; a full or blocked storage only costs the next visit a probe. */
export function storeProbe(key: string, entry: CachedProbe | null): void {
  try {
    localStorage.setItem(PROBE_CACHE_ITEM, cacheStore(localStorage.getItem(PROBE_CACHE_ITEM), key, entry));
  } catch {
    /* not kept */
  }
}

/** Forget every cached probe ("Measure again"): the next load times the backends afresh. */
export function forgetProbes(): void {
  try {
    localStorage.removeItem(PROBE_CACHE_ITEM);
  } catch {
    /* nothing kept */
  }
}

export interface ProbeOutcome {
  figures: ProbeFigure[];
  /** Wall time of the whole probe, ms. */
  ms: number;
  /** Set when the probe was stopped before it finished (Play pressed), saying why. */
  cancelled: string | null;
}

export interface ProbeRun {
  done: Promise<ProbeOutcome>;
  /** Stop at once (terminating the worker); `done` then resolves with the figures so far and `why`. */
  cancel(why: string): void;
}

type Loaded = { worker: Worker; next: (cmd: ProbeCommand) => Promise<ProbeFigure> };

/** A probe worker, resolved once its modules are loaded; `next` times one backend in it. */
function loadWorker(): Promise<Loaded> {
  const worker = new Worker(new URL('../worker/probe.worker.ts', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    let answer: ((f: ProbeFigure) => void) | null = null;
    let fail: ((e: Error) => void) | null = reject;
    worker.onmessage = (ev: MessageEvent<ProbeEvent>) => {
      if (ev.data.type === 'loaded')
        resolve({
          worker,
          next: (cmd) =>
            new Promise((res, rej) => {
              answer = res;
              fail = rej;
              worker.postMessage(cmd);
            }),
        });
      else answer?.(ev.data.figure);
    };
    worker.onerror = (ev) => fail?.(new Error(ev.message || 'the probe worker failed'));
  });
}

/**
 * Time every backend in PROBE_ORDER that `facts` offers (probeSkip says which are skipped), each within
 * probeDeadlineMs of the best so far, and report each backend as it starts (`onProgress`, null at the end). The
 * figures come back in PROBE_ORDER; decideBackend (core) turns them into the choice.
 */
export function runProbe(
  facts: ProbeFacts,
  onProgress: (backend: BackendName | null) => void,
  shape: ProbeShape = { ...PROBE_SHAPE },
): ProbeRun {
  const t0 = performance.now();
  const figures: ProbeFigure[] = [];
  let current: Worker | null = null;
  let stop: ((why: string) => void) | null = null;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  let cancelled: string | null = null;
  const done = (async (): Promise<ProbeOutcome> => {
    let loaded: Loaded | null = null;
    for (const name of PROBE_ORDER) {
      const skip = probeSkip(name, facts, figures);
      if (skip !== null) {
        figures.push({ backend: name, ok: false, why: skip, kind: 'not-timed' });
        continue;
      }
      onProgress(name);
      if (!loaded) {
        const pending = loadWorker();
        // A cancel while it loads terminates it as soon as it is there.
        void pending.then(
          (l) => (cancelled !== null ? l.worker.terminate() : undefined),
          () => undefined,
        );
        try {
          loaded = await Promise.race([pending, stopped.then(() => null)]);
        } catch (e) {
          figures.push({ backend: name, ok: false, why: `its probe worker failed to load (${(e as Error).message})` });
          continue;
        }
        if (!loaded) break;
      }
      current = loaded.worker;
      const best = bestStepMs(figures);
      const deadline = probeDeadlineMs(best);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), deadline)));
      const r = await Promise.race([
        loaded.next({ type: 'probe', backend: name, shape }).catch((e: Error) => e),
        late,
        stopped.then(() => 'stopped' as const),
      ]);
      clearTimeout(timer);
      if (r === 'stopped') break;
      if (r === 'late' || r instanceof Error) {
        // Abandon the worker (and the step it is stuck in); the next backend gets a fresh one.
        loaded.worker.terminate();
        loaded = null;
        current = null;
        figures.push({
          backend: name,
          ok: false,
          ...(r === 'late'
            ? { why: cutReason(deadline, best), kind: 'cut' as const }
            : { why: `its probe worker failed (${r.message})` }),
        });
        continue;
      }
      figures.push(r);
    }
    loaded?.worker.terminate();
    onProgress(null);
    return { figures, ms: performance.now() - t0, cancelled };
  })();
  return {
    done,
    cancel(why) {
      if (cancelled !== null) return;
      cancelled = why;
      (current as Worker | null)?.terminate();
      stop?.(why);
    },
  };
}
