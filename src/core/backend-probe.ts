/**
 * The backend chosen by measurement (issue 23 item 3): the page times one train step of the session's model on each
 * backend it may use, in a worker it can abandon (src/app/backend-probe.ts); this module holds the rules, with no
 * tfjs, no DOM and no clock of its own, so they are unit-tested on made-up figures: the decision (fastest wins), the
 * order and the hard deadline each backend gets relative to the best so far, which backends are skipped, and the
 * cache key and format (per adapter, browser and model shape) that lets a later visit start at once. A backend that
 * failed to start, ran out of time or gave a non-finite loss is skipped with its reason kept for "why?". Replaces
 * refusing software adapters by name: a software WebGPU loses on its time, a fast GPU wins on its own.
 */
import type { BackendChoice, BackendName, ProbeFigure, Refusal } from './backend';

export type { ProbeFigure };

export interface ProbeDecision {
  /** The backend to run on; null when no backend produced a usable figure. */
  backend: BackendName | null;
  /** One sentence for the banner, naming the figures it was decided on. */
  reason: string;
  /** Usable figures, fastest first (ties kept in probe order). */
  ranked: { backend: BackendName; stepMs: number }[];
  /** Backends skipped and why (failed to start, non-finite loss, non-positive or non-finite time). */
  skipped: { backend: BackendName; why: string; kind?: 'cut' | 'not-timed' }[];
}

/** Relative difference within which two step times count as a tie; the earlier backend in probe order then wins. */
export const TIE_FRACTION = 0.05;

/** Every backend name, as core/backend.ts's BACKENDS (which this module cannot import without tfjs). */
const BACKEND_NAMES = ['webgpu', 'webgl', 'wasm', 'cpu'] as const satisfies readonly BackendName[];

const fmt = (ms: number) => (ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toPrecision(2)} ms`);

/**
 * Choose the fastest backend from probe figures, given in the order tried (webgpu → webgl → wasm → cpu: the order
 * also breaks ties, so that within TIE_FRACTION of each other the earlier, usually the GPU, wins — its step time falls
 * further at larger batches). Errors: none; an empty or all-failed list gives `backend: null` and says why.
 */
export function decideBackend(figures: readonly ProbeFigure[]): ProbeDecision {
  const skipped: ProbeDecision['skipped'] = [];
  const usable: { backend: BackendName; stepMs: number; order: number }[] = [];
  figures.forEach((f, order) => {
    if (!f.ok) skipped.push({ backend: f.backend, why: f.why, ...(f.kind ? { kind: f.kind } : {}) });
    else if (!Number.isFinite(f.loss))
      skipped.push({ backend: f.backend, why: `its train step gave a loss of ${f.loss}` });
    else if (!(Number.isFinite(f.stepMs) && f.stepMs > 0))
      skipped.push({ backend: f.backend, why: `its step time (${f.stepMs} ms) is not a usable measurement` });
    else usable.push({ backend: f.backend, stepMs: f.stepMs, order });
  });
  const ranked = [...usable].sort((a, b) => a.stepMs - b.stepMs || a.order - b.order);
  if (ranked.length === 0)
    return {
      backend: null,
      reason:
        figures.length === 0
          ? 'No backend was probed.'
          : `No backend completed a train step: ${skipped.map((s) => `${s.backend} (${s.why})`).join('; ')}.`,
      ranked: [],
      skipped,
    };
  const fastest = ranked[0];
  // Among those within TIE_FRACTION of the fastest, the earliest in probe order.
  const best = ranked
    .filter((r) => r.stepMs <= fastest.stepMs * (1 + TIE_FRACTION))
    .reduce((a, b) => (b.order < a.order ? b : a));
  const others = ranked.filter((r) => r !== best);
  const figuresText = ranked.map((r) => `${r.backend} ${fmt(r.stepMs)}`).join(', ');
  const reason =
    others.length === 0
      ? `${best.backend} is the only backend that completed a train step here (${fmt(best.stepMs)} a step).`
      : best !== fastest
        ? `${best.backend} ties with ${fastest.backend} (within ${TIE_FRACTION * 100}%) and is tried first; one train step: ${figuresText}.`
        : `${best.backend} ran one train step fastest here: ${figuresText}.`;
  return {
    backend: best.backend,
    reason,
    ranked: ranked.map(({ backend, stepMs }) => ({ backend, stepMs })),
    skipped,
  };
}

/**
 * The probe's model: the shipped shape (core/bench.ts's DEFAULT_BENCH: 4 layers, width 128, 4 heads, 1024 ids,
 * context 96 — the lesson's 95-id sequences) at 4 rows, one warm-up step (kernel compilation) and two timed. Plain
 * numbers here so the page can name the shape without loading tfjs; a unit test keeps them equal to DEFAULT_BENCH.
 */
export const PROBE_SHAPE = {
  layers: 4,
  embd: 128,
  heads: 4,
  vocab: 1024,
  context: 96,
  batch: 4,
  warmup: 1,
  steps: 2,
  seed: 1234,
} as const;
export type ProbeShape = { -readonly [K in keyof typeof PROBE_SHAPE]: number };

/**
 * Backends in the order the page times them: wasm first (always there, and cheap), so its step time bounds how long
 * every other backend may take (probeDeadlineMs); cpu last and only where wasm gave no figure (probePlan).
 */
export const PROBE_ORDER = ['wasm', 'webgpu', 'webgl', 'cpu'] as const satisfies readonly BackendName[];

/** What the page's platform offers, read in the worker before anything is started (the probe cache's key). */
export interface ProbeFacts {
  /** The WebGPU adapter (`vendor|architecture|description`, ` (fallback)` for a software one), or null with why. */
  adapter: string | null;
  adapterWhy: string | null;
  /** The WebGL2 renderer string, or null when no WebGL2 context could be made. */
  webglRenderer: string | null;
  /** wasm threads the worker would run. */
  wasmThreads: number;
  /** The browser (its version changes its GPU stack). */
  userAgent: string;
}

/** A backend with no figure yet may take this long (ms) to start and run its steps: only when wasm has none. */
export const FIRST_DEADLINE_MS = 30_000;
/** Every later backend may take DEADLINE_OVER_BEST × the best step so far, and never less than PROBE_FLOOR_MS. */
export const DEADLINE_OVER_BEST = 8;
/** Enough for a real GPU to start and compile a train step's shaders (about 1–3 s on a first visit). */
export const PROBE_FLOOR_MS = 4000;

/** The fastest usable step time so far (ms), or null. */
export function bestStepMs(figures: readonly ProbeFigure[]): number | null {
  const ok = figures.filter((f) => f.ok && Number.isFinite(f.loss) && Number.isFinite(f.stepMs) && f.stepMs > 0);
  return ok.length ? Math.min(...ok.map((f) => (f as { stepMs: number }).stepMs)) : null;
}

/**
 * The hard deadline (ms) for the next backend to start, warm up and run its timed steps, measured from when its
 * worker is loaded: FIRST_DEADLINE_MS with no figure yet, else max(PROBE_FLOOR_MS, DEADLINE_OVER_BEST × bestMs). A
 * backend that has not finished by then loses: its warm-up alone is already that many of the best's steps.
 */
export function probeDeadlineMs(bestMs: number | null): number {
  if (bestMs === null || !(bestMs > 0) || !Number.isFinite(bestMs)) return FIRST_DEADLINE_MS;
  return Math.max(PROBE_FLOOR_MS, DEADLINE_OVER_BEST * bestMs);
}

/** The reason a backend cut at its deadline gets, for "why?". */
export function cutReason(deadlineMs: number, bestMs: number | null): string {
  const s = (deadlineMs / 1000).toFixed(1);
  return bestMs === null
    ? `it had not finished its warm-up and timed steps after ${s} s, so it was stopped`
    : `it had not finished its warm-up and timed steps after ${s} s (${DEADLINE_OVER_BEST}× the best step, ${fmt(bestMs)}, at least ${PROBE_FLOOR_MS / 1000} s), so it cannot win here and was stopped`;
}

/**
 * Whether to time `name` next, given the facts and the figures so far: webgpu only with an adapter, webgl only with a
 * WebGL2 context, cpu (tfjs's plain-JavaScript kernels on the same CPU as wasm's) only when wasm gave no figure.
 * Returns null to time it, else why it is skipped.
 */
export function probeSkip(name: BackendName, facts: ProbeFacts, figures: readonly ProbeFigure[]): string | null {
  if (name === 'webgpu' && facts.adapter === null) return facts.adapterWhy ?? 'no WebGPU adapter';
  if (name === 'webgl' && facts.webglRenderer === null) return 'no WebGL2 context could be made';
  if (name === 'cpu' && figures.some((f) => f.backend === 'wasm' && f.ok && Number.isFinite(f.loss)))
    return 'it runs on the same CPU as wasm, in plain JavaScript, and wasm ran';
  return null;
}

/** Bumped when the kernels or the probe change, so figures measured before are not reused. */
export const PROBE_VERSION = 1;

/** The cache key: the adapter, WebGL renderer, wasm threads and browser, with the probe's model shape and version. */
export function probeCacheKey(facts: ProbeFacts, shape: ProbeShape = PROBE_SHAPE): string {
  const s = shape;
  return [
    `v${PROBE_VERSION}`,
    `gpu=${facts.adapter ?? 'none'}`,
    `gl=${facts.webglRenderer ?? 'none'}`,
    `threads=${facts.wasmThreads}`,
    `ua=${facts.userAgent}`,
    `model=${s.layers}x${s.embd}x${s.heads}x${s.vocab}@${s.context}b${s.batch}`,
  ].join(' · ');
}

/** One cached probe: its figures (the decision is recomputed from them), when it ran and how long it took. */
export interface CachedProbe {
  figures: ProbeFigure[];
  /** ms since the epoch. */
  at: number;
  /** The probe's wall time, ms. */
  ms: number;
}

/** Entries kept (most recent first): a laptop that switches GPUs keeps both. */
export const PROBE_CACHE_ENTRIES = 8;

function validFigure(f: unknown): ProbeFigure | null {
  if (!f || typeof f !== 'object') return null;
  const x = f as Record<string, unknown>;
  if (!(BACKEND_NAMES as readonly unknown[]).includes(x.backend)) return null;
  const backend = x.backend as BackendName;
  if (x.ok === true && typeof x.stepMs === 'number')
    return { backend, ok: true, stepMs: x.stepMs, loss: typeof x.loss === 'number' ? x.loss : NaN };
  if (x.ok === false && typeof x.why === 'string')
    return x.kind === 'cut' || x.kind === 'not-timed'
      ? { backend, ok: false, why: x.why, kind: x.kind }
      : { backend, ok: false, why: x.why };
  return null;
}

function parseCache(raw: string | null): [string, CachedProbe][] {
  try {
    const v = JSON.parse(raw ?? '[]') as unknown;
    if (!Array.isArray(v)) return [];
    const out: [string, CachedProbe][] = [];
    for (const e of v) {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || !e[1] || typeof e[1] !== 'object') continue;
      const c = e[1] as Record<string, unknown>;
      const figures = Array.isArray(c.figures) ? c.figures.map(validFigure) : [];
      if (figures.length === 0 || figures.some((f) => f === null)) continue;
      if (typeof c.at !== 'number' || typeof c.ms !== 'number') continue;
      out.push([e[0], { figures: figures as ProbeFigure[], at: c.at, ms: c.ms }]);
    }
    return out;
  } catch {
    return [];
  }
}

/** The cached probe for `key` in the stored text `raw` (null: none, or unreadable). */
export function cacheLookup(raw: string | null, key: string): CachedProbe | null {
  return parseCache(raw).find(([k]) => k === key)?.[1] ?? null;
}

/** The stored text with `entry` under `key` first (null entry: forgotten), at most PROBE_CACHE_ENTRIES kept. */
export function cacheStore(raw: string | null, key: string, entry: CachedProbe | null): string {
  const rest = parseCache(raw).filter(([k]) => k !== key);
  const all = entry ? [[key, entry] as [string, CachedProbe], ...rest] : rest;
  // NaN and Infinity become null in JSON; validFigure reads a missing loss back as NaN.
  return JSON.stringify(all.slice(0, PROBE_CACHE_ENTRIES));
}

/** Every other backend's line for the banner: why it has no figure, or that it was slower here. */
export function probeRefusals(decision: ProbeDecision): Refusal[] {
  const out: Refusal[] = decision.skipped.map((s) => ({
    backend: s.backend,
    reason:
      s.kind === 'cut'
        ? ('probe-cut' as const)
        : s.kind === 'not-timed'
          ? ('not-probed' as const)
          : ('probe-failed' as const),
    detail: `${s.backend}: ${s.why}.`,
  }));
  for (const r of decision.ranked)
    if (r.backend !== decision.backend)
      out.push({
        backend: r.backend,
        reason: 'slower-here',
        detail: `${r.backend} took ${fmt(r.stepMs)} a train step here.`,
      });
  return out;
}

/**
 * The choice the banner shows for an automatic start: the backend that `started` (the trainer worker's own choice),
 * with the probe's reason, every other backend's line and the figures. `note` says why the backend that runs is not
 * the probe's choice, when it is not (a run was already on the page).
 */
export function probedChoice(
  started: BackendChoice,
  probe: CachedProbe,
  cached: boolean,
  note?: string,
  shape: ProbeShape = PROBE_SHAPE,
): BackendChoice {
  const decision = decideBackend(probe.figures);
  const when = cached ? ` (measured on an earlier visit, ${new Date(probe.at).toISOString().slice(0, 10)})` : '';
  return {
    ...started,
    requested: 'auto',
    reason: `${decision.reason.replace(/\.$/, '')}${when}.${note ? ` ${note}` : ''}`,
    refusals: probeRefusals(decision).filter((r) => r.backend !== started.backend),
    probe: {
      batch: shape.batch,
      context: shape.context,
      figures: probe.figures,
      ranked: decision.ranked,
      ms: probe.ms,
      at: probe.at,
      cached,
      ...(note ? { note } : {}),
    },
  };
}
