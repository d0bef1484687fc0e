/**
 * Pooling a class's result cards (issue 21, docs/class.md) into one report: the union of their seeds judged by the
 * same rules (report.ts buildReport), so pooling single-seed cards gives the numbers of one run over the same seeds.
 * The class's setup is the fingerprint that brings the most seeds (on a tie, the one that came first), so one stray
 * card handed in first cannot get the whole class refused; a card of another fingerprint is refused saying what
 * differs and where each card was made, and a seed already pooled is kept from the first card that brought it, each
 * copy named with what tells it apart. Cards that could not be read come in as refusals too, so the report's "Left
 * out" list is whole; a refusal whose seat a pooled card brings is marked replaced (left-out.ts). Pure: `npm run
 * pool` and the page's teacher view share it.
 */
import { cardIdentity, cardRecords, seedOfSeat, type ResultCard } from './card';
import type { ExperimentConfig } from './config';
import type { Quality } from './extras';
import { identityDiff } from './fingerprint';
import {
  cardOrigin,
  copyTag,
  leftOutLine,
  leftOutList,
  markReplaced,
  originOf,
  refusedCard,
  type LeftOut,
} from './left-out';
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
  /** Cards left out (the unread ones given to poolCards first), each naming the card and why; `replacedBy` set
   * when a pooled card brings the seat's seeds. */
  refused: LeftOut[];
  /** Seeds a later card repeated, each line naming both cards (their first copy is pooled). */
  duplicates: string[];
  /** Pooled cards without a quality figure (shared before their run finished: `quality` null), by name. */
  noQuality: string[];
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
 * Pool cards in order: each card's fingerprint must be the class's setup (classSetup; else it is refused: "NAME (a
 * page card, seat 1, tfjs/webgpu): another setup (fingerprint a, not b of FIRST (…)): caption level L4 vs L2; …");
 * a seed a card repeats is dropped from it ("NAME (made …, last step 90, checksum 1a2b3c4d): seed 3 is already pooled
 * from FIRST (made …); kept FIRST's") and a card left with no new seed is not used. `unread`: the cards that could not
 * be read (unreadCard), listed first among the refusals.
 */
export function poolCards(cards: NamedCard[], unread: LeftOut[] = []): Pooled {
  const out: Pooled = {
    fingerprint: null,
    used: [],
    refused: unread.map((r) => ({ ...r, replacedBy: undefined })),
    duplicates: [],
    noQuality: [],
    config: null,
    records: [],
    seeds: [],
    meta: {},
  };
  const owner = new Map<number, string>();
  const ownerCard = new Map<number, ResultCard>();
  let first: NamedCard | null = null;
  const stopped: string[] = [];
  let valImages: number | null = null; // the first pooled card's that has it (a card shared mid-run has none)
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
      const [mine, theirs] = [cardOrigin(card), cardOrigin(ref.card)];
      const [o, oRef] = [originOf(card), originOf(ref.card)];
      const mixed =
        o && oRef && o !== oRef
          ? ' (the page and the command line give one setup different fingerprints: pool page cards with page cards, docs/class.md)'
          : '';
      out.refused.push(
        refusedCard(
          name,
          card,
          `${name} (${mine}): another setup (fingerprint ${card.fingerprint}, not ${setup} of ${ref.name} (${theirs}))${diff.length ? `: ${diff.join('; ')}` : ''}; pool it with the cards of its own setup${mixed}`,
        ),
      );
      continue;
    }
    const fresh = card.seeds.filter((s) => !owner.has(s));
    for (const s of card.seeds.filter((x) => owner.has(x))) {
      const [kept, keptCard] = [owner.get(s)!, ownerCard.get(s)!];
      const same = keptCard.checksum === card.checksum;
      out.duplicates.push(
        same
          ? `${name}: seed ${s}${card.seat !== null ? ` (seat ${card.seat})` : ''} is already pooled from ${kept}, an identical copy (${copyTag(card)}); kept ${kept}'s`
          : `${name} (${copyTag(card)}): seed ${s}${card.seat !== null ? ` (seat ${card.seat})` : ''} is already pooled from ${kept} (${copyTag(keptCard)}); kept ${kept}'s`,
      );
    }
    if (!fresh.length) continue;
    first ??= nc;
    for (const s of fresh) {
      owner.set(s, name);
      ownerCard.set(s, card);
    }
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
    valImages ??= card.valImages;
    if (!card.quality) out.noQuality.push(name);
    out.used.push({ name, seat: card.seat, seeds: fresh, engine: card.engine, backend: card.backend, step: card.step });
  }
  markReplaced(out.refused, owner, seedOfSeat);
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
    pooled: {
      fingerprint: out.fingerprint,
      cards: out.used,
      refused: out.refused.map(leftOutLine),
      duplicates: out.duplicates,
      leftOut: leftOutList(out),
    },
    lm: first.card.inputs.lm.name,
    dataset: first.card.inputs.dataset.name,
    ...(valImages !== null ? { valImages } : {}),
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
    ...p.refused.map((r) => `Refused ${leftOutLine(r)}`),
    ...p.duplicates.map((d) => `Repeated ${d}`),
    ...noQualityNote(p),
  );
  return report;
}

/** The note on pooled cards shared before their run finished (no quality figure), or none. */
function noQualityNote(p: Pooled): string[] {
  const k = p.noQuality.length;
  if (!k) return [];
  const what =
    k === p.used.length
      ? 'so the report has no quality figure'
      : `so the quality figure covers only the seeds of the other ${p.used.length - k} card${p.used.length - k === 1 ? '' : 's'}`;
  return [
    `${k} pooled card${k === 1 ? ' was' : 's were'} shared before ${k === 1 ? 'its run' : 'their runs'} finished (${p.noQuality.join(', ')}): ${k === 1 ? 'its' : 'their'} held-out losses count in the verdicts up to the step ${k === 1 ? 'it' : 'each'} reached, but ${k === 1 ? 'it holds' : 'they hold'} no quality figure, ${what}.`,
  ];
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

/**
 * An effect's line for `npm run pool`'s output: its sentence, which opens with the verdict and its detail ("Not
 * reproduced — pre-training hurt: …"), so they are not printed twice; a sentence that does not open with the verdict
 * gets it in front.
 */
export function effectLine(eff: { verdict: string; detail: string | null; sentence: string }): string {
  if (eff.sentence.toLowerCase().startsWith(eff.verdict)) return eff.sentence;
  return `${eff.verdict}${eff.detail ? ` — ${eff.detail}` : ''}: ${eff.sentence}`;
}
