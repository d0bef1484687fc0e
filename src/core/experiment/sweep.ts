/**
 * The learning-rate sweep that makes the arms' comparison fair (best against best): every arm is trained at each
 * candidate peak LR with the same short budget, schedule and seeds, and each arm keeps the LR with the lowest mean
 * final held-out loss (val/loss: every position trained on). Why it matters here: a pre-trained body's weights are
 * 2–3× larger than a fresh init, and Adam's steps have a fixed size, so one shared LR moves the pre-trained arm
 * less relative to its weights — the comparison would measure the LR, not the initialisation.
 *
 * Two entry points. sweepLearningRates runs a fixed grid that the caller gives (the recorded runs' protocol until
 * issue 20: 4 rates 2–2.5× apart at a third of the main run's steps). fairSweep runs the protocol of issue 20, item 4
 * (FAIR_SWEEP): rates √2 apart, at least 6 of them, each run at the main run's full horizon with at least 2 seeds, and
 * the grid extended, per arm, by one √2 step at a time while an arm's best rate sits at an edge of the rates it was
 * run at — at most FAIR_SWEEP.maxExtensions steps past the first grid on each side (a factor 4 at the default 4),
 * after which the arm keeps its edge rate and the result names it as unresolved. An arm whose next rate up diverged
 * is not at an edge. Rates are scored on the val/loss of the data they are given: an experiment's sweep runs on the
 * selection split (sweep-plan.ts, selection.ts), apart from the evaluation images of the verdicts.
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
  /** Final held-out image-token loss (nats per image token), for A at neighbouring rates; absent in older sweeps. */
  imageLoss?: number;
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
  /** fairSweep only: the protocol it followed. */
  protocol?: SweepProtocol;
  /** fairSweep only: arms whose best rate was still at an edge when the extensions ran out, and which edge. */
  unresolved?: Partial<Record<ArmName, 'low' | 'high'>>;
  /** The selection split the rates were scored on (sweep-plan.ts): its images, and the images the sweep trained on; absent in sweeps scored on the evaluation images. */
  selection?: { images: number; trainImages: number };
}

/** Mean and sd per (arm, lr), and each arm's best: the lowest mean; a tie (within 1e-9) goes to the smaller LR. */
export function summariseSweep(cells: SweepCell[]): { table: SweepRow[]; best: Partial<Record<ArmName, number>> } {
  const keys = [...new Set(cells.map((c) => `${c.arm}|${c.lr}`))];
  const table: SweepRow[] = keys.map((k) => {
    const group = cells.filter((c) => `${c.arm}|${c.lr}` === k);
    const vals = group.map((c) => c.valLoss);
    const n = vals.length;
    const mean = vals.reduce((a, b) => a + b, 0) / n;
    const sd =
      n > 1 && Number.isFinite(mean) ? Math.sqrt(vals.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : null;
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
export async function sweepLearningRates(
  lrs: number[],
  trainAt: TrainAt,
  meta: { steps: number; seeds: number; schedule: string },
  log: (s: string) => void = () => {},
): Promise<SweepResult> {
  if (lrs.length < 2 || lrs.some((lr) => !(lr > 0 && Number.isFinite(lr))))
    throw new Error(`the LR sweep needs two or more positive learning rates, got ${lrs.join(', ')}`);
  const cells: SweepCell[] = [];
  for (const lr of lrs) {
    const got = await trainAt(lr);
    cells.push(...got);
    log(`LR ${lr}: ${got.map((c) => `${c.arm} s${c.seed} ${c.valLoss.toFixed(3)}`).join(', ')}`);
  }
  const { table, best } = summariseSweep(cells);
  const lost = [...new Set(cells.map((c) => c.arm))].filter((a) => best[a] === undefined);
  if (lost.length)
    throw new Error(
      `the LR sweep found no learning rate at which ${lost.join(', ')} trained without diverging; try smaller rates`,
    );
  return { lrs, ...meta, cells, table, best };
}

/**
 * The experiment's TrainAt: `makeRunner` builds a runner for `cfg` with one LR for every arm, the sweep's `steps`
 * and `seeds` and one evaluation at the end (warmup capped at a fifth of the budget); it is run and disposed.
 */
export function experimentTrainAt(
  cfg: ExperimentConfig,
  budget: { steps: number; seeds: number },
  makeRunner: (cfg: ExperimentConfig) => ExperimentRunner,
): TrainAt {
  return async (lr) => {
    const sweepCfg: ExperimentConfig = {
      ...cfg,
      lr,
      lrByArm: {},
      steps: budget.steps,
      seeds: budget.seeds,
      evalEvery: budget.steps,
      checkpointEvery: 0,
      warmupSteps: Math.min(cfg.warmupSteps, Math.floor(budget.steps / 5)),
    };
    const runner = makeRunner(sweepCfg);
    try {
      const records = await runner.runAll();
      const finals = finalValues(records, METRICS.valLoss);
      const images = finalValues(records, METRICS.valImageLoss);
      return runner.runs.map((run) => ({
        arm: run.arm.name,
        lr,
        seed: run.seed,
        valLoss: run.stopped ? Infinity : (finals.get(`${run.arm.name}|${run.seed}`) ?? Infinity),
        imageLoss: run.stopped ? Infinity : (images.get(`${run.arm.name}|${run.seed}`) ?? Infinity),
      }));
    } finally {
      runner.dispose();
    }
  };
}

/** The fair sweep's protocol (issue 20, item 4). */
export interface SweepProtocol {
  /** The middle of the first grid (geometric): e.g. the rate a recorded sweep chose, or the config's lr. */
  centre: number;
  /** Ratio of neighbouring rates (√2). */
  ratio: number;
  /** Rates in the first grid (≥ 6). */
  points: number;
  /** Steps of every sweep run: the main run's full horizon. */
  steps: number;
  /** Seeds of every rate (≥ 2). */
  seeds: number;
  /** Most √2 steps added past the first grid on each side, per arm. */
  maxExtensions: number;
}

export const FAIR_SWEEP = { ratio: Math.SQRT2, points: 6, seeds: 2, maxExtensions: 4 } as const;

/** The fair protocol for a configuration: its steps (full horizon), centred on `centre` (default cfg.lr). */
export function fairProtocol(cfg: Pick<ExperimentConfig, 'steps' | 'lr'>, centre = cfg.lr): SweepProtocol {
  return {
    centre,
    ratio: FAIR_SWEEP.ratio,
    points: FAIR_SWEEP.points,
    steps: cfg.steps,
    seeds: FAIR_SWEEP.seeds,
    maxExtensions: FAIR_SWEEP.maxExtensions,
  };
}

/** `points` rates `ratio` apart, geometric around `centre` (centre·ratio^(i − (points − 1)/2)), rounded to 4 significant figures. */
export function sweepGrid(centre: number, ratio: number, points: number): number[] {
  return [...Array(points).keys()].map((i) => Number((centre * ratio ** (i - (points - 1) / 2)).toPrecision(4)));
}

/** Train the given arms, every seed, at one peak LR; each run's final held-out loss (Infinity if it diverged). */
export type TrainArmsAt = (lr: number, arms: ArmName[]) => Promise<SweepCell[]>;

/**
 * The fair sweep: the first grid for every arm in `arms`, then per arm one more rate beyond whichever edge its best
 * sits at, until no arm's best is at an edge or its extensions run out. Throws on a protocol below the minimum (< 6
 * rates, < 2 seeds, ratio ≤ 1) and, like sweepLearningRates, when an arm diverges at every rate.
 */
export async function fairSweep(
  p: SweepProtocol,
  trainAt: TrainArmsAt,
  arms: ArmName[],
  schedule: string,
  log: (s: string) => void = () => {},
): Promise<SweepResult> {
  if (p.points < 6) throw new Error(`the fair sweep needs 6 or more rates, got ${p.points}`);
  if (p.seeds < 2) throw new Error(`the fair sweep needs 2 or more seeds per rate, got ${p.seeds}`);
  if (!(p.ratio > 1) || !(p.centre > 0 && Number.isFinite(p.centre)))
    throw new Error(
      `the fair sweep needs a ratio above 1 and a positive centre rate, got ratio ${p.ratio}, centre ${p.centre}`,
    );
  if (arms.length === 0) throw new Error('the fair sweep needs at least one arm');
  const cells: SweepCell[] = [];
  const run = async (lr: number, which: ArmName[]) => {
    const got = await trainAt(lr, which);
    cells.push(...got);
    log(`LR ${lr}: ${got.map((c) => `${c.arm} s${c.seed} ${c.valLoss.toFixed(3)}`).join(', ')}`);
  };
  const grid = sweepGrid(p.centre, p.ratio, p.points);
  for (const lr of grid) await run(lr, arms);
  const extended = new Map(arms.map((a) => [a, { low: 0, high: 0 }]));
  const unresolved: Partial<Record<ArmName, 'low' | 'high'>> = {};
  for (;;) {
    const { best } = summariseSweep(cells);
    const next = new Map<number, ArmName[]>();
    for (const arm of arms) {
      const tried = [...new Set(cells.filter((c) => c.arm === arm).map((c) => c.lr))].sort((a, b) => a - b);
      const b = best[arm];
      if (b === undefined) continue;
      const edge = b === tried[0] ? 'low' : b === tried[tried.length - 1] ? 'high' : null;
      if (!edge) {
        delete unresolved[arm];
        continue;
      }
      const count = extended.get(arm)!;
      if (count[edge] >= p.maxExtensions) {
        unresolved[arm] = edge;
        continue;
      }
      count[edge] += 1;
      const lr = Number((edge === 'low' ? tried[0] / p.ratio : tried[tried.length - 1] * p.ratio).toPrecision(4));
      next.set(lr, [...(next.get(lr) ?? []), arm]);
    }
    if (next.size === 0) break;
    for (const [lr, which] of [...next].sort((x, y) => x[0] - y[0])) {
      log(`extending the grid for ${which.join(', ')} (best at an edge): LR ${lr}`);
      await run(lr, which);
    }
  }
  const { table, best } = summariseSweep(cells);
  const lost = arms.filter((a) => best[a] === undefined);
  if (lost.length)
    throw new Error(
      `the LR sweep found no learning rate at which ${lost.join(', ')} trained without diverging; try smaller rates`,
    );
  for (const [arm, edge] of Object.entries(unresolved))
    log(
      `${arm}: best rate still at the ${edge} edge after ${p.maxExtensions} extensions; it keeps ${best[arm as ArmName]}`,
    );
  const lrs = [...new Set(cells.map((c) => c.lr))].sort((a, b) => a - b);
  return { lrs, steps: p.steps, seeds: p.seeds, schedule, cells, table, best, protocol: p, unresolved };
}

/**
 * The experiment's TrainArmsAt for the fair sweep: like experimentTrainAt at the protocol's steps and seeds (the
 * main run's horizon, so the warmup is the main run's), for only the arms asked for.
 */
export function experimentArmsTrainAt(
  cfg: ExperimentConfig,
  budget: { steps: number; seeds: number },
  makeRunner: (cfg: ExperimentConfig) => ExperimentRunner,
): TrainArmsAt {
  return (lr, arms) => experimentTrainAt({ ...cfg, arms }, budget, makeRunner)(lr);
}

/** A at neighbouring rates: the paired (by seed) mean of a − b's final image loss at one pair of rates. */
export interface NeighbourA {
  lrA: number;
  lrB: number;
  /** Mean over the seeds both arms ran of a − b, nats per image token; NaN when a run diverged. */
  mean: number;
  n: number;
}

/**
 * How sensitive A is to the rate choice: a − b's final held-out image loss at each arm's chosen rate and the tried
 * rates next to it (up to 3 × 3 cells), paired by seed. Empty when the sweep lacks either arm or the image losses
 * (sweeps recorded before imageLoss existed), or its cells (report.json stubs scale/train.py wrote before it kept them).
 */
export function neighbourA(sweep: SweepResult, a: ArmName, b: ArmName): NeighbourA[] {
  const cells = sweep.cells ?? [];
  const near = (arm: ArmName) => {
    const tried = [...new Set(cells.filter((c) => c.arm === arm).map((c) => c.lr))].sort((x, y) => x - y);
    const i = tried.indexOf(sweep.best[arm] ?? NaN);
    return i < 0 ? [] : tried.slice(Math.max(0, i - 1), i + 2);
  };
  const out: NeighbourA[] = [];
  for (const lrA of near(a))
    for (const lrB of near(b)) {
      const at = (arm: ArmName, lr: number) =>
        new Map(
          cells
            .filter((c) => c.arm === arm && c.lr === lr && c.imageLoss !== undefined)
            .map((c) => [c.seed, c.imageLoss!]),
        );
      const [ca, cb] = [at(a, lrA), at(b, lrB)];
      const d = [...ca].filter(([seed]) => cb.has(seed)).map(([seed, v]) => v - cb.get(seed)!);
      if (d.length)
        out.push({
          lrA,
          lrB,
          mean: d.some((x) => !Number.isFinite(x)) ? NaN : d.reduce((s, x) => s + x, 0) / d.length,
          n: d.length,
        });
    }
  return out;
}
