/**
 * Several replications side by side (`npm run compare`): one row per run with the three effects' verdicts and
 * headline estimates, the other arms' verdicts, and the setup fields that differ between the runs (the axis, e.g.
 * the caption level L0 → L4; the dataset, LM and VQ tokenizer whenever they differ, with a note that the rows are
 * then not like for like). Reads report.json files as written by report.ts; computes nothing new about the runs.
 */
import { lrFor, type ArmName, type ExperimentConfig } from './config';
import type { Report } from './report';
import type { Effect } from './verdict';

/** One run of the comparison: where it came from and the parts of its report.json that are compared. */
export interface CompareInput {
  /** Where the report came from (a folder), used as the row's name when no setup field differs. */
  source: string;
  report: Pick<Report, 'preset' | 'config' | 'seeds' | 'arms' | 'margin' | 'effects' | 'otherArms' | 'meta'>;
}

/** A headline estimate: mean with its 95% interval (nats per token for A and B, a perplexity ratio for C); no interval from one seed. */
export interface Estimate {
  mean: number;
  lo: number | null;
  hi: number | null;
}

export interface CompareRow {
  source: string;
  /** The setup fields whose values differ between the runs, with this run's values (e.g. {captionLevel: 'L0'}). */
  axis: Record<string, string>;
  seeds: number;
  steps: number | null;
  /** Mean caption length in tokens (the data's, not the config's), when recorded. */
  captionTokens: number | null;
  /** Wall-clock minutes of the whole run, when recorded. */
  minutes: number | null;
  imageLoss: { verdict: string; end: Estimate };
  /** start: the zero-shot gap at step 0, B's reference (null in reports built before it); peak: the largest gap, for information. */
  captionGap: {
    verdict: string;
    start: Estimate | null;
    peak: Estimate | null;
    left: Estimate;
    shareOfStartLeft: number | null;
    shareOfPeakLeft: number | null;
    closedAtTokens: number | null;
  };
  forgetting: { verdict: string; ratio: Estimate };
  /** The same rules on the run's other arms: A per pair of a kind, C per other pre-trained arm. */
  otherArms: Record<string, { verdict: string; estimate: Estimate; kind: 'image loss' | 'forgetting ×' }>;
}

const verdictOf = (e: Pick<Effect, 'verdict' | 'detail'>) => (e.detail ? `${e.verdict} — ${e.detail}` : e.verdict);
const estimate = (x: { mean: number; ci95: [number, number] | null }): Estimate => ({
  mean: x.mean,
  lo: x.ci95?.[0] ?? null,
  hi: x.ci95?.[1] ?? null,
});

/**
 * The config fields compared across runs to find the axis (the ones that describe the experiment, not bookkeeping;
 * seeds and steps have their own column). `rates` is each arm's peak learning rate (lrByArm, else lr).
 */
const AXIS_FIELDS = [
  'preset',
  'captionLevel',
  'arms',
  'rates',
  'batchSize',
  'schedule',
  'warmupSteps',
  'rowInit',
  'mixShare',
  'margin',
  'evalImages',
] as const;

/** A config with the derived `rates` field (what each arm trained at), or null. */
function axisConfig(cfg: unknown): Record<string, unknown> | null {
  if (!cfg || typeof cfg !== 'object') return null;
  const c = cfg as Record<string, unknown> & Pick<ExperimentConfig, 'lr' | 'lrByArm'> & { arms?: ArmName[] };
  return { ...c, rates: (c.arms ?? []).map((arm) => `${arm}=${lrFor(c, arm)}`).join(',') };
}

function fieldText(v: unknown): string {
  if (Array.isArray(v)) return v.join(',');
  if (v && typeof v === 'object')
    return Object.entries(v)
      .map(([k, x]) => `${k}=${x}`)
      .join(',');
  return String(v);
}

/**
 * What the runs were trained on, from report.json's meta: the image dataset, the pre-trained LM and the VQ tokenizer
 * (as given: a path or a name), and their hashes where the report records them. Any of them changes every number,
 * so each is shown whenever it differs; a run whose report lacks one shows "not recorded".
 */
export const SETUP_FIELDS = ['dataset', 'datasetSha256', 'lm', 'lmSha256', 'vq', 'vqKey'] as const;
const NOT_RECORDED = 'not recorded';

function setupValue(meta: Record<string, unknown> | undefined, f: (typeof SETUP_FIELDS)[number]): string {
  const v = meta?.[f];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : NOT_RECORDED;
}

/**
 * The fields whose values are not the same in every run: the setup fields of the data and models (SETUP_FIELDS;
 * left out only when no run records one) first, then the AXIS_FIELDS of the configs (runs without a config skipped).
 */
export function differingFields(inputs: CompareInput[]): string[] {
  const setup = SETUP_FIELDS.filter((f) => {
    const values = inputs.map((i) => setupValue(i.report.meta, f));
    return values.some((v) => v !== NOT_RECORDED) && new Set(values).size > 1;
  });
  const configs = inputs
    .map((i) => axisConfig(i.report.config))
    .filter((c): c is Record<string, unknown> => c !== null);
  return [...setup, ...AXIS_FIELDS.filter((f) => new Set(configs.map((c) => fieldText(c[f]))).size > 1)];
}

/** The setup fields among `axis`: when any differs, the runs were trained on different data or models. */
export const setupDifferences = (axis: string[]): string[] =>
  axis.filter((f) => (SETUP_FIELDS as readonly string[]).includes(f));

/**
 * One row per report, in the order given. Throws naming `source`/report.json and the effects it lacks when a report
 * is not one written by `npm run replicate` or `npm run report`.
 */
export function compareRuns(inputs: CompareInput[]): CompareRow[] {
  const axis = differingFields(inputs);
  return inputs.map(({ source, report: r }) => {
    const e = r.effects;
    const missing = [
      !e?.image_loss?.diff && 'image_loss',
      !e?.caption_gap?.diff && 'caption_gap',
      !e?.forgetting?.ratio && 'forgetting',
    ].filter(Boolean);
    if (missing.length)
      throw new Error(
        `${source}/report.json: not a replication report (no effects.${missing.join(', effects.')}); rebuild it from the run's metrics.csv with npm run report -- ${source}`,
      );
    const cfg = axisConfig(r.config);
    const otherArms: CompareRow['otherArms'] = {};
    for (const [pair, eff] of Object.entries(r.otherArms?.image_loss ?? {}))
      otherArms[pair] = { verdict: verdictOf(eff), estimate: estimate(eff.diff), kind: 'image loss' };
    for (const [arm, eff] of Object.entries(r.otherArms?.forgetting ?? {}))
      otherArms[arm] = { verdict: verdictOf(eff), estimate: estimate(eff.ratio), kind: 'forgetting ×' };
    const seconds = typeof r.meta?.seconds === 'number' ? r.meta.seconds : null;
    const caption = typeof r.meta?.meanCaptionTokens === 'number' ? r.meta.meanCaptionTokens : null;
    return {
      source,
      axis: Object.fromEntries(
        axis.map((f) => [
          f,
          (SETUP_FIELDS as readonly string[]).includes(f)
            ? setupValue(r.meta, f as (typeof SETUP_FIELDS)[number])
            : cfg
              ? fieldText(cfg[f])
              : '?',
        ]),
      ),
      seeds: r.seeds,
      steps: typeof cfg?.steps === 'number' ? cfg.steps : null,
      captionTokens: caption,
      minutes: seconds === null ? null : seconds / 60,
      imageLoss: { verdict: verdictOf(e.image_loss), end: estimate(e.image_loss.diff) },
      captionGap: {
        verdict: verdictOf(e.caption_gap),
        start: e.caption_gap.start ? estimate(e.caption_gap.start) : null,
        peak: e.caption_gap.peak ? estimate(e.caption_gap.peak) : null,
        left: estimate(e.caption_gap.diff),
        shareOfStartLeft: e.caption_gap.shareOfStartLeft ?? null,
        shareOfPeakLeft: e.caption_gap.shareOfPeakLeft ?? null,
        closedAtTokens: e.caption_gap.closedAt?.tokens ?? null,
      },
      forgetting: { verdict: verdictOf(e.forgetting), ratio: estimate(e.forgetting.ratio) },
      otherArms,
    };
  });
}

const n3 = (x: number) =>
  Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toFixed(3);
/** "−0.071 (−0.134 to −0.007)": an estimate with its 95% interval, 3 significant figures below 1. */
export const estimateText = (x: Estimate, prefix = '') =>
  x.lo === null || x.hi === null
    ? `${prefix}${n3(x.mean)} (no interval)`
    : `${prefix}${n3(x.mean)} (${prefix}${n3(x.lo)} to ${prefix}${n3(x.hi)})`;

/** The comparison as a Markdown table (one row per run; A and B in nats per token, C as a perplexity ratio). */
export function compareMarkdown(rows: CompareRow[]): string {
  const axis = rows.length ? Object.keys(rows[0].axis) : [];
  const first = axis.length ? axis : ['run'];
  const head = [
    ...first,
    'seeds × steps',
    'caption tokens',
    'A image loss, end (95% CI)',
    'B caption gap: step 0 → left',
    'C English ppl ×',
    'minutes',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const label = axis.length ? axis.map((f) => r.axis[f]) : [r.source];
    const b = r.captionGap;
    const cells = [
      ...label,
      `${r.seeds} × ${r.steps ?? '?'}`,
      r.captionTokens === null ? '—' : r.captionTokens.toFixed(1),
      `${r.imageLoss.verdict}: ${estimateText(r.imageLoss.end)}`,
      `${b.verdict}: ${b.start ? n3(b.start.mean) : '?'} → ${estimateText(b.left)}${b.closedAtTokens === null ? '' : `, inside the margin from ${Math.round(b.closedAtTokens / 1000)}k tokens`}`,
      `${r.forgetting.verdict}: ${estimateText(r.forgetting.ratio, '×')}`,
      r.minutes === null ? '—' : r.minutes.toFixed(1),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const apart = setupDifferences(axis);
  if (apart.length)
    lines.push(
      '',
      `Note: these runs were trained on different ${apart.join(', ')} (the first column${apart.length > 1 ? 's' : ''}): their losses are measured on different data or models, so the rows are not like for like.`,
    );
  const others = rows.filter((r) => Object.keys(r.otherArms).length);
  if (others.length) {
    lines.push('', '| run | other arms | verdict | estimate (95% CI) |', '|---|---|---|---|');
    for (const r of others)
      for (const [name, o] of Object.entries(r.otherArms))
        lines.push(
          `| ${r.source} | ${o.kind === 'image loss' ? `A: ${name}` : `C: ${name}`} | ${o.verdict} | ${o.kind === 'image loss' ? estimateText(o.estimate) : estimateText(o.estimate, '×')} |`,
        );
  }
  return lines.join('\n') + '\n';
}
