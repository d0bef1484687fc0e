/**
 * What the report adds to the curves: the quality of each arm's generated images (category-classifier accuracy
 * and Fréchet distance) and the analysis of tokens and captions (token statistics, caption simplicity, caption
 * perplexity of a caption-only scratch LM vs the pre-trained LM).
 */
import * as tf from '../tf';
import { DeviceImages } from '../data/images';
import type { GPT } from '../nn/gpt';
import { textSimplicity, tokenStats, type TextSimplicity, type TokenStats } from './analysis';
import { captionNll, trainCaptionLM } from './caption-lm';
import { classifierKey, type FinishCache, type TrainedClassifier } from './finish-cache';
import type { ExperimentConfig } from './config';
import type { ExperimentData } from './data';
import { CategoryClassifier, frechetDistance } from './quality';

export interface Quality {
  classes: string[];
  classifierValAccuracy: number;
  /** Generated images per arm and seed. */
  samples: number;
  /**
   * The majority-class baseline: the share of the judged captions whose category is the most common one among them
   * (what always answering that category scores); absent in figures recorded before it existed.
   */
  majorityBaseline?: number;
  /** Each arm's figures, the mean over its seeds. */
  perArm: Record<string, { accuracy: number; frechet: number }>;
  /** Each arm's figures for every seed (the report's intervals come from these). */
  perSeed: Record<string, { seed: number; accuracy: number; frechet: number }[]>;
}

/** Images one run (arm × seed) generated for the first nGen validation captions, [nGen, S, S, 3] in [0, 1]. */
export interface GeneratedImages {
  arm: string;
  seed: number;
  pixels: Float32Array;
}

/** The share of the most common label in `labels` (0 for none): the majority-class baseline of an accuracy. */
export function majorityShare(labels: readonly string[]): number {
  if (!labels.length) return 0;
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return Math.max(...counts.values()) / labels.length;
}

/** Train the classifier on the real training images, then judge every run's generated images. */
export async function qualityFigure(
  real: { train: Float32Array; trainCount: number; val: Float32Array; valCount: number; size: number },
  categories: { train: string[]; val: string[] },
  generated: GeneratedImages[],
  nGen: number,
  steps: number,
  /** Where the trained classifier of a dataset is kept (finish-cache.ts); absent: trained every time. */
  cache?: FinishCache,
): Promise<Quality | null> {
  const classes = [...new Set(categories.train)].sort();
  if (classes.length < 2 || nGen === 0 || generated.length === 0) return null;
  const label = (c: string) => classes.indexOf(c);
  const trainImgs = new DeviceImages(real.train, real.trainCount, real.size);
  const valImgs = new DeviceImages(real.val, real.valCount, real.size);
  const cls = new CategoryClassifier(classes.length, 0);
  const key = cache ? classifierKey(real, categories.train, steps) : '';
  const hit = cache ? ((await cache.get(key)) as TrainedClassifier | null) : null;
  let onReal: { classes: number[]; features: Float32Array };
  if (hit) {
    for (const [name, v] of cls.params) v.assign(tf.tensor(Float32Array.from(hit.params[name]), v.shape));
    onReal = { classes: hit.realClasses, features: Float32Array.from(hit.realFeatures) };
  } else {
    await cls.train(trainImgs, categories.train.map(label), steps);
    onReal = await cls.predict(valImgs);
    if (cache) {
      const params: Record<string, number[]> = {};
      for (const [name, v] of cls.params) params[name] = Array.from((await v.data()) as Float32Array);
      await cache.put(key, { params, realClasses: onReal.classes, realFeatures: Array.from(onReal.features) });
    }
  }
  const acc = (pred: number[], n: number) =>
    pred.slice(0, n).filter((c, i) => c === label(categories.val[i])).length / n;
  const perSeed: Quality['perSeed'] = {};
  for (const { arm, seed, pixels } of generated) {
    const g = new DeviceImages(pixels, nGen, real.size);
    const p = await cls.predict(g);
    (perSeed[arm] ??= []).push({
      seed,
      accuracy: acc(p.classes, nGen),
      frechet: frechetDistance(onReal.features, real.valCount, p.features, nGen, 32),
    });
    g.dispose();
  }
  [trainImgs, valImgs].forEach((d) => d.dispose());
  cls.dispose();
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const perArm = Object.fromEntries(
    Object.entries(perSeed).map(([arm, v]) => [
      arm,
      { accuracy: mean(v.map((x) => x.accuracy)), frechet: mean(v.map((x) => x.frechet)) },
    ]),
  );
  return {
    classes,
    classifierValAccuracy: acc(onReal.classes, real.valCount),
    samples: nGen,
    majorityBaseline: majorityShare(categories.val.slice(0, nGen)),
    perArm,
    perSeed,
  };
}

export interface Analysis {
  captionPerplexity: {
    scratchCaptionLM: number;
    pretrainedLM: number;
    scratchCaptionLMParams: number;
    pretrainedLMParams: number;
  } | null;
  imageTokens: TokenStats;
  captionTokens: TokenStats;
  englishTokens: TokenStats;
  captions: TextSimplicity;
  corpusSentences: TextSimplicity;
}

/** `corpusText` is the pre-training text (split into sentences here). */
export async function analyse(
  cfg: ExperimentConfig,
  data: ExperimentData,
  lm: GPT,
  corpusText: string,
): Promise<Analysis> {
  const P = data.imageTokens;
  const imageSeqs = Array.from({ length: data.train.count }, (_, i) => data.train.codes.subarray(i * P, (i + 1) * P));
  const englishWindows: number[][] = [];
  for (let s = 0; s + P <= data.english.train.length && englishWindows.length < data.train.count; s += 997)
    englishWindows.push(Array.from(data.english.train.subarray(s, s + P)));
  const sentences = corpusText.split(/(?<=[.!?])\s+/).filter((x) => /\p{L}/u.test(x));
  const { bos, pad } = data.plan.special;
  let captionPerplexity: Analysis['captionPerplexity'] = null;
  if (bos < lm.config.vocabSize && pad < lm.config.vocabSize) {
    const capLM = await trainCaptionLM(
      data.train.captions,
      lm.config.vocabSize,
      cfg.captionBudget,
      bos,
      pad,
      cfg.captionLmSteps,
    );
    captionPerplexity = {
      scratchCaptionLM: Math.exp(await captionNll(capLM, data.val.captions, cfg.captionBudget, bos, pad)),
      pretrainedLM: Math.exp(await captionNll(lm, data.val.captions, cfg.captionBudget, bos, pad)),
      scratchCaptionLMParams: capLM.numParams(),
      pretrainedLMParams: lm.numParams(),
    };
    capLM.dispose();
  }
  return {
    captionPerplexity,
    imageTokens: tokenStats(imageSeqs),
    captionTokens: tokenStats(data.train.captions),
    englishTokens: tokenStats(englishWindows),
    captions: textSimplicity(data.train.text),
    corpusSentences: textSimplicity(sentences),
  };
}
