/**
 * The learning-rate sweep that makes the arms' comparison fair (best against best): every arm is trained at each
 * candidate peak LR with the same short budget, schedule and seeds, and each arm keeps the LR with the lowest mean
 * final held-out loss (val/loss: every position trained on). Why it matters here: a pre-trained body's weights are
 * 2–3× larger than a fresh init, and Adam's steps have a fixed size, so one shared LR moves the pre-trained arm
 * less relative to its weights — the comparison would measure the LR, not the initialisation.
 */
import { METRICS } from '../metrics';
import type { ArmName, ExperimentConfig } from './config';
import type { ExperimentRunner, MetricRecord } from './runner';

export interface SweepCell {
  arm: ArmName;
  lr: number;
  seed: number;
  /** Final held-out loss (nats per trained token); Infinity when the run diverged (NaN/Inf). */
  valLoss: number;
}

export interface SweepRow {
  arm: ArmName;
  lr: number;
  /** Mean final held-out loss over seeds (Infinity if any seed diverged). */
  mean: number;
  /** Sample standard deviation over seeds (null with one seed or a diverged seed). */
  sd: number | null;
  n: number;
}

export interface SweepResult {
  lrs: number[];
  steps: number;
  seeds: number;
  schedule: string;
  cells: SweepCell[];
  table: SweepRow[];
  /** Each arm's chosen peak LR. */
  best: Partial<Record<ArmName, number>>;
}

/** Mean and sd per (arm, lr), and each arm's best: the lowest mean; a tie (within 1e-9) goes to the smaller LR. */
export function summariseSweep(cells: SweepCell[]): { table: SweepRow[]; best: Partial<Record<ArmName, number>> } {
  const keys = [...new Set(cells.map((c) => `${c.arm}|${c.lr}`))];
  const table: SweepRow[] = keys.map((k) => {
    const group = cells.filter((c) => `${c.arm}|${c.lr}` === k);
    const vals = group.map((c) => c.valLoss);
    const n = vals.length;
    const mean = vals.reduce((a, b) => a + b, 0) / n;
    const sd = n > 1 && Number.isFinite(mean) ? Math.sqrt(vals.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : null;
    return { arm: group[0].arm, lr: group[0].lr, mean, sd, n };
  });
  table.sort((a, b) => a.arm.localeCompare(b.arm) || a.lr - b.lr);
  const best: Partial<Record<ArmName, number>> = {};
  for (const arm of new Set(table.map((r) => r.arm))) {
    const rows = table.filter((r) => r.arm === arm);
    let pick = rows[0];
    for (const r of rows) if (r.mean < pick.mean - 1e-9) pick = r;
    if (Number.isFinite(pick.mean)) best[arm] = pick.lr;
  }
  return { table, best };
}

/** The final value of `metric` for each arm and seed in `records` (the last step that logged it). */
function finalValues(records: MetricRecord[], metric: string): Map<string, number> {
  const out = new Map<string, { step: number; value: number }>();
  for (const r of records) {
    if (r.metric !== metric) continue;
    const k = `${r.arm}|${r.seed}`;
    const prev = out.get(k);
    if (!prev || r.step >= prev.step) out.set(k, { step: r.step, value: r.value });
  }
  return new Map([...out].map(([k, v]) => [k, v.value]));
}

/** Train every arm and seed at one peak LR and return each run's final held-out loss (Infinity if it diverged). */
export type TrainAt = (lr: number) => Promise<SweepCell[]>;

/** Run the sweep over `lrs` with `trainAt`. Throws when an arm diverges at every LR (no LR to choose). */
export async function sweepLearningRates(lrs: number[], trainAt: TrainAt, meta: { steps: number; seeds: number; schedule: string }, log: (s: string) => void = () => {}): Promise<SweepResult> {
  if (lrs.length < 2 || lrs.some((lr) => !(lr > 0 && Number.isFinite(lr)))) throw new Error(`the LR sweep needs two or more positive learning rates, got ${lrs.join(', ')}`);
  const cells: SweepCell[] = [];
  for (const lr of lrs) {
    const got = await trainAt(lr);
    cells.push(...got);
    log(`LR ${lr}: ${got.map((c) => `${c.arm} s${c.seed} ${c.valLoss.toFixed(3)}`).join(', ')}`);
  }
  const { table, best } = summariseSweep(cells);
  const lost = [...new Set(cells.map((c) => c.arm))].filter((a) => best[a] === undefined);
  if (lost.length) throw new Error(`the LR sweep found no learning rate at which ${lost.join(', ')} trained without diverging; try smaller rates`);
  return { lrs, ...meta, cells, table, best };
}

/**
 * The experiment's TrainAt: `makeRunner` builds a runner for `cfg` with one LR for every arm, the sweep's `steps`
 * and `seeds` and one evaluation at the end (warmup capped at a fifth of the budget); it is run and disposed.
 */
export function experimentTrainAt(cfg: ExperimentConfig, budget: { steps: number; seeds: number }, makeRunner: (cfg: ExperimentConfig) => ExperimentRunner): TrainAt {
  return async (lr) => {
    const sweepCfg: ExperimentConfig = { ...cfg, lr, lrByArm: {}, steps: budget.steps, seeds: budget.seeds, evalEvery: budget.steps, checkpointEvery: 0, warmupSteps: Math.min(cfg.warmupSteps, Math.floor(budget.steps / 5)) };
    const runner = makeRunner(sweepCfg);
    try {
      const finals = finalValues(await runner.runAll(), METRICS.valLoss);
      return runner.runs.map((run) => ({ arm: run.arm.name, lr, seed: run.seed, valLoss: run.stopped ? Infinity : (finals.get(`${run.arm.name}|${run.seed}`) ?? Infinity) }));
    } finally {
      runner.dispose();
    }
  };
}
