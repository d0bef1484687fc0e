/**
 * The replication report (report.json): the three effects of docs/paper.md judged by verdict.ts's rules from the metric
 * records alone — curves read at equal token budgets (curves.ts) — the same rules on the other arms the run has, the
 * quality of generated images with intervals, and plain notes on what the report had to work around (runs stopped
 * early, files recorded before a metric existed). Reading and writing metrics.csv is metrics-csv.ts's job.
 */
import { lastTenthChanges, settlingNote } from './settling';
import { fitGaps, fitNote, type FitGap } from './overfitting';
import { METRICS } from '../metrics';
import { curveOf, evaluatedFractions, lastStep, pairedArea, pairedAt, seedPairs, type Point } from './curves';
import type { Quality } from './extras';
import { qualitySummary, type QualitySummary } from './quality-summary';
import type { MetricRecord } from './runner';
import { ARM_PAIRS, armSpec, DEFAULT_MARGIN, type ArmName, type ExperimentConfig } from './config';
import { tokensSaved, type TokensSaved } from './tokens-saved';
import { caveats } from './caveats';
import { conceptBootstrapA, type ConceptBootstrap, type PerImageLosses } from './per-image';
import { tInterval, type Interval } from './stats';
import { stopReason } from './stop-reason';
import { A_FRACTIONS, captionGapEffect, imageLossEffect, type CaptionGapEffect, type ImageLossEffect } from './verdict';
import { forgettingEffect, logRatio, type ForgettingEffect } from './verdict-forgetting';

/** One value of each seed of an arm. */
export type PerSeed = { seed: number; value: number }[];

export interface Report {
  preset: string;
  /** The run's configuration; null when the report was rebuilt from a metrics.csv alone. */
  config: ExperimentConfig | null;
  /** Seeds in the records. */
  seeds: number;
  arms: string[];
  /** The equivalence margin the rules used, nats per token (the config's, else DEFAULT_MARGIN). */
  margin: number;
  effects: {
    /** tokensSaved: the share of scratch's tokens the pre-trained arm needed to reach its final image loss (tokens-saved.ts). */
    image_loss: ImageLossEffect & {
      finalLossByArm: Record<string, PerSeed>;
      tokensSaved: TokensSaved;
      diffCurve: DiffPoint[];
    };
    caption_gap: CaptionGapEffect & { initialLossByArm: Record<string, PerSeed>; tokensSaved: TokensSaved };
    forgetting: ForgettingEffect;
  };
  /** The same rules on the run's other arms: A for each pre-trained/scratch pair of a kind, C for each other pre-trained arm. */
  otherArms: {
    image_loss: Record<string, ImageLossEffect & { tokensSaved?: TokensSaved; diffCurve?: DiffPoint[] }>;
    forgetting: Record<string, ForgettingEffect>;
  };
  quality: QualitySummary | null;
  /** A resampled by concept from the per-image final losses in meta.perImage (per-image.ts); null without them. */
  conceptA: ConceptBootstrap | null;
  /** What limits the verdicts (power, evaluation set, LM, rates), shown in the verdict table (caveats.ts). */
  caveats: string[];
  /** What the report worked around, in plain words. */
  notes: string[];
  /**
   * Over-fitting (overfitting.ts): passes over the training images (null without their count) and pretrained's and
   * scratch's held-out − training image loss; absent from reports built before it.
   */
  fit?: { epochs: number | null; gaps: FitGap[] };
  /** Extra facts: timing, data sizes, the LM, the tokenizer, the quality figure, the analysis. */
  meta: Record<string, unknown>;
}

/** The paired difference a − b at one evaluated budget: mean and 95% t-interval over seeds (A's difference curve). */
export interface DiffPoint extends Interval {
  fraction: number;
  tokens: number;
}

/** The other pairs A is also judged on (when the run has both arms): config.ts's ARM_PAIRS after the main one. */
const OTHER_PAIRS = ARM_PAIRS.filter(([a, b]) => !(a === 'pretrained' && b === 'scratch'));

const has = (records: MetricRecord[], metric: string) => records.some((r) => r.metric === metric);

function imageLoss(
  records: MetricRecord[],
  a: string,
  b: string,
  seeds: number[],
  margin: number,
  notes: string[],
  why: (run: string) => string,
): ImageLossEffect & { tokensSaved: TokensSaved; diffCurve: DiffPoint[] } {
  const pairs = seedPairs(records, a, b, METRICS.valImageLoss, seeds);
  for (const p of pairs)
    for (const s of p.short) notes.push(`${s} (${why(s)}): image-token loss compared only at the budgets it reached.`);
  const diffCurve = evaluatedFractions(pairs).flatMap((f) => {
    const p = pairedAt(pairs, f);
    return p.diffs.length ? [{ fraction: f, tokens: p.tokens, ...tInterval(p.diffs) }] : [];
  });
  return {
    ...imageLossEffect(
      A_FRACTIONS.map((f) => pairedAt(pairs, f)),
      pairedArea(pairs),
      margin,
      a === 'pretrained' && b === 'scratch' ? undefined : { a, b },
    ),
    tokensSaved: tokensSaved(
      pairs,
      `held-out image tokens (${a} against ${b})`,
      a === 'pretrained' && b === 'scratch' ? undefined : { a, b: `${b}'s` },
    ),
    diffCurve,
  };
}

/** C on one pre-trained arm: English loss at step 0 and at the last step, per seed; a run stopped early is left out. */
function forgetting(
  records: MetricRecord[],
  arm: string,
  seeds: number[],
  margin: number,
  notes: string[],
  why: (run: string) => string,
): ForgettingEffect {
  const textIds = has(records, METRICS.valEnglishLossTextIds);
  const [inKey, oodKey] = textIds
    ? [METRICS.valEnglishLossTextIds, METRICS.valEnglishOodLossTextIds]
    : [METRICS.valEnglishLoss, METRICS.valEnglishOodLoss];
  const beforeAfter = (metric: string) => {
    const end = lastStep(records, metric);
    const out = { seeds: [] as number[], before: [] as number[], after: [] as number[] };
    for (const seed of seeds) {
      const c: Point[] = curveOf(records, arm, seed, metric);
      if (c.length < 2 || c[0].step !== 0) continue;
      if (c[c.length - 1].step !== end) {
        if (metric === inKey)
          notes.push(
            `${arm} seed ${seed} stopped at step ${c[c.length - 1].step} (${why(`${arm} seed ${seed}`)}): left out of the forgetting figure.`,
          );
        continue;
      }
      out.seeds.push(seed);
      out.before.push(c[0].value);
      out.after.push(c[c.length - 1].value);
    }
    return out;
  };
  const english = beforeAfter(inKey);
  const full = textIds ? beforeAfter(METRICS.valEnglishLoss) : null;
  const ood = beforeAfter(oodKey);
  return forgettingEffect(
    english,
    textIds ? 'text ids' : 'full softmax',
    {
      fullSoftmax: full ? logRatio(full.before, full.after, margin) : null,
      outOfDomain: logRatio(ood.before, ood.after, margin),
    },
    margin,
  );
}

/** Each arm's value of `metric` at its first (`first`) or last evaluation, per seed; runs stopped early are left out of `last`. */
function byArm(
  records: MetricRecord[],
  arms: string[],
  seeds: number[],
  metric: string,
  which: 'first' | 'last',
): Record<string, PerSeed> {
  const end = lastStep(records, metric);
  const out: Record<string, PerSeed> = {};
  for (const arm of arms) {
    const v: PerSeed = [];
    for (const seed of seeds) {
      const c = curveOf(records, arm, seed, metric);
      if (!c.length) continue;
      const p = which === 'first' ? c[0] : c[c.length - 1];
      if (which === 'first' ? p.step === 0 : p.step === end) v.push({ seed, value: p.value });
    }
    if (v.length) out[arm] = v;
  }
  return out;
}

/**
 * What the records lack for a report — the pretrained and scratch arms' held-out image and caption losses and the
 * pretrained arm's held-out English loss — as the sentence buildReport throws, or null when nothing is missing. A
 * run's records arrive while it runs, so a page asks this before judging a run early instead of catching the throw.
 */
export function missingForReport(records: MetricRecord[]): string | null {
  for (const [arm, metric] of [
    ['pretrained', METRICS.valImageLoss],
    ['scratch', METRICS.valImageLoss],
    ['pretrained', METRICS.valTextLoss],
    ['scratch', METRICS.valTextLoss],
    ['pretrained', METRICS.valEnglishLoss],
  ])
    if (!records.some((r) => r.arm === arm && r.metric === metric))
      return `the report needs the pretrained and scratch arms' held-out losses; the records have no ${metric} for the ${arm} arm`;
  return null;
}

/**
 * Judge a run from its metric records. `cfg` gives the margin, the preset and the arm order; without it (a
 * metrics.csv alone) the margin is DEFAULT_MARGIN and the arms are those recorded. Throws, naming what is missing,
 * when the records lack the pretrained and scratch arms' held-out losses.
 */
export function buildReport(
  cfg: ExperimentConfig | null,
  records: MetricRecord[],
  meta: Record<string, unknown> = {},
): Report {
  const notes: string[] = [];
  const recorded = [...new Set(records.map((r) => r.arm))];
  const arms = cfg
    ? [...cfg.arms.filter((a) => recorded.includes(a)), ...recorded.filter((a) => !(cfg.arms as string[]).includes(a))]
    : recorded;
  const seeds = [...new Set(records.map((r) => r.seed))].sort((a, b) => a - b);
  const margin = cfg?.margin ?? DEFAULT_MARGIN;
  // A run on under 10 images validated on its training images (prepare.ts): said first, as it changes what every loss means.
  if (typeof meta.validationIsTraining === 'string') notes.push(meta.validationIsTraining);
  if (!cfg)
    notes.push(
      `Rebuilt from metrics.csv alone: no configuration, so the default margin of ${DEFAULT_MARGIN} nats per token.`,
    );
  else if (cfg.margin === undefined)
    notes.push(`The configuration predates the margin field: the default margin of ${DEFAULT_MARGIN} nats per token.`);
  const missing = missingForReport(records);
  if (missing) throw new Error(missing);
  if (!has(records, METRICS.valEnglishLossTextIds))
    notes.push(
      `The records have no ${METRICS.valEnglishLossTextIds} (recorded before it existed): forgetting is judged over the full softmax, which also counts probability moved to the image ids as forgetting.`,
    );

  const why = stopReason(records, meta.stopped); // never a NaN/Inf the records do not show
  const image = imageLoss(records, 'pretrained', 'scratch', seeds, margin, notes, why);
  const gapPairs = seedPairs(records, 'scratch', 'pretrained', METRICS.valTextLoss, seeds);
  const gap = captionGapEffect(
    evaluatedFractions(gapPairs).map((f) => ({ ...pairedAt(gapPairs, f), fraction: f })),
    margin,
  );
  const otherArms: Report['otherArms'] = { image_loss: {}, forgetting: {} };
  for (const [a, b] of OTHER_PAIRS)
    if (recorded.includes(a) && recorded.includes(b))
      otherArms.image_loss[`${a} vs ${b}`] = imageLoss(records, a, b, seeds, margin, notes, why);
  // C on every other arm that starts from the pre-trained LM; the shuffled controls know no English to forget.
  for (const arm of recorded.filter(
    (a) =>
      a !== 'pretrained' &&
      armSpec(a as ArmName, 0).init === 'pretrained' &&
      !armSpec(a as ArmName, 0).shuffled &&
      has(
        records.filter((r) => r.arm === a),
        METRICS.valEnglishLoss,
      ),
  ))
    otherArms.forgetting[arm] = forgetting(records, arm, seeds, margin, notes, why);
  const quality = qualitySummary(meta.quality as Quality | null | undefined, notes);
  const forgettingNotes: string[] = [];
  const forgettingMain = forgetting(records, 'pretrained', seeds, margin, forgettingNotes, why);
  notes.push(
    settlingNote(lastTenthChanges(records.filter((r) => r.arm === 'pretrained' || r.arm === 'scratch')), margin),
  );
  const trainImages = typeof meta.trainImages === 'number' && meta.trainImages > 0 ? meta.trainImages : null;
  const fit = {
    epochs: cfg && trainImages ? (cfg.steps * cfg.batchSize) / trainImages : null,
    gaps: fitGaps(records, ['pretrained', 'scratch']),
  };
  const fitSaid = fitNote(fit.gaps, fit.epochs, margin);
  if (fitSaid) notes.push(fitSaid);
  notes.push(...forgettingNotes); // after the settling note, where they were before the caveats needed C's power first
  // Under 10 images A and B are measured on the training images: their headline sentences say so, not "held-out".
  const sameImages = typeof meta.validationIsTraining === 'string';
  if (sameImages) {
    image.sentence = onTrainingImages(image.sentence);
    gap.sentence = onTrainingImages(gap.sentence);
  }
  return {
    preset: cfg?.preset ?? String(meta.preset ?? 'unknown'),
    config: cfg,
    seeds: seeds.length,
    arms,
    margin,
    effects: {
      image_loss: { ...image, finalLossByArm: byArm(records, arms, seeds, METRICS.valImageLoss, 'last') },
      caption_gap: {
        ...gap,
        initialLossByArm: byArm(records, arms, seeds, METRICS.valTextLoss, 'first'),
        tokensSaved: tokensSaved(
          seedPairs(records, 'pretrained', 'scratch', METRICS.valTextLoss, seeds),
          `${sameImages ? 'training-image (nothing held out)' : 'held-out'} caption tokens (pretrained against scratch)`,
        ),
      },
      forgetting: forgettingMain,
    },
    otherArms,
    quality,
    conceptA: conceptBootstrapA(meta.perImage as PerImageLosses | undefined),
    caveats: caveats({ config: cfg, meta, margin, power: { A: image.power, B: gap.power, C: forgettingMain.power } }),
    notes: [...new Set(notes)],
    fit,
    meta,
  };
}

/**
 * An effect's sentence for a run whose validation images are its training images (under MIN_HELD_OUT_IMAGES,
 * prepare.ts sameImagesNote): prefixed with that fact, and "held-out" said as what it is.
 */
export function onTrainingImages(sentence: string): string {
  const said = sentence.replace(/held-out/g, 'training-image');
  return `Measured on the training images (too few images to hold any out, so this is memorisation, not generalisation): ${said}`;
}
