/**
 * The first screen's pictures as numbers: per arm the held-out image-token loss along training tokens with its 95%
 * t-interval across seeds, the paired difference pretrained − scratch with its interval, the x budget a run will reach,
 * a y range fitted to the part of the run that matters, and the one plain sentence that says the answer — every number
 * read from the records and report.json given (never written in). Pure, no React: plain arrays in and out.
 */
import { overfits } from '../core/experiment/overfitting';
import { tInterval } from '../core/experiment/stats';
import type { MetricRecord, Report } from '../worker/protocol';

/** One evaluation: x = training tokens (mean over the seeds evaluated there), the mean and its 95% interval. */
export interface EvalPoint {
  step: number;
  x: number;
  mean: number;
  /** The 95% t-interval across seeds; lo = hi = mean with a single seed. */
  lo: number;
  hi: number;
  n: number;
}

const keyOf = (r: MetricRecord) => `${r.step}`;

function summarise(step: number, xs: number[], values: number[]): EvalPoint {
  const t = tInterval(values);
  return {
    step,
    x: xs.reduce((a, b) => a + b, 0) / xs.length,
    mean: t.mean,
    lo: t.ci95?.[0] ?? t.mean,
    hi: t.ci95?.[1] ?? t.mean,
    n: t.n,
  };
}

/**
 * An arm's `metric` at each evaluated step, across its seeds: the mean and the 95% t-interval (Student t, n − 1 df;
 * stats.ts), x the mean training tokens at that step. Only records with tokens ≤ maxTokens (the budget a shorter run
 * reaches). Sorted by step; non-finite values are left out.
 */
export function evalCurve(records: MetricRecord[], metric: string, arm: string, maxTokens = Infinity): EvalPoint[] {
  const by = new Map<string, { step: number; xs: number[]; ys: number[] }>();
  for (const r of records) {
    if (r.metric !== metric || r.arm !== arm || r.tokens > maxTokens || !Number.isFinite(r.value)) continue;
    const g = by.get(keyOf(r)) ?? { step: r.step, xs: [], ys: [] };
    by.set(keyOf(r), g);
    g.xs.push(r.tokens);
    g.ys.push(r.value);
  }
  return [...by.values()].sort((a, b) => a.step - b.step).map((g) => summarise(g.step, g.xs, g.ys));
}

/**
 * The paired difference a − b (pretrained − scratch) of `metric` at each step where a seed has both arms: per seed
 * a − b, then the mean and 95% t-interval over those seeds (the verdict's statistic, evaluated along the run).
 */
export function diffCurve(
  records: MetricRecord[],
  metric: string,
  a: string,
  b: string,
  maxTokens = Infinity,
): EvalPoint[] {
  const val = new Map<string, { tokens: number; value: number }>();
  for (const r of records)
    if (r.metric === metric && (r.arm === a || r.arm === b) && r.tokens <= maxTokens && Number.isFinite(r.value))
      val.set(`${r.arm}/${r.seed}/${r.step}`, { tokens: r.tokens, value: r.value });
  const by = new Map<number, { xs: number[]; ds: number[] }>();
  for (const [k, va] of val) {
    const [arm, seed, step] = k.split('/');
    if (arm !== a) continue;
    const vb = val.get(`${b}/${seed}/${step}`);
    if (!vb) continue;
    const g = by.get(Number(step)) ?? { xs: [], ds: [] };
    by.set(Number(step), g);
    g.xs.push((va.tokens + vb.tokens) / 2);
    g.ds.push(va.value - vb.value);
  }
  return [...by.entries()].sort((p, q) => p[0] - q[0]).map(([step, g]) => summarise(step, g.xs, g.ds));
}

/** Mean training tokens per step over the runs in `records` (from each run's latest record of `metric`); null without one past step 0. */
export function tokensPerStep(records: MetricRecord[], metric: string): number | null {
  const last = new Map<string, MetricRecord>();
  for (const r of records)
    if (r.metric === metric && r.step > 0 && r.step >= (last.get(`${r.arm}/${r.seed}`)?.step ?? 0))
      last.set(`${r.arm}/${r.seed}`, r);
  if (!last.size) return null;
  return [...last.values()].reduce((s, r) => s + r.tokens / r.step, 0) / last.size;
}

/**
 * The tokens a run of `steps` steps of `batchSize` will have trained on: its own tokens per step once it has logged
 * one, before that the recorded run's per step scaled by the batch sizes (tokens per step grow with the batch).
 */
export function budgetTokens(
  steps: number,
  batchSize: number,
  live: number | null,
  recorded: { perStep: number; batchSize: number } | null,
): number | null {
  if (live !== null) return steps * live;
  if (recorded) return steps * recorded.perStep * (batchSize / recorded.batchSize);
  return null;
}

/**
 * A y range for the part of a run that matters: the points with x in the last three quarters of [0, xRef] (xRef: how far the
 * newest run has got), so the first evaluations — the pre-trained arm starts far off — do not flatten the end; every
 * point when fewer than two fall there. `always` are values the range must hold (the ±margin). Padded by 8%.
 */
export function fitY(series: EvalPoint[][], xRef: number, always: number[] = []): [number, number] {
  const all = series.flat();
  const late = all.filter((p) => p.x >= xRef / 4 && p.x <= xRef);
  const use = late.length >= 2 ? late : all;
  const ys = [...use.flatMap((p) => [p.lo, p.hi]), ...always].filter(Number.isFinite);
  if (!ys.length) return [0, 1];
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.08;
  return [lo - pad, hi + pad];
}

/** 561081 → "560,000"; 149573 → "150,000" (two significant figures: a sentence, not a table). */
export function roundTokens(t: number): string {
  if (!(t > 0)) return '0';
  const p = Math.pow(10, Math.max(0, Math.floor(Math.log10(t)) - 1));
  return (Math.round(t / p) * p).toLocaleString('en-US');
}

const n3 = (x: number) => {
  const a = Math.abs(x);
  return a >= 1 ? a.toFixed(2) : a.toPrecision(2);
};
const signed = (x: number) => `${x < 0 ? '−' : '+'}${n3(x)}`;

/** A report's equivalence margin, nats per token: its own, else its config's, else the default 0.05. */
const marginOf = (r: Report): number => (typeof r.margin === 'number' ? r.margin : (r.config?.margin ?? 0.05));
const seedCount = (n: number) => `${n} seed${n === 1 ? '' : 's'}`;

/** An effect as the sentences read it from report.json: verdict, detail and the difference at the end. */
type ArmEffect = {
  verdict?: string;
  detail?: string | null;
  diff?: { mean: number; ci95: [number, number] | null; n: number };
  /** The TOST at each budget fraction (verdict.ts): 'lower' / 'higher' = beyond the margin there. */
  tests?: { outcome?: string; label?: string; mean: number }[];
};

/**
 * The answer in one sentence a 16-year-old reads, from a report's effect A (the verdict, the difference at the end with
 * its 95% interval and seeds, the margin) and the tokens trained on: what the difference was, where its interval lies
 * against the grey ±margin band, and what that means. Null when the report has no effect A difference.
 */
export function plainSentence(report: Report, tokens: number | null): string | null {
  const e = (report.effects as Record<string, ArmEffect | undefined>).image_loss;
  const d = e?.diff;
  if (!d || !Number.isFinite(d.mean)) return null;
  const m = marginOf(report);
  const after = tokens ? `After ${roundTokens(tokens)} training tokens, ` : 'At the end, ';
  const who = 'the model that had read English first';
  const diff = `${who} scored ${n3(d.mean)} ${d.mean < 0 ? 'lower (better)' : 'higher (worse)'} on the real images than the one that started blank`;
  const seeds = seedCount(d.n);
  if (!d.ci95)
    return `${after}${diff}; with ${seeds} there is no range of likely differences, so this run cannot say whether reading English helped.`;
  const [lo, hi] = d.ci95;
  const range = `its likely range (${signed(lo)} to ${signed(hi)}, ${seeds})`;
  const band = `the grey “no real difference” band (±${m})`;
  const partly = e?.verdict === 'inconclusive' ? ' here, though not at every point of the run' : '';
  switch (outcome(e!, m)) {
    case 'equivalent':
      return `${after}${diff}: ${range} stays inside ${band}, so reading English first did not help it draw.`;
    case 'helped':
      return `${after}${diff}: ${range} lies below ${band}, so reading English first helped${partly}.`;
    case 'hurt':
      return `${after}${diff}: ${range} lies above ${band}, so reading English first made it worse${partly}.`;
    default:
      return `${after}${diff}, but ${range} reaches into ${band}: too close to call — more seeds would tell.`;
  }
}

/**
 * Where effect A's 95% interval lies against the ±m band, as the sentences say it: 'equivalent' (the verdict is
 * reproduced, or with no verdict the interval is inside the band), 'helped' (wholly below it), 'hurt' (wholly above
 * it), 'unsure' (it reaches into the band, or there is no interval).
 */
function outcome(e: ArmEffect, m: number): 'equivalent' | 'helped' | 'hurt' | 'unsure' {
  const ci = e.diff?.ci95;
  if (!ci) return 'unsure';
  const [lo, hi] = ci;
  if (e.verdict === 'reproduced' || (!e.verdict && lo > -m && hi < m)) return 'equivalent';
  if (hi < -m) return 'helped';
  if (lo > m) return 'hurt';
  return 'unsure';
}

/** The mean training tokens at a report's last evaluation of `metric` in `records` (for the sentence), or null. */
export function finalTokens(records: MetricRecord[], metric: string): number | null {
  let step = -1;
  for (const r of records) if (r.metric === metric && r.step > step) step = r.step;
  const at = records.filter((r) => r.metric === metric && r.step === step);
  return at.length ? at.reduce((s, r) => s + r.tokens, 0) / at.length : null;
}

/** A difference as the control sentences say it: "−0.35, likely range −0.37 to −0.34, 5 seeds". */
const rangeOf = (d: NonNullable<ArmEffect['diff']>) =>
  d.ci95
    ? `${signed(d.mean)}, likely range ${signed(d.ci95[0])} to ${signed(d.ci95[1])}, ${seedCount(d.n)}`
    : `${signed(d.mean)}, ${seedCount(d.n)}`;

/** report.otherArms.image_loss by pair name ("a vs b"); empty when the report has none. */
const otherImage = (report: Report): Record<string, ArmEffect | undefined> =>
  (report.otherArms as Record<string, Record<string, ArmEffect | undefined>> | undefined)?.image_loss ?? {};

/**
 * The shuffled control in one sentence, when the report has it (issue 26: is any help the LM's English or its weights'
 * scale?): report.otherArms.image_loss['pretrained vs pretrained-shuffled'] — the pre-trained arm against the same
 * weights shuffled within each matrix, by the same TOST rule and margin as effect A (reproduced = equivalent within
 * the margin; not reproduced = beyond it, helped below / hurt above). Null when the report has no shuffled arm or no
 * difference for it.
 */
export function controlSentence(report: Report): string | null {
  const e = otherImage(report)['pretrained vs pretrained-shuffled'];
  const d = e?.diff;
  if (!e || !d || !Number.isFinite(d.mean)) return null;
  const range = rangeOf(d);
  const control = 'The same pre-trained weights shuffled within each matrix — their size kept, their English gone —';
  if (e.verdict === 'reproduced')
    return `${control} drew as well as the pre-trained model (${range}): what it did on images came from the weights' size, not from what they had read.`;
  if (e.verdict === 'not reproduced' && e.detail === 'helped')
    return `${control} drew worse than the pre-trained model (${range}): what the weights had read helped beyond their size.`;
  if (e.verdict === 'not reproduced' && e.detail === 'hurt')
    return `${control} drew better than the pre-trained model (${range}): what the weights had read hurt.`;
  return `${control} cannot yet be told apart from the pre-trained model or shown equal to it (${range}): more seeds would tell whether its English or its size mattered.`;
}

/**
 * The longer recorded run (the budget axis, issue 26 b) beside the recorded answer, in one short sentence: how many
 * times the training tokens of `main` it had (its effect A's last checkpoint against main's; the steps × batch ratio
 * when a report lacks them), whether its answer on image tokens is the same (verdict and direction), its difference at
 * the end with the 95% interval and seeds, and what that means, in plainSentence's words; with the report's over-fitting
 * figures (overfitting.ts), the passes over the training images and whether the pre-trained arm over-fit. Null when `longer` has no
 * effect A difference or trained no longer than `main`.
 */
export function longerSentence(main: Report, longer: Report): string | null {
  const atEnd = (r: Report): number | null =>
    (
      r.effects as Record<string, { tests?: { fraction: number | null; tokens: number }[] } | undefined>
    ).image_loss?.tests?.find((t) => t.fraction === 1)?.tokens ?? null;
  const steps = (r: Report): number | null => (r.config ? r.config.steps * r.config.batchSize : null);
  const tokens = [atEnd(main), atEnd(longer)];
  const [a, b] = tokens[0] && tokens[1] ? tokens : [steps(main), steps(longer)];
  const effect = (r: Report) => (r.effects as Record<string, ArmEffect | undefined>).image_loss;
  const e = effect(longer);
  const d = e?.diff;
  if (!a || !b || !(b > a * 1.05) || !e || !d || !Number.isFinite(d.mean)) return null;
  const m = marginOf(longer);
  const times = b / a >= 1.95 ? `${Math.round(b / a)}×` : `${(b / a).toFixed(1)}×`;
  const same = effect(main)?.verdict === e.verdict && effect(main)?.detail === e.detail;
  const swept = (longer.meta as { sweep?: { best?: object } } | undefined)?.sweep?.best
    ? ', each arm at its own swept rate'
    : '';
  const epochs = longer.fit?.epochs;
  const passes = epochs ? `; ${epochs.toFixed(1)} passes over the same training images` : '';
  const how = longer.config ? ` (${longer.config.steps.toLocaleString('en-US')} steps${swept}${passes})` : '';
  const pre = longer.fit?.gaps.find((g) => g.arm === 'pretrained');
  const overfit = pre && overfits(pre, m) ? ', the pre-trained model over-fitting them' : '';
  const seeds = seedCount(d.n);
  const diff = d.ci95
    ? `${signed(d.mean)} (${signed(d.ci95[0])} to ${signed(d.ci95[1])}, ${seeds})`
    : `${signed(d.mean)} (${seeds})`;
  const means = {
    equivalent: 'reading English first did not help',
    helped: 'reading English first helped',
    hurt: 'reading English first made it worse',
    unsure: 'too close to call',
  }[outcome(e, m)];
  return `With ${times} the training${how}, another recorded run gave ${same ? 'the same answer' : 'a different answer'}: ${diff} — ${means}${overfit}.`;
}

/**
 * The frozen-body run (issue 26 (c): public/runs/frozen/report.json) beside the recorded answer, in one sentence:
 * otherArms.image_loss['pretrained-frozen vs scratch-frozen'] — a frozen pre-trained body against a frozen random one,
 * only the embeddings, head and LayerNorms learning — and, when the report has it, ['pretrained-frozen vs
 * pretrained-shuffled-frozen'] — against the same weights shuffled within each matrix, frozen too: whether what a frozen
 * pre-trained body gives is what it read or its weights' size. Each said by where its 95% interval at the end lies
 * against the report's margin (outcome()); a control beyond the margin at some budget (its first such test) but inside
 * it at the end is said as a head start that did not last. Null when the report has no frozen pair.
 */
export function frozenSentence(report: Report): string | null {
  const arms = otherImage(report);
  const pair = arms['pretrained-frozen vs scratch-frozen'];
  if (!pair?.diff || !Number.isFinite(pair.diff.mean)) return null;
  const m = marginOf(report);
  const against = {
    helped: 'drew better than a frozen random one',
    hurt: 'drew worse than a frozen random one',
    equivalent: 'drew as well as a frozen random one',
    unsure: 'could not yet be told apart from a frozen random one',
  }[outcome(pair, m)];
  const lead = `With the model's body frozen — only its embeddings, output layer and LayerNorms learning — the pre-trained body ${against} (${rangeOf(pair.diff)})`;
  const ctl = arms['pretrained-frozen vs pretrained-shuffled-frozen'];
  if (!ctl?.diff || !Number.isFinite(ctl.diff.mean)) return `${lead}.`;
  const r = rangeOf(ctl.diff);
  // Beyond the margin early in the run but inside it at the end: a head start from what the weights read, then size.
  const early = ctl.tests?.find((t) => t.outcome === 'lower' || t.outcome === 'higher');
  const [lo, hi] = ctl.diff.ci95 ?? [NaN, NaN];
  if (early?.label && lo > -m && hi < m)
    return `${lead}, and the same weights shuffled drew ${early.outcome === 'lower' ? 'worse' : 'better'} early on (${signed(early.mean)} at ${early.label}) but as well by the end (${r}): frozen, what the weights had read gave a head start, and the lasting help came from their size.`;
  const control = {
    helped: `, and better than the same weights shuffled (${r}): frozen, what the weights had read helped beyond their size`,
    hurt: `, but worse than the same weights shuffled (${r}): frozen, what the weights had read hurt`,
    equivalent: `, and the same weights shuffled drew as well (${r}): frozen too, the help came from the weights' size, not from what they had read`,
    unsure: `; the same weights shuffled could not yet be told apart from it (${r}): more seeds would tell whether its English or its size mattered`,
  }[outcome(ctl, m)];
  return `${lead}${control}.`;
}

/**
 * The image-only pair (issue 26 (c); the paper's finding 3, A′ in docs/paper.md) in one sentence:
 * otherArms.image_loss['image-only-pretrained vs image-only-scratch'] — the same two starts trained on image tokens
 * alone, no captions — by where its 95% interval at the end lies against the report's margin (outcome()), said
 * against the paper's "pre-training again gives no benefit". Null when the report has no image-only pair.
 */
export function imageOnlySentence(report: Report): string | null {
  const pair = otherImage(report)['image-only-pretrained vs image-only-scratch'];
  if (!pair?.diff || !Number.isFinite(pair.diff.mean)) return null;
  const said = {
    helped: 'drew better than one that started blank',
    hurt: 'drew worse than one that started blank',
    equivalent: 'drew as well as one that started blank, as the paper found',
    unsure: 'could not yet be told apart from one that started blank',
  }[outcome(pair, marginOf(report))];
  return `Trained on the images alone, with no captions at all, the model that had read English first ${said} (${rangeOf(pair.diff)}).`;
}

/** A perplexity ratio as the sentences say it: "×2.04 (likely range ×1.96 to ×2.12)"; ×89 from 10 on. */
const timesOf = (r: { mean: number; ci95: [number, number] | null }) => {
  const x = (v: number) => `×${v >= 10 ? Math.round(v) : v.toPrecision(3)}`;
  return r.ci95 ? `${x(r.mean)} (likely range ${x(r.ci95[0])} to ${x(r.ci95[1])})` : x(r.mean);
};

type Forgot = { ratio?: { mean: number; ci95: [number, number] | null; n: number } };

/**
 * The English mix (issue 26 (c)) against forgetting in one sentence: otherArms.forgetting['pretrained-mix'].ratio —
 * the pre-trained model fine-tuned with a share (config.mixShare) of each batch ordinary English — beside
 * effects.forgetting.ratio, the pre-trained arm without it: each the factor its English perplexity grew by over
 * fine-tuning (geometric mean over seeds, 95% interval on the log scale; verdict-forgetting.ts); "less" or "more"
 * only when the two intervals do not overlap. Null when the report has no mix arm or either ratio is missing.
 */
export function mixSentence(report: Report): string | null {
  const mix = ((report.otherArms as { forgetting?: Record<string, Forgot | undefined> } | undefined)?.forgetting ?? {})[
    'pretrained-mix'
  ]?.ratio;
  const plain = (report.effects as { forgetting?: Forgot } | undefined)?.forgetting?.ratio;
  if (!mix || !plain || !Number.isFinite(mix.mean) || !Number.isFinite(plain.mean)) return null;
  const share = report.config?.mixShare;
  const part =
    typeof share === 'number' && share > 0 ? `${Math.round(share * 100)}% ordinary English` : 'ordinary English';
  // Said as less or more only when the two 95% intervals do not overlap (a conservative reading of two ratios).
  const [mLo, mHi] = mix.ci95 ?? [mix.mean, mix.mean];
  const [pLo, pHi] = plain.ci95 ?? [plain.mean, plain.mean];
  const how =
    mix.ci95 && plain.ci95 && mHi < pLo
      ? 'it forgot less English'
      : mix.ci95 && plain.ci95 && mLo > pHi
        ? 'it forgot more English'
        : 'it could not yet be told to forget less English or more';
  return `Fine-tuned with ${part} mixed into every batch, ${how}: its perplexity on English grew ${timesOf(mix)}, against ${timesOf(plain)} without the mix (${seedCount(mix.n)}).`;
}
