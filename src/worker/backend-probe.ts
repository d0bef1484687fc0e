/**
 * The backend probe (issue 23 item 3), run in the worker when the page asks for `auto`: start each backend the
 * platform offers, time a train step of the session's model shape (core/bench.ts's DEFAULT_BENCH, the shipped
 * shape, at a small batch so the probe takes seconds) and keep the fastest (core/backend-probe.ts decides). The
 * figures travel with the choice so "why?" can show them and the setup can size its default from the step time.
 */
import * as tf from '../core/tf';
import { BACKENDS, selectBackend, type BackendChoice, type BackendEnv, type Refusal } from '../core/backend';
import { benchGptConfig, benchIds, DEFAULT_BENCH, median, type BenchConfig } from '../core/bench';
import { decideBackend, type ProbeFigure } from '../core/backend-probe';
import { GPT } from '../core/nn/gpt';
import { AdamW, DEFAULT_ADAMW } from '../core/nn/optim';
import { trainStep } from '../core/nn/train';

/** Rows per probe step: small, so the slowest backend (cpu) still takes about a second. */
export const PROBE_BATCH = 4;
/** The probe's model: the shipped shape, one warm-up step (kernel compilation) and two timed. */
export const PROBE_BENCH: BenchConfig = { ...DEFAULT_BENCH, batch: PROBE_BATCH, warmup: 1, steps: 2 };

const text = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Probed first (always there) so its step time bounds the others' warm-up; the decision still uses BACKENDS order. */
const PROBE_ORDER = ['wasm', 'webgpu', 'webgl', 'cpu'] as const;
/** A backend whose warm-up step (compilation included) takes longer than this many of the best step so far, and
 * longer than WARMUP_FLOOR_MS, is not timed further: it cannot win, and timing it would keep the page waiting. */
const WARMUP_OVER_BEST = 8;
const WARMUP_FLOOR_MS = 1500;

/**
 * Time `c.steps` train steps after `c.warmup` on the current backend: the median ms and the last loss, or a reason
 * it was cut short (`bestMs`: the best step time so far on another backend).
 */
async function timeSteps(c: BenchConfig, bestMs: number): Promise<ProbeFigure | { cut: string; loss: number }> {
  const model = new GPT(benchGptConfig(c), c.seed, `probe-${Math.random().toString(36).slice(2, 8)}`);
  const opt = new AdamW(model.params, { ...DEFAULT_ADAMW, warmupSteps: 0 });
  const ids = tf.tensor2d(benchIds(c), [c.batch, c.context], 'int32');
  const step = async () => {
    const t0 = performance.now();
    const r = trainStep(opt, () => tf.mean(model.nll(ids)) as tf.Scalar);
    const loss = (await r.loss.data())[0];
    tf.dispose([r.loss, r.gradNorm]);
    return { ms: performance.now() - t0, loss };
  };
  try {
    for (let i = 0; i < c.warmup; i++) {
      const w = await step();
      if (w.ms > Math.max(WARMUP_FLOOR_MS, WARMUP_OVER_BEST * bestMs))
        return {
          cut: `its first train step took ${Math.round(w.ms)} ms, more than ${WARMUP_OVER_BEST}× the best backend's ${Math.round(bestMs)} ms, so it was not timed further`,
          loss: w.loss,
        };
    }
    const times: number[] = [];
    let loss = NaN;
    for (let i = 0; i < c.steps; i++) {
      const r = await step();
      times.push(r.ms);
      loss = r.loss;
    }
    return { backend: tf.getBackend() as ProbeFigure['backend'], ok: true, stepMs: median(times), loss };
  } finally {
    ids.dispose();
    opt.dispose();
    model.dispose();
  }
}

/**
 * Probe every backend in BACKENDS order and leave the fastest running. Returns its BackendChoice (as selectBackend
 * gave it when that backend was started on its own), with `reason` from the measurement, `refusals` for every other
 * backend (failed to start, failed its step, or slower here) and `probe` holding the figures. Throws when none ran a
 * step.
 */
export async function probeBackends(env: BackendEnv, bench: BenchConfig = PROBE_BENCH): Promise<BackendChoice> {
  const figures: ProbeFigure[] = [];
  const choices = new Map<string, BackendChoice>();
  const refusals: Refusal[] = [];
  let bestMs = Infinity;
  for (const name of PROBE_ORDER) {
    let started: BackendChoice;
    try {
      started = await selectBackend(name, env);
    } catch (e) {
      figures.push({ backend: name, ok: false, why: `failed to start: ${text(e)}` });
      continue;
    }
    if (started.backend !== name) {
      // selectBackend fell through to another backend: this one cannot start here.
      const r = started.refusals.find((x) => x.backend === name);
      figures.push({ backend: name, ok: false, why: r?.detail ?? `${name} did not start` });
      if (r) refusals.push(r);
      continue;
    }
    try {
      const r = await timeSteps(bench, bestMs);
      if ('cut' in r) figures.push({ backend: name, ok: false, why: r.cut });
      else {
        figures.push({ ...r, backend: name });
        choices.set(name, started);
        if (r.ok && Number.isFinite(r.loss)) bestMs = Math.min(bestMs, r.stepMs);
      }
    } catch (e) {
      figures.push({ backend: name, ok: false, why: `its train step failed: ${text(e)}` });
    }
  }
  figures.sort((a, b) => BACKENDS.indexOf(a.backend) - BACKENDS.indexOf(b.backend));
  const decision = decideBackend(figures);
  if (decision.backend === null) throw new Error(decision.reason);
  await tf.setBackend(decision.backend);
  await tf.ready();
  const chosen = choices.get(decision.backend)!;
  const others: Refusal[] = [];
  for (const s of decision.skipped)
    others.push(
      refusals.find((r) => r.backend === s.backend) ?? {
        backend: s.backend,
        reason: 'probe-failed',
        detail: `${s.backend}: ${s.why}`,
      },
    );
  for (const r of decision.ranked)
    if (r.backend !== decision.backend)
      others.push({
        backend: r.backend,
        reason: 'slower-here',
        detail: `${r.backend} took ${Math.round(r.stepMs)} ms a train step here.`,
      });
  return {
    ...chosen,
    requested: 'auto',
    reason: decision.reason,
    refusals: others,
    probe: { batch: bench.batch, context: bench.context, figures, ranked: decision.ranked },
  };
}
