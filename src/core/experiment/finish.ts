/**
 * After the last step: the per-position heatmaps, caption → image samples of each arm (seed 0 shown), the quality
 * figure of every seed (emoji only), the token and caption analysis, and the report with its verdict — shared by
 * `npm run replicate` and the playground's worker. PNG encoding is passed in (pngjs in Node, OffscreenCanvas in the worker). The report's
 * meta gets the data sizes and the seconds since `startedAt` (performance.now() when the experiment began).
 */
import type { VQVAE } from '../nn/vqvae';
import type { GPT } from '../nn/gpt';
import type { ExperimentConfig } from './config';
import type { ExperimentData } from './data';
import { analyse, qualityFigure, type Analysis, type GeneratedImages, type Quality } from './extras';
import { analysisSection, heatmapSection, qualitySection, reportHtml, samplesSection } from './html';
import { sameImagesNote, type ImageSplits } from './prepare';
import { buildReport, type Report } from './report';
import type { ExperimentRunner, MetricRecord } from './runner';
import { sampleImages } from './samples';
import { countModelReference } from './count-model';
import { perImageLosses } from './per-image';
import { analysisKey, type FinishCache } from './finish-cache';

/** An [S, S, 3] image in [0, 1] → a PNG data URL. */
export type PngEncoder = (pixels: Float32Array, size: number) => Promise<string> | string;

export interface Finished {
  report: Report;
  /** The report's extra HTML sections (heatmaps, samples, quality, analysis). */
  sections: string[];
  html: string;
  imageLossByPosition: Record<string, number[]>;
  samples: { captions: string[]; rows: [string, string[]][] };
  quality: Quality | null;
  analysis: Analysis;
}

/** Mean over seeds of each arm's last per-position image loss. */
export function lossByPosition(runner: ExperimentRunner): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const name of runner.cfg.arms) {
    const evals = runner.runs
      .filter((r) => r.arm.name === name && r.lastEval)
      .map((r) => r.lastEval!.imageLossByPosition);
    if (evals.length) out[name] = evals[0].map((_, p) => evals.reduce((s, e) => s + e[p], 0) / evals.length);
  }
  return out;
}

export async function finishExperiment(
  runner: ExperimentRunner,
  ctx: {
    cfg: ExperimentConfig;
    data: ExperimentData;
    images: ImageSplits;
    lm: GPT;
    vq: VQVAE;
    corpus: string;
    encodePng: PngEncoder;
    log?: (s: string) => void;
    startedAt: number;
    /** Where the caption analysis of a setup is kept (analysis-cache.ts); absent: computed every time. */
    finishCache?: FinishCache;
    /** Sections the caller made (the LR sweep), shown first. */ sections?: string[];
    /** Told each phase as it starts (phases.ts: samples, quality, analysis, report). */ onPhase?: (
      phase: 'samples' | 'quality' | 'analysis' | 'report',
    ) => void;
  },
  records: MetricRecord[],
  /** Facts only the caller knows (backend, command …); they override the ones derived here. */
  meta: Record<string, unknown>,
): Promise<Finished> {
  const { cfg, data, images, vq } = ctx;
  const size = images.size;
  const sections: string[] = [...(ctx.sections ?? [])];
  const imageLossByPosition = lossByPosition(runner);
  sections.push(heatmapSection(imageLossByPosition));
  const nGen = Math.min(Math.max(cfg.samples, cfg.qualitySamples), data.val.count);
  // Every seed's images feed the quality figure (so it gets an interval); the first seed's are shown.
  const generated: GeneratedImages[] = [];
  ctx.onPhase?.('samples');
  for (const run of runner.runs.filter((r) => !r.arm.imageOnly && !r.stopped)) {
    ctx.log?.(`sampling ${nGen} images from ${run.arm.name}, seed ${run.seed}`);
    generated.push({
      arm: run.arm.name,
      seed: run.seed,
      pixels: (
        await sampleImages(run.model, vq, run.spec, data.val.captions.slice(0, nGen), {
          temperature: 1,
          topK: 0,
          seed: run.seed,
        })
      ).pixels,
    });
  }
  const nShow = Math.min(cfg.samples, nGen);
  const urls = async (px: Float32Array) =>
    Promise.all(
      Array.from({ length: nShow }, (_, i) =>
        ctx.encodePng(px.subarray(i * size * size * 3, (i + 1) * size * size * 3), size),
      ),
    );
  const rows: [string, string[]][] = [['real', await urls(images.val)]];
  for (const g of generated.filter((x) => x.seed === (cfg.firstSeed ?? 0))) rows.push([g.arm, await urls(g.pixels)]);
  const samples = { captions: data.val.text.slice(0, nShow), rows };
  if (nShow > 0) sections.push(samplesSection(samples.captions, rows));
  ctx.log?.('judging image quality');
  ctx.onPhase?.('quality');
  const quality = images.categories
    ? await qualityFigure(
        { train: images.train, trainCount: images.trainCount, val: images.val, valCount: images.valCount, size },
        images.categories,
        generated,
        nGen,
        cfg.classifierSteps,
        ctx.finishCache,
      )
    : null;
  if (quality) sections.push(qualitySection(quality));
  ctx.log?.('analysing tokens and captions');
  ctx.onPhase?.('analysis');
  const analysis = await cachedAnalysis(ctx.finishCache, cfg, data, ctx.lm, ctx.corpus, ctx.log);
  sections.push(analysisSection(analysis));
  ctx.onPhase?.('report');
  const stopped = runner.runs.filter((r) => r.stopped).map((r) => r.stopped);
  // Per-image final losses (A's concept bootstrap) and the count model on the same evaluated images (per-image.ts, count-model.ts).
  const perImage = perImageLosses(
    runner.runs,
    images.concepts?.val ?? images.indices.val,
    images.categories?.val ?? null,
  );
  const evaluated = perImage ? perImage.concepts.length : Math.min(cfg.evalImages || data.val.count, data.val.count);
  const countModel = countModelReference(
    Math.round(Math.sqrt(data.imageTokens)),
    data.plan.imageCodes,
    data.train.codes,
    data.val.codes.subarray(0, evaluated * data.imageTokens),
  );
  const heldOut = {
    ...(perImage ? { perImage } : {}),
    countModel,
    ...(images.categories ? { evalOrder: 'stratified' } : {}),
  };
  const derived = {
    dataset: images.name,
    trainImages: data.train.count,
    valImages: data.val.count,
    imageTokens: data.imageTokens,
    ...(images.valIsTrain ? { validationIsTraining: sameImagesNote(images) } : {}),
    ...heldOut,
    seconds: Math.round((performance.now() - ctx.startedAt) / 1000),
  };
  const report = buildReport(cfg, records, { analysis, quality, imageLossByPosition, stopped, ...derived, ...meta });
  return {
    report,
    sections,
    html: reportHtml(report, records, sections),
    imageLossByPosition,
    samples,
    quality,
    analysis,
  };
}

/** `analyse` through the cache: the stored result for the same inputs (analysisKey), else computed and stored. */
export async function cachedAnalysis(
  cache: FinishCache | undefined,
  cfg: ExperimentConfig,
  data: ExperimentData,
  lm: GPT,
  corpus: string,
  log?: (s: string) => void,
): Promise<Analysis> {
  if (!cache) return analyse(cfg, data, lm, corpus);
  const key = await analysisKey(cfg, data, lm, corpus);
  const hit = (await cache.get(key)) as Analysis | null;
  if (hit) {
    log?.(`caption analysis of this setup from the cache (${key.slice(0, 12)})`);
    return hit;
  }
  const analysis = await analyse(cfg, data, lm, corpus);
  await cache.put(key, analysis);
  return analysis;
}
