/**
 * The backend chosen by measurement (issue 23 item 3): the worker times one train step of the session's model on each
 * backend it may use; this module turns those figures into a choice and a reason, with no tfjs and no clock of its
 * own, so the rule is unit-tested on made-up figures. A backend that failed to start, or whose step gave a non-finite
 * loss, is skipped with its reason kept for "why?". Replaces refusing software adapters by name: a software WebGPU
 * that is slower than wasm loses on its figure, a fast GPU wins on its own.
 */
import type { BackendName } from './backend';

/** One backend's probe: the median wall time of a timed train step (ms, after one warm-up step) or why it has none. */
export type ProbeFigure =
  { backend: BackendName; ok: true; stepMs: number; loss: number } | { backend: BackendName; ok: false; why: string };

export interface ProbeDecision {
  /** The backend to run on; null when no backend produced a usable figure. */
  backend: BackendName | null;
  /** One sentence for the banner, naming the figures it was decided on. */
  reason: string;
  /** Usable figures, fastest first (ties kept in probe order). */
  ranked: { backend: BackendName; stepMs: number }[];
  /** Backends skipped and why (failed to start, non-finite loss, non-positive or non-finite time). */
  skipped: { backend: BackendName; why: string }[];
}

/** Relative difference within which two step times count as a tie; the earlier backend in probe order then wins. */
export const TIE_FRACTION = 0.05;

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
    if (!f.ok) skipped.push({ backend: f.backend, why: f.why });
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
