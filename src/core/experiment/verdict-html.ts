// report.html's verdict: each effect's outcome, sentence and rule, then the numbers behind it — A's tests at each
// token budget, B's caption gap along the run in tokens (chart and table), C's log ratios, the quality figures with
// intervals, the other arms under the same rules, and the report's notes.
import { conceptSentence } from './per-image';
import type { DiffPoint, Report } from './report';
import type { Interval, MarginTest } from './stats';
import { esc, lineChart } from './svg';
import type { TokensSaved } from './tokens-saved';
import { A_FRACTIONS, shareText, type Effect, type ImageLossEffect } from './verdict';
import type { ForgettingEffect } from './verdict-forgetting';

const f3 = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(3);
const p3 = (x: number | null) => (x === null ? '—' : x < 0.001 ? '<0.001' : x.toFixed(3));
const iv = (b: [number, number] | null) => (b ? `${f3(b[0])} to ${f3(b[1])}` : '—');
const kTok = (t: number) => (t >= 1e3 ? `${(t / 1e3).toFixed(1)}k` : t.toFixed(0));
const cls = (e: Effect) => e.verdict.replace(' ', '-');
const label = (e: Effect) => `${e.verdict}${e.detail ? ` — ${e.detail}` : ''}`;

function verdictRow(name: string, e: Effect & { tokensSaved?: TokensSaved }): string {
  const saved = e.tokensSaved ? `<div class="what">As compute: ${esc(e.tokensSaved.sentence)}</div>` : '';
  return `<tr><th>${name}</th><td class="v ${cls(e)}">${esc(label(e))}</td><td>${esc(e.sentence)}<div class="what">Rule: ${esc(e.rule)}</div><div class="what">Headline: ${esc(e.what)} — ${f3(e.diff.mean)} (95% CI ${iv(e.diff.ci95)}, ${e.diff.n} seeds).</div>${saved}</td></tr>`;
}

function testRows(
  tests: (MarginTest & { label: string; tokens: number; outcome?: string; excludedSeeds: number[] })[],
): string {
  return `<table class="num"><tr><th>where</th><th>tokens</th><th>seeds</th><th>mean</th><th>90% CI</th><th>95% CI</th><th>p equivalent (TOST)</th><th>p above +m</th><th>p below −m</th><th>outcome</th></tr>${tests
    .map(
      (t) =>
        `<tr><td>${esc(t.label)}</td><td>${kTok(t.tokens)}</td><td>${t.n}${t.excludedSeeds.length ? ` (left out: ${t.excludedSeeds.join(', ')})` : ''}</td><td>${f3(t.mean)}</td><td>${iv(t.ci90)}</td><td>${iv(t.ci95)}</td><td>${p3(t.pEquivalent)}</td><td>${p3(t.pAbove)}</td><td>${p3(t.pBelow)}</td><td>${esc(t.outcome ?? '')}</td></tr>`,
    )
    .join('')}</table>`;
}

/**
 * A's difference curve along the run in tokens: the paired mean with its 95% t-interval band, 0 and ±margin, from
 * the first budget A is tested at (25% of the tokens) — before it the arms are still leaving their different
 * initial losses, which would set the scale and hide the margin.
 */
export function differenceChart(
  title: string,
  curve: DiffPoint[],
  margin: number,
  name = 'pretrained − scratch',
): string {
  const points = curve
    .filter((d) => d.fraction >= A_FRACTIONS[0] - 1e-9)
    .map((d) => ({ step: d.tokens, mean: d.mean, lo: d.ci95?.[0] ?? d.mean, hi: d.ci95?.[1] ?? d.mean }));
  return lineChart(
    `${title}, from ${100 * A_FRACTIONS[0]}% of tokens`,
    'nats per image token',
    [{ arm: name, points }],
    {
      xLabel: 'training tokens',
      bandLabel: 'line: mean over seeds; band: 95% CI (paired t)',
      xFromData: true,
      refLines: [
        { y: margin, label: `+margin ${margin}` },
        { y: 0, label: '' },
        { y: -margin, label: `−margin ${margin}` },
      ],
    },
  );
}

function imageLossDetails(e: ImageLossEffect & { diffCurve?: DiffPoint[] }, margin: number): string {
  const chart = e.diffCurve?.length
    ? `<div class="charts">${differenceChart('A: image loss, pretrained − scratch', e.diffCurve, margin)}</div>`
    : '';
  return `<h3>A. Image-token loss, pretrained − scratch (nats per image token; margin ±${margin})</h3>${chart}${testRows(e.tests)}`;
}

function gapDetails(r: Report): string {
  const e = r.effects.caption_gap;
  const m = r.margin;
  const chart = lineChart(
    'Caption-token loss gap, scratch − pretrained (90% CI band)',
    'nats per caption token',
    [
      {
        arm: 'gap',
        points: e.gapCurve
          .filter((g) => g.n > 0)
          .map((g) => ({ step: g.tokens, mean: g.mean, lo: g.ci90?.[0] ?? g.mean, hi: g.ci90?.[1] ?? g.mean })),
      },
    ],
    {
      xLabel: 'training tokens',
      refLines: [
        { y: m, label: `+margin ${m}` },
        { y: 0, label: '' },
      ],
    },
  );
  const facts = [
    e.start
      ? `${e.start.tokens === 0 ? 'zero-shot gap at step 0' : `first evaluated gap (${kTok(e.start.tokens)} tokens)`} ${f3(e.start.mean)} nats (the rule's reference)`
      : 'no start',
    `left at the end ${f3(e.diff.mean)} nats${typeof e.shareOfStartLeft === 'number' ? ` (${shareText(e.shareOfStartLeft)})` : ''}`,
    ...(e.peak && e.peak.tokens !== e.start?.tokens
      ? [`largest gap ${f3(e.peak.mean)} nats at ${kTok(e.peak.tokens)} tokens (for information)`]
      : []),
    e.closedAt
      ? `inside +${m} from ${kTok(e.closedAt.tokens)} tokens (${(100 * e.closedAt.fraction).toFixed(0)}% of the run) on`
      : `never inside +${m} for good`,
  ];
  const rows = e.gapCurve.map((g) => ({ ...g, label: `${(100 * g.fraction).toFixed(0)}%` }));
  return `<h3>B. Caption head start in tokens</h3><p>${esc(facts.join('; '))}.</p><div class="charts">${chart}</div><details><summary>The gap at every evaluated budget</summary>${testRows(rows)}</details>`;
}

function ratioRow(
  name: string,
  lr: { diff: Interval; ratio: { mean: number; ci95: [number, number] | null } } | null,
): string {
  if (!lr) return '';
  return `<tr><td>${esc(name)}</td><td>${lr.diff.n}</td><td>${f3(lr.diff.mean)}</td><td>${iv(lr.diff.ci95)}</td><td>×${f3(lr.ratio.mean)}</td><td>${lr.ratio.ci95 ? `×${f3(lr.ratio.ci95[0])} to ×${f3(lr.ratio.ci95[1])}` : '—'}</td></tr>`;
}

function forgettingDetails(e: ForgettingEffect): string {
  const head = { diff: e.diff, ratio: e.ratio };
  return `<h3>C. English after ÷ before fine-tuning (pre-trained arm)</h3><table class="num"><tr><th>English</th><th>seeds</th><th>log ratio (nats per token)</th><th>95% CI</th><th>perplexity ratio</th><th>95% CI (log scale)</th></tr>${ratioRow(`Persuasion, ${e.basis} (headline)`, head)}${ratioRow('Persuasion, full softmax', e.fullSoftmax)}${ratioRow(`Moby-Dick, ${e.basis}`, e.outOfDomain)}</table>`;
}

function qualityDetails(r: Report): string {
  const q = r.quality;
  if (!q) return '';
  const pct = (i: Interval) => `${(100 * i.mean).toFixed(1)}%`;
  const pctI = (i: Interval) => (i.ci95 ? `${(100 * i.ci95[0]).toFixed(1)} to ${(100 * i.ci95[1]).toFixed(1)}` : '—');
  const rows = Object.entries(q.byArm).map(
    ([arm, v]) =>
      `<tr><td>${esc(arm)}</td><td>${v.seeds.length}</td><td>${pct(v.accuracy)}</td><td>${pctI(v.accuracy)}</td><td>${f3(v.frechet.mean)}</td><td>${iv(v.frechet.ci95)}</td></tr>`,
  );
  const d = q.pretrainedMinusScratch;
  if (q.majorityBaseline !== undefined)
    rows.push(
      `<tr><td>majority-class baseline</td><td>—</td><td>${(100 * q.majorityBaseline).toFixed(1)}%</td><td>—</td><td>—</td><td>—</td></tr>`,
    );
  if (d)
    rows.push(
      `<tr><td>pretrained − scratch</td><td>${d.seeds.length}</td><td>${(100 * d.accuracy.mean).toFixed(1)} points</td><td>${pctI(d.accuracy)}</td><td>${f3(d.frechet.mean)}</td><td>${iv(d.frechet.ci95)}</td></tr>`,
    );
  return `<h3>Quality of generated images (every seed)</h3><p>${esc(q.sentence)}</p><table class="num"><tr><th>arm</th><th>seeds</th><th>category accuracy</th><th>95% CI</th><th>Fréchet distance</th><th>95% bootstrap interval</th></tr>${rows.join('')}</table>`;
}

function otherArms(r: Report): string {
  const rows = [
    ...Object.entries(r.otherArms.image_loss).map(([k, e]) => verdictRow(`A on ${esc(k)}`, e)),
    ...Object.entries(r.otherArms.forgetting).map(([k, e]) => verdictRow(`C on ${esc(k)}`, e)),
  ];
  const charts = Object.entries(r.otherArms.image_loss)
    .filter(([, e]) => e.diffCurve?.length)
    .map(([k, e]) =>
      differenceChart(`A: ${k.replace(' vs ', ' − ')}`, e.diffCurve!, r.margin, k.replace(' vs ', ' − ')),
    );
  return rows.length
    ? `<h3>The other arms, same rules</h3><table>${rows.join('')}</table>${charts.length ? `<div class="charts">${charts.join('')}</div>` : ''}`
    : '';
}

/** The caveats (caveats.ts) as the verdict table's last row, so they are read with the verdicts. */
function caveatsRow(r: Report): string {
  if (!r.caveats?.length) return '';
  return `<tr><th>Caveats</th><td class="v">read with the verdicts</td><td><ul style="margin:0;padding-left:18px">${r.caveats.map((c) => `<li>${esc(c)}</li>`).join('')}</ul></td></tr>`;
}

/** The verdict table and everything behind it, as an HTML fragment. */
export function verdictSection(r: Report): string {
  const e = r.effects;
  const notes = r.notes.length ? `<h3>Notes</h3><ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  return `<h2>Verdict</h2><p>Rules fixed before the run (src/core/experiment/verdict.ts): paired over seeds at equal token budgets, equivalence margin ±${r.margin} nats per token, α = 0.05.</p>
<table>${verdictRow('A. image-token loss', e.image_loss)}${verdictRow('B. caption head start', e.caption_gap)}${verdictRow('C. forgetting English', e.forgetting)}${caveatsRow(r)}</table>
${imageLossDetails(e.image_loss, r.margin)}${r.conceptA ? `<p>${esc(conceptSentence(r.conceptA))}</p>` : ''}${gapDetails(r)}${forgettingDetails(e.forgetting)}${qualityDetails(r)}${otherArms(r)}${notes}`;
}
