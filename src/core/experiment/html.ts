// report.html: a self-contained page (inline SVG charts, no scripts, no external files) with the verdict, the
// curves of every arm, and the configuration.
import { METRICS } from '../metrics';
import type { MetricRecord } from './runner';
import type { Report } from './report';
import { esc, heatmap, lineChart, seedBands } from './svg';
import { verdictSection } from './verdict-html';
import type { Analysis, Quality } from './extras';
import { neighbourA, type SweepResult } from './sweep';

/** The run's facts without what the sections above already show (analysis, quality, heatmaps). */
function shownMeta(meta: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...meta };
  for (const k of ['analysis', 'quality', 'imageLossByPosition', 'perImage']) delete rest[k];
  return rest;
}

/** The points of each band from half the largest x on: the range where the arms' difference is visible. */
function secondHalf(bands: ReturnType<typeof seedBands>): ReturnType<typeof seedBands> {
  const end = Math.max(0, ...bands.flatMap((b) => b.points.map((p) => p.step)));
  return bands.map((b) => ({ ...b, points: b.points.filter((p) => p.step >= end / 2) }));
}

/**
 * The report's charts as standalone SVG (also what the playground exports as PNG): training tokens on x, the mean
 * over seeds with its seed min–max band. `countModel` (nats per image token, count-model.ts, on the same evaluated
 * images) is drawn as a dashed reference line on the held-out image-loss charts.
 */
export function reportCharts(records: MetricRecord[], countModel: number | null = null): string[] {
  const o = { xLabel: 'training tokens', bandLabel: 'line: mean; band: seed min–max' };
  const chart = (title: string, unit: string, metric: string, transform?: (v: number) => number) =>
    lineChart(title, unit, seedBands(records, metric, transform, 'tokens'), o);
  const ref =
    countModel !== null && Number.isFinite(countModel)
      ? { refLines: [{ y: countModel, label: `count model (position, left, up): ${countModel.toFixed(3)}` }] }
      : {};
  return [
    lineChart(
      'Image-token loss (held out)',
      'nats per token',
      seedBands(records, METRICS.valImageLoss, undefined, 'tokens'),
      { ...o, ...ref },
    ),
    lineChart(
      'Image-token loss (held out), second half of the run',
      'nats per token',
      secondHalf(seedBands(records, METRICS.valImageLoss, undefined, 'tokens')),
      { ...o, ...ref, xFromData: true },
    ),
    chart('Caption-token loss (held out)', 'nats per token', METRICS.valTextLoss),
    ...(records.some((r) => r.metric === METRICS.valEnglishLossTextIds)
      ? [
          chart(
            'English perplexity (Persuasion), text ids only',
            'perplexity',
            METRICS.valEnglishLossTextIds,
            Math.exp,
          ),
          chart(
            'Out-of-domain English perplexity (Moby-Dick), text ids only',
            'perplexity',
            METRICS.valEnglishOodLossTextIds,
            Math.exp,
          ),
        ]
      : []),
    chart('English perplexity (Persuasion), full softmax', 'perplexity', METRICS.valEnglishLoss, Math.exp),
    chart(
      'Out-of-domain English perplexity (Moby-Dick), full softmax',
      'perplexity',
      METRICS.valEnglishOodLoss,
      Math.exp,
    ),
    chart('Image-token loss (training batches)', 'nats per token', METRICS.trainImageLoss),
    chart('Caption-token loss (training batches)', 'nats per token', METRICS.trainTextLoss),
    ...(records.some((r) => r.metric === METRICS.diagImageLeak)
      ? [
          chart('Image loss, leak: −log P(any image id)', 'nats per image token', METRICS.diagImageLeak),
          chart('Image loss, within: −log P(right code | image id)', 'nats per image token', METRICS.diagImageWithin),
          chart('Relative weight change of the body ‖θ−θ₀‖/‖θ₀‖', 'ratio', METRICS.diagBodyChange),
          chart('Relative weight change of the embeddings ‖θ−θ₀‖/‖θ₀‖', 'ratio', METRICS.diagEmbeddingChange),
        ]
      : []),
  ];
}

/**
 * The learning-rate sweep (sweep.ts): held-out loss after the sweep's budget for each arm and rate, mean ± sd over
 * its seeds, each arm's chosen rate in bold, and the same as a chart over log₂ of the rate.
 */
export function sweepSection(sweep: SweepResult): string {
  const arms = [...new Set(sweep.table.map((r) => r.arm))];
  const cell = (arm: string, lr: number) => {
    const r = sweep.table.find((t) => t.arm === arm && t.lr === lr);
    if (!r) return '<td>—</td>';
    const text = Number.isFinite(r.mean)
      ? `${r.mean.toFixed(3)}${r.sd !== null ? ` ± ${r.sd.toFixed(3)}` : ''}`
      : 'diverged';
    return `<td>${sweep.best[r.arm] === lr ? `<b>${text}</b>` : text}</td>`;
  };
  const x = (lr: number) => Math.log2(lr / Math.min(...sweep.lrs));
  const bands = arms.map((arm) => ({
    arm,
    points: sweep.table
      .filter((r) => r.arm === arm && Number.isFinite(r.mean))
      .map((r) => ({ step: x(r.lr), mean: r.mean, lo: r.mean - (r.sd ?? 0), hi: r.mean + (r.sd ?? 0) })),
  }));
  const p = sweep.protocol;
  const protocol = p
    ? `<p>Protocol (sweep.ts fairSweep): ${p.points} rates ${p.ratio.toFixed(3)}× apart around ${p.centre}, the main run's full ${p.steps} steps, ${p.seeds} seeds; an arm whose best rate sat at an edge got one more rate beyond it, up to ${p.maxExtensions} per side (— marks a rate an arm was not run at).${
        Object.keys(sweep.unresolved ?? {}).length
          ? ` Still at an edge after the bound: ${Object.entries(sweep.unresolved!)
              .map(([arm, e]) => `${esc(arm)} (${e})`)
              .join(', ')}.`
          : ''
      }</p>`
    : `<p>A fixed grid (before issue 20's protocol): its rates, steps and seeds are as shown; no arm's grid was extended.</p>`;
  const nA = neighbourA(sweep, 'pretrained', 'scratch');
  const sens = nA.length
    ? `<p>A at neighbouring rates: pretrained − scratch, final held-out image-token loss in the sweep's runs, paired by seed (nats; the chosen pair in bold).</p><table class="num"><tr><th>pretrained LR</th><th>scratch LR</th><th>mean</th><th>seeds</th></tr>${nA
        .map((r) => {
          const chosen = r.lrA === sweep.best.pretrained && r.lrB === sweep.best.scratch;
          const m = Number.isFinite(r.mean) ? r.mean.toFixed(3) : 'diverged';
          return `<tr><td>${r.lrA}</td><td>${r.lrB}</td><td>${chosen ? `<b>${m}</b>` : m}</td><td>${r.n}</td></tr>`;
        })
        .join('')}</table>`
    : '';
  return `<h2>Learning-rate sweep</h2>
<p>Every arm trained at each peak rate for ${sweep.steps} steps × ${sweep.seeds} seed${sweep.seeds === 1 ? '' : 's'} (${esc(sweep.schedule)} schedule); the held-out loss over every trained position at the end, mean ± sd over seeds. Each arm's main run uses its rate in bold (best against best).</p>${protocol}
<table class="num"><tr><th>arm</th>${sweep.lrs.map((lr) => `<th>LR ${lr}</th>`).join('')}</tr>
${arms.map((arm) => `<tr><td>${esc(arm)}</td>${sweep.lrs.map((lr) => cell(arm, lr)).join('')}</tr>`).join('\n')}</table>
${lineChart('Held-out loss after the sweep budget vs learning rate', 'nats per token', bands, { xLabel: `log₂(LR ÷ ${Math.min(...sweep.lrs)})` })}${sens}`;
}

export function reportHtml(report: Report, records: MetricRecord[], extraSections: string[] = []): string {
  const charts = reportCharts(records, (report.meta.countModel as { nats?: number } | undefined)?.nats ?? null);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tabula Rasa — ${esc(report.preset)} replication</title>
<style>
body{font-family:system-ui,sans-serif;color:#1f2a44;max-width:1180px;margin:24px auto;padding:0 16px;line-height:1.45}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #e5e7eb;padding:8px;text-align:left;vertical-align:top}
table.num td,table.num th{padding:4px 8px;font-size:13px}
.v{font-weight:600;white-space:nowrap}.reproduced{color:#166534}.not-reproduced{color:#b91c1c}.inconclusive{color:#a16207}
.what{color:#6b7280;font-size:12px;margin-top:4px}.charts{display:flex;flex-wrap:wrap;gap:12px}pre{background:#f6f6f4;padding:12px;overflow:auto;font-size:12px}
</style></head><body>
<h1>Do pre-trained language models help auto-regressive text-to-image generation?</h1>
<p>A small replication of Zhang et al. (2023) by Tabula Rasa: preset <b>${esc(report.preset)}</b>, ${report.seeds} seed${report.seeds === 1 ? '' : 's'}${report.config ? ` × ${report.config.steps} steps, captions <b>${esc(report.config.captionLevel)}</b>` : ''}, arms ${report.arms.map(esc).join(', ')}. Each number is measured here.</p>
${verdictSection(report)}
<h2>Curves</h2><p>Training tokens on x; the line is the mean across seeds, the band spans the lowest and highest seed (a range, not a confidence interval).</p>
<div class="charts">${charts.join('\n')}</div>
${extraSections.join('\n')}
<h2>Configuration</h2><pre>${esc(JSON.stringify({ config: report.config, meta: shownMeta(report.meta) }, null, 2))}</pre>
<p style="color:#6b7280;font-size:12px">Emoji graphics: Twemoji by Twitter, Inc. and other contributors, CC-BY 4.0. Generated by Tabula Rasa (<code>npm run replicate</code> or the playground).</p>
</body></html>
`;
}

/** Caption → image samples: a header row of captions, then a row of images per source (real, then each arm). */
export function samplesSection(captions: string[], rows: [string, string[]][]): string {
  const img = (url: string) =>
    `<td><img alt="" width="64" height="64" style="image-rendering:pixelated" src="${url}"></td>`;
  const head = `<tr><th></th>${captions.map((t) => `<td style="font-size:11px;max-width:80px">${esc(t)}</td>`).join('')}</tr>`;
  return `<h2>Samples (seed 0, temperature 1)</h2><table style="width:auto">${head}${rows.map(([name, urls]) => `<tr><th>${esc(name)}</th>${urls.map(img).join('')}</tr>`).join('')}</table>`;
}

/** The final per-position image-token loss of each arm (mean over seeds) as 8×8 heatmaps on one shared scale. */
export function heatmapSection(byArm: Record<string, number[]>): string {
  const all = Object.values(byArm).flat();
  if (all.length === 0) return '';
  const [lo, hi] = [Math.min(...all), Math.max(...all)];
  return `<h2>Image-token loss by position</h2><p>Final held-out loss at each of the 64 image positions (row-major, first token top-left), mean over seeds; one scale for all arms.</p><div class="charts">${Object.entries(
    byArm,
  )
    .map(([arm, v]) => heatmap(arm, v, lo, hi))
    .join('')}</div>`;
}

export function qualitySection(q: Quality): string {
  return `<h2>Quality of generated images</h2><p>A category classifier (${q.classes.length} classes) trained on the real training images reaches ${(100 * q.classifierValAccuracy).toFixed(1)}% on real validation images. Generated images for ${q.samples} validation captions:</p><table style="width:auto"><tr><th>arm</th><th>category accuracy</th><th>Fréchet distance (classifier features)</th></tr>${Object.entries(
    q.perArm,
  )
    .map(
      ([a, v]) =>
        `<tr><th>${esc(a)}</th><td>${(100 * v.accuracy).toFixed(1)}%</td><td>${v.frechet.toFixed(3)}</td></tr>`,
    )
    .join('')}</table>`;
}

export function analysisSection(a: Analysis): string {
  const f = (x: number) => x.toFixed(2);
  const tok = (
    [
      ['image tokens', a.imageTokens],
      ['caption tokens', a.captionTokens],
      ['English (Austen) tokens', a.englishTokens],
    ] as const
  )
    .map(
      ([n, t]) =>
        `<tr><th>${n}</th><td>${t.tokens}</td><td>${t.types}</td><td>${f(t.unigramEntropy)}</td><td>${f(t.bigramConditionalEntropy)}</td><td>${f(1 - t.bigramConditionalEntropy / t.unigramEntropy)}</td></tr>`,
    )
    .join('');
  const txt = (
    [
      ['captions', a.captions],
      ['Austen sentences', a.corpusSentences],
    ] as const
  )
    .map(
      ([n, t]) =>
        `<tr><th>${n}</th><td>${t.texts}</td><td>${t.vocabulary}</td><td>${f(t.meanWords)}</td><td>${f(t.typeTokenRatio)}</td><td>${f(t.wordEntropy)}</td></tr>`,
    )
    .join('');
  const cp = a.captionPerplexity;
  return `<h2>Analysis</h2><table><tr><th></th><th>tokens</th><th>types</th><th>unigram entropy (bits)</th><th>H(next | previous) (bits)</th><th>share of entropy the previous token explains</th></tr>${tok}</table>
<p class="what">Conditional entropies are plug-in estimates from bigram counts; they read low when the types are many and the tokens few.</p>
<table><tr><th></th><th>texts</th><th>vocabulary</th><th>mean words</th><th>type-token ratio</th><th>word entropy (bits)</th></tr>${txt}</table>
${cp ? `<p>Held-out caption perplexity: a ${(cp.scratchCaptionLMParams / 1e3).toFixed(0)}k-parameter GPT trained from scratch on the training captions alone reaches <b>${cp.scratchCaptionLM.toFixed(1)}</b>; the ${(cp.pretrainedLMParams / 1e6).toFixed(2)}M-parameter pre-trained LM, before any fine-tuning, <b>${cp.pretrainedLM.toFixed(1)}</b>.</p>` : ''}`;
}
