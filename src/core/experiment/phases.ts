/**
 * Wall time by phase of an experiment (report.json `meta.phases`, seconds): preparation, the LR sweep, training
 * steps, evaluations, checkpoints, and the finish: 'restore' (the torch engine's checkpoints loaded back into tfjs),
 * 'finishEvaluation' (evaluation again for the heatmap), samples, the quality classifier, the token and caption
 * analysis with its caption LM, and the report. Both engines of `npm run replicate`
 * record the same names, so their runs compare phase by phase (`npm run bench:replicate`).
 */

/** The phases in the order a run goes through them (a record may hold a subset). */
export const PHASES = [
  'preparation',
  'sweep',
  'train',
  'evaluation',
  'checkpoint',
  'restore',
  'finishEvaluation',
  'samples',
  'quality',
  'analysis',
  'report',
] as const;
export type Phase = (typeof PHASES)[number];

/** Accumulates milliseconds per phase: either one phase at a time (`enter`), or amounts measured elsewhere (`add`). */
export class PhaseClock {
  private readonly ms = new Map<string, number>();
  private current: string | null = null;
  private since = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** End the current phase (if any) and start `phase` (null: none). */
  enter(phase: Phase | null): void {
    const t = this.now();
    if (this.current !== null) this.add(this.current as Phase, t - this.since);
    this.current = phase;
    this.since = t;
  }

  /** Add `ms` milliseconds to `phase` (negative amounts are taken as 0). */
  add(phase: Phase, ms: number): void {
    this.ms.set(phase, (this.ms.get(phase) ?? 0) + Math.max(0, ms));
  }

  /** Move `ms` from one phase to another (a phase measured inside another, e.g. the LR sweep inside preparation). */
  move(from: Phase, to: Phase, ms: number): void {
    if (ms <= 0) return;
    this.ms.set(from, Math.max(0, (this.ms.get(from) ?? 0) - ms));
    this.add(to, ms);
  }

  /**
   * Split the wall time of training rounds (`wallMs`): `trainMs` of training steps and `checkpointMs` of checkpoints,
   * the rest evaluations (the step-0 evaluation included).
   */
  addRounds(wallMs: number, trainMs: number, checkpointMs: number): void {
    this.add('train', trainMs);
    this.add('checkpoint', checkpointMs);
    this.add('evaluation', wallMs - trainMs - checkpointMs);
  }

  /** Seconds per phase, rounded to 0.01 s, in PHASES order (phases never entered are left out). */
  seconds(): Partial<Record<Phase, number>> {
    const out: Partial<Record<Phase, number>> = {};
    for (const p of PHASES) if (this.ms.has(p)) out[p] = Math.round(this.ms.get(p)! / 10) / 100;
    return out;
  }
}
