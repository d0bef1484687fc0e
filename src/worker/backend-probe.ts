/**
 * One backend's figure for the page's backend probe (issue 23 item 3), run in the probe worker (probe.worker.ts):
 * start the named backend alone, build the session's model shape (core/backend-probe.ts's PROBE_SHAPE) and time its
 * train steps — the warm-up step (kernel compilation, first allocations) untimed, then the median of the timed ones,
 * each synchronised on its loss. The page owns the clock that cuts a slow backend short (it terminates this worker),
 * so nothing here waits on a deadline.
 */
import * as tf from '../core/tf';
import { selectBackend, type BackendEnv, type BackendName } from '../core/backend';
import { benchGptConfig, benchIds, median, type BenchConfig } from '../core/bench';
import type { ProbeFigure } from '../core/backend-probe';
import { GPT } from '../core/nn/gpt';
import { AdamW, DEFAULT_ADAMW } from '../core/nn/optim';
import { trainStep } from '../core/nn/train';

const text = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Warm-up and timed train steps on the backend now running: the median ms and the last loss. */
async function timeSteps(c: BenchConfig): Promise<{ stepMs: number; loss: number }> {
  const model = new GPT(benchGptConfig(c), c.seed, 'probe');
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
    for (let i = 0; i < c.warmup; i++) await step();
    const times: number[] = [];
    let loss = NaN;
    for (let i = 0; i < c.steps; i++) {
      const r = await step();
      times.push(r.ms);
      loss = r.loss;
    }
    return { stepMs: median(times), loss };
  } finally {
    ids.dispose();
    opt.dispose();
    model.dispose();
  }
}

/**
 * Start `name` on its own (no fall-through to another backend) and time `c`'s steps on it. Never throws: a backend
 * that cannot start or whose step fails gives `ok: false` and why.
 */
export async function probeOne(name: BackendName, env: BackendEnv, c: BenchConfig): Promise<ProbeFigure> {
  try {
    await selectBackend(name, env, { only: true });
  } catch (e) {
    return { backend: name, ok: false, why: `it failed to start (${text(e)})` };
  }
  try {
    return { backend: name, ok: true, ...(await timeSteps(c)) };
  } catch (e) {
    return { backend: name, ok: false, why: `its train step failed (${text(e)})` };
  }
}
