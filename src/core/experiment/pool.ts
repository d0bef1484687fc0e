/**
 * Pooling a class's result cards (issue 21, docs/class.md) into one report: the union of their seeds judged by the
 * same rules (report.ts buildReport), so pooling single-seed cards gives the numbers of one run over the same seeds.
 * The class's setup is the fingerprint that brings the most seeds (on a tie, the one that came first), so one stray
 * card handed in first cannot get the whole class refused; a card of another fingerprint is refused saying what
 * differs, and a seed already pooled is kept from the first card that brought it. Pure: `npm run pool` and the page's
 * teacher view share it.
 */
import { cardIdentity, cardRecords, type ResultCard } from './card';
import type { ExperimentConfig } from './config';
import type { Quality } from './extras';
import { identityDiff } from './fingerprint';
import { buildReport, type Report } from './report';
import type { MetricRecord } from './runner';

/** A card and the name to call it by (its file name). */
export interface NamedCard {
  name: string;
  card: ResultCard;
}

export interface Pooled {
  /** The fingerprint every pooled card shares (null when none was accepted). */
  fingerprint: string | null;
  /** The cards whose seeds were pooled, in the order given, with the seeds each brought. */
  used: { name: string; seat: number | null; seeds: number[]; engine: string; backend: string; step: number }[];
  /** Cards left out, each message naming the card and why. */
  refused: string[];
  /** Seeds a later card repeated, each line naming both cards (their first copy is pooled). */
  duplicates: string[];
  /** The pooled configuration: the first card's, over the pooled seeds. */
  config: ExperimentConfig | null;
  records: MetricRecord[];
  seeds: number[];
  /** The report's meta: the pooled cards, the quality of every seed, the NaN stops, the validation images. */
  meta: Record<string, unknown>;
}

/**
 * The class's setup among `cards`: the fingerprint whose cards bring the most distinct seeds; on a tie, the one whose
 * first card comes first. Null for no cards.
 */
export function classSetup(cards: NamedCard[]): string | null {
  const seeds = new Map<string, Set<number>>(); // insertion order = order of each fingerprint's first card
  for (const { card } of cards) {
    const s = seeds.get(card.fingerprint) ?? new Set<number>();
    for (const x of card.seeds) s.add(x);
    seeds.set(card.fingerprint, s);
  }
  let best: string | null = null;
  for (const [fp, s] of seeds) if (best === null || s.size > seeds.get(best)!.size) best = fp;
  return best;
}

/**
 * Pool cards in order: each card's fingerprint must be the class's setup (classSetup; else it is refused: "NAME:
 * another setup (fingerprint a, not b of FIRST): caption level L4 vs L2"); a seed a card repeats is dropped from it
 * ("NAME: seed 3 is already pooled from FIRST; kept FIRST's") and a card left with no new seed is not used.
 */
export function poolCards(cards: NamedCard[]): Pooled {
  const out: Pooled = {
    fingerprint: null,
    used: [],
    refused: [],
    duplicates: [],
    config: null,
    records: [],
    seeds: [],
    meta: {},
  };
  const owner = new Map<number, string>();
  let first: NamedCard | null = null;
  const stopped: string[] = [];
  let quality: {
    classifierValAccuracy: number;
    samples: number;
    majorityBaseline?: number;
    perSeed: Quality['perSeed'];
  } | null = null;
  const setup = classSetup(cards);
  // The first card of the class's setup: every refusal compares with it.
  const ref = cards.find((c) => c.card.fingerprint === setup);
  for (const nc of cards) {
    const { name, card } = nc;
    if (ref && card.fingerprint !== setup) {
      const diff = identityDiff(cardIdentity(card), cardIdentity(ref.card));
      out.refused.push(
        `${name}: another setup (fingerprint ${card.fingerprint}, not ${setup} of ${ref.name})${diff.length ? `: ${diff.join('; ')}` : ''}; pool it with the cards of its own setup`,
      );
      continue;
    }
    const fresh = card.seeds.filter((s) => !owner.has(s));
    for (const s of card.seeds.filter((x) => owner.has(x)))
      out.duplicates.push(
        `${name}: seed ${s}${card.seat !== null ? ` (seat ${card.seat})` : ''} is already pooled from ${owner.get(s)}; kept ${owner.get(s)}'s`,
      );
    if (!fresh.length) continue;
    first ??= nc;
    for (const s of fresh) owner.set(s, name);
    out.records.push(...cardRecords(card).filter((r) => fresh.includes(r.seed)));
    stopped.push(...card.stopped.filter((line) => fresh.some((s) => line.includes(`seed ${s}:`))));
    if (card.quality) {
      quality ??= {
        classifierValAccuracy: card.quality.classifierValAccuracy,
        samples: card.quality.samples,
        ...(card.quality.majorityBaseline !== undefined ? { majorityBaseline: card.quality.majorityBaseline } : {}),
        perSeed: {},
      };
      for (const [arm, v] of Object.entries(card.quality.perSeed))
        (quality.perSeed[arm] ??= []).push(...v.filter((x) => fresh.includes(x.seed)));
    }
    out.used.push({ name, seat: card.seat, seeds: fresh, engine: card.engine, backend: card.backend, step: card.step });
  }
  if (!first) return out;
  out.fingerprint = first.card.fingerprint;
  out.seeds = [...owner.keys()].sort((a, b) => a - b);
  out.config = { ...first.card.config, seeds: out.seeds.length, firstSeed: out.seeds[0] };
  if (quality) for (const v of Object.values(quality.perSeed)) v.sort((a, b) => a.seed - b.seed);
  const perArm = quality
    ? Object.fromEntries(
        Object.entries(quality.perSeed).map(([arm, v]) => [
          arm,
          { accuracy: mean(v.map((x) => x.accuracy)), frechet: mean(v.map((x) => x.frechet)) },
        ]),
      )
    : {};
  out.meta = {
    pooled: { fingerprint: out.fingerprint, cards: out.used, refused: out.refused, duplicates: out.duplicates },
    lm: first.card.inputs.lm.name,
    dataset: first.card.inputs.dataset.name,
    ...(first.card.valImages !== null ? { valImages: first.card.valImages } : {}),
    stopped,
    ...(quality
      ? {
          quality: {
            classes: [],
            classifierValAccuracy: quality.classifierValAccuracy,
            samples: quality.samples,
            ...(quality.majorityBaseline !== undefined ? { majorityBaseline: quality.majorityBaseline } : {}),
            perArm,
            perSeed: quality.perSeed,
          } satisfies Quality,
        }
      : {}),
  };
  return out;
}

/**
 * Who the pooled seeds came from, for the teacher view's line: "seats 2, 0, 1" in the order the cards came, then the
 * command line's cards (no seat) by their seeds, "command-line seeds 3, 4". Empty for no cards.
 */
export function pooledFrom(used: Pooled['used']): string {
  const seats = used.flatMap((u) => (u.seat === null ? [] : [u.seat]));
  const cli = used.flatMap((u) => (u.seat === null ? u.seeds : []));
  const part = (what: string, xs: number[]) =>
    xs.length ? `${what}${xs.length === 1 ? '' : 's'} ${xs.join(', ')}` : '';
  return [part('seat', seats), part('command-line seed', cli)].filter(Boolean).join('; ');
}

const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;

/**
 * The pooled report: buildReport over the union of the seeds, with the pooling's refusals and repeats in its notes.
 * Throws (buildReport's message) when the pooled records lack the pretrained and scratch arms' held-out losses.
 */
export function pooledReport(p: Pooled): Report {
  if (!p.config) throw new Error('no card to pool: every card given was refused');
  const report = buildReport(p.config, p.records, p.meta);
  report.notes.unshift(
    `Pooled from ${p.used.length} result card${p.used.length === 1 ? '' : 's'} of setup ${p.fingerprint} (seeds ${p.seeds.join(', ')}).`,
    ...p.refused.map((r) => `Refused ${r}`),
    ...p.duplicates.map((d) => `Repeated ${d}`),
  );
  return report;
}

/**
 * Each seed's curve of a − b on `metric` (nats per token) at the evaluations both arms logged, by trained tokens of
 * `a`: the teacher view's faint line per seat under the pooled mean (report.effects.image_loss.diffCurve).
 */
export function seedDiffCurves(
  records: MetricRecord[],
  metric: string,
  a = 'pretrained',
  b = 'scratch',
): { seed: number; points: { tokens: number; value: number }[] }[] {
  const key = (r: MetricRecord) => `${r.seed}|${r.step}`;
  const other = new Map(records.filter((r) => r.arm === b && r.metric === metric).map((r) => [key(r), r.value]));
  const bySeed = new Map<number, { tokens: number; value: number }[]>();
  for (const r of records) {
    if (r.arm !== a || r.metric !== metric || !other.has(key(r))) continue;
    const list = bySeed.get(r.seed) ?? [];
    list.push({ tokens: r.tokens, value: r.value - other.get(key(r))! });
    bySeed.set(r.seed, list);
  }
  return [...bySeed.entries()]
    .sort(([x], [y]) => x - y)
    .map(([seed, points]) => ({ seed, points: points.sort((p, q) => p.tokens - q.tokens) }));
}
