/**
 * What the page says about a report's three effects: the question each answers, its headline number with the 95%
 * interval in that effect's unit, and — for an undecided verdict — why this run cannot decide (with the seeds that would,
 * when the report carries its power). Reads report.json as
 * it is (verdict, diff {mean, ci95, n}, sentence, and an optional detail such as helped / hurt / persists) and
 * tolerates fields that are absent. Pure, no React.
 */
import type { Report } from '../worker/protocol';

export type EffectKey = 'image_loss' | 'caption_gap' | 'forgetting';

export interface EffectView {
  key: EffectKey;
  name: string;
  question: string;
  verdict: string;
  /** helped / hurt / persists…, when the report says. */
  detail: string | null;
  /** The number with its interval in words, e.g. "+0.33 nats (95% CI 0.24 to 0.41, 3 seeds)". */
  interval: string;
  sentence: string;
  /** For an inconclusive verdict: why the run cannot decide. */
  why: string | null;
}

export const EFFECTS: { key: EffectKey; name: string; question: string }[] = [
  { key: 'image_loss', name: 'A. Image tokens', question: 'Does pre-training lower the image-token loss?' },
  {
    key: 'caption_gap',
    name: 'B. Caption head start',
    question: 'Does the pre-trained arm’s head start on captions vanish?',
  },
  { key: 'forgetting', name: 'C. Forgetting', question: 'Does the pre-trained arm lose ordinary English?' },
];

interface Diff {
  mean: number;
  ci95: [number, number] | null;
  n: number;
}

/** A number to about three significant figures, with an explicit sign where `signed`. */
export function num(x: number, signed = false): string {
  const a = Math.abs(x);
  // Below 1, significant figures rather than decimals: an interval ending at −0.0073 must not read −0.007.
  const s = a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : a === 0 ? '0' : x.toPrecision(3);
  return signed && x > 0 ? `+${s}` : s.replace('-', '−');
}

const UNIT: Record<EffectKey, (x: number, signed?: boolean) => string> = {
  image_loss: (x, signed = true) => `${num(x, signed)} nats`,
  caption_gap: (x) => `${num(x)} nats left`,
  forgetting: (x) => `×${num(x)}`,
};

/** "+0.326 nats (95% CI 0.242 to 0.411, 3 seeds)"; "… (one seed: no interval)". */
export function intervalText(key: EffectKey, d: Diff | undefined): string {
  if (!d || !Number.isFinite(d.mean)) return '—';
  const u = UNIT[key];
  if (!d.ci95) return `${u(d.mean)} (${d.n === 1 ? 'one seed' : `${d.n} seeds`}: no interval)`;
  return `${u(d.mean)} (95% CI ${num(d.ci95[0])} to ${num(d.ci95[1])}, ${d.n} seeds)`;
}

/**
 * Why an inconclusive verdict could not decide: fewer than two seeds give no interval at all; otherwise the interval
 * is wider than the rule allows (it reaches both sides of the threshold that separates the outcomes).
 */
export function whyUndecided(d: Diff | undefined, steps: number | null, seedsToDecide: number | null = null): string {
  const short = steps !== null ? ` This run trained ${steps.toLocaleString('en-US')} steps per arm.` : '';
  if (!d || !Number.isFinite(d.mean))
    return `There is no number to judge: the run did not measure this effect.${short}`;
  if (!d.ci95)
    return `With ${d.n === 1 ? 'one seed' : `${d.n} seeds`} there is no 95% interval, so no rule can be applied: run at least 2 seeds (3 or more for a useful interval).${short}`;
  const width = d.ci95[1] - d.ci95[0];
  const seeds =
    seedsToDecide !== null
      ? ` At the noise this run showed, about ${seedsToDecide} seeds would decide it (80% power).`
      : '';
  return `The 95% interval (${num(d.ci95[0])} to ${num(d.ci95[1])}, width ${num(width)}) reaches across the rule’s threshold, so the ${d.n} seeds disagree too much to decide: add seeds or steps to narrow it.${seeds}${short}`;
}

/** A point of the caption gap's curve as report.json has it: its mean, 90% interval (the rule's) and seeds. */
interface GapPoint {
  mean: number;
  ci90?: [number, number] | null;
  n: number;
  tokens?: number;
  fraction?: number;
}

/**
 * Why an undecided caption-gap verdict (B) could not decide. Its rule reads 90% intervals against +margin at two
 * points — the head start at step 0 and the gap left at the end — not the 95% interval of the end shown as its
 * number, so the reason names the point whose interval reaches across +margin. Null when neither does (one seed,
 * or a point not reported): whyUndecided then says why.
 */
export function whyCaptionUndecided(
  start: GapPoint | null | undefined,
  end: GapPoint | undefined,
  margin: number,
  steps: number | null,
  seedsToDecide: number | null = null,
): string | null {
  const across = (g: GapPoint | null | undefined) => !!g?.ci90 && g.ci90[0] <= margin && g.ci90[1] >= margin;
  const g = across(start) ? start! : across(end) ? end! : null;
  if (!g || g.n < 2) return null;
  const what =
    g === start
      ? `The head start ${g.tokens ? 'at the first evaluation' : 'at step 0'} (90% CI ${num(g.ci90![0])} to ${num(g.ci90![1])} nats) reaches across +${margin}, so the ${g.n} seeds cannot tell whether there was one`
      : `The gap left at the end (90% CI ${num(g.ci90![0])} to ${num(g.ci90![1])} nats) reaches across +${margin}, so the ${g.n} seeds cannot tell whether it vanished`;
  const seeds =
    seedsToDecide !== null
      ? ` At the noise this run showed, about ${seedsToDecide} seeds would decide it (80% power).`
      : '';
  const short = steps !== null ? ` This run trained ${steps.toLocaleString('en-US')} steps per arm.` : '';
  return `${what}: add seeds to narrow it.${seeds}${short}`;
}

export function effectViews(report: Report): EffectView[] {
  const effects = (report.effects ?? {}) as Partial<
    Record<
      EffectKey,
      {
        verdict?: string;
        detail?: string;
        diff?: Diff;
        ratio?: Diff;
        sentence?: string;
        power?: { seedsToDecide?: number | null } | null;
        start?: GapPoint | null;
        gapCurve?: GapPoint[];
      }
    >
  >;
  const steps = report.config?.steps ?? null;
  return EFFECTS.map(({ key, name, question }) => {
    const e = effects[key];
    const verdict = e?.verdict ?? 'not measured';
    // Forgetting's headline diff is the log ratio (nats); the page shows the ratio itself with its log-scale interval.
    const shown = key === 'forgetting' && e?.ratio ? e.ratio : e?.diff;
    return {
      key,
      name,
      question,
      verdict,
      detail: typeof e?.detail === 'string' ? e.detail : null,
      interval: intervalText(key, shown),
      // The report's sentence without its power paragraph: the page says what power means in `why` (seeds to
      // decide), and the first screen must keep Play in view; report.html keeps the whole sentence.
      sentence: (e?.sentence ?? '').split(' Power (')[0],
      why:
        verdict !== 'inconclusive'
          ? null
          : key === 'caption_gap'
            ? (whyCaptionUndecided(
                e?.start,
                e?.gapCurve?.at(-1)?.fraction === 1 ? e.gapCurve.at(-1) : undefined,
                report.config?.margin ?? 0.05,
                steps,
                e?.power?.seedsToDecide ?? null,
              ) ?? whyUndecided(shown, steps, e?.power?.seedsToDecide ?? null))
            : whyUndecided(shown, steps, e?.power?.seedsToDecide ?? null),
    };
  });
}

/** "preset cpu, 3 seeds × 150 steps, arms pretrained and scratch" */
export function reportSetup(report: Report): string {
  const c = report.config;
  const steps = c?.steps !== undefined ? ` × ${c.steps.toLocaleString('en-US')} steps` : '';
  return `preset ${report.preset}, ${report.seeds} seed${report.seeds === 1 ? '' : 's'}${steps}, arms ${report.arms.join(', ')}`;
}
