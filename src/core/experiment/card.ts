/**
 * Result cards (issue 21, docs/class.md): one run's seeds in a small file, `<fingerprint>-seat<k>.tabula.json`, that
 * a class pools into one report (pool.ts). A card holds the setup (its config, the digests of its inputs, the rules
 * version) and so its fingerprint, the seeds, each seed's held-out records (every `val/` and `diag/` metric: what the
 * verdicts and charts read), the runs stopped by NaN/Inf, the quality figure per seed, the engine and backend, and
 * a SHA-256 checksum over the rest. Cards are untrusted input: `parseCard` checks the size, the schema, every string's
 * length and alphabet, the checksum and the fingerprint before anything reads them, and each refusal names the card.
 * Pure (no tfjs, no DOM): the page and `npm run pool` share it.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { ARMS, type ArmName, type ExperimentConfig } from './config';
import type { Quality } from './extras';
import {
  FINGERPRINT_FIELDS,
  RULES_VERSION,
  canonicalJson,
  fingerprintOf,
  setupIdentity,
  type SetupIdentity,
} from './fingerprint';
import type { MetricRecord } from './runner';

export const CARD_FORMAT = 'tabula-result-card';
/**
 * The card layout's version (this module); the rules' version is the identity's. 2 added `origin` (a version-1 card,
 * which lacks it, is still read).
 */
export const CARD_VERSION = 2;
/** Where a card was made: the page (Share my run) or the command line (npm run replicate). */
export type CardOrigin = 'page' | 'cli';
/** A card is refused above this size, before it is parsed. */
export const MAX_CARD_BYTES = 1_000_000;
/** The record columns of a card: arm index, seed, step, tokens, metric index, value. */
export type CardRow = [number, number, number, number, number, number | 'NaN' | 'Infinity' | '-Infinity'];

export interface ResultCard {
  format: typeof CARD_FORMAT;
  version: number;
  /** The version of the verdict rules the card was made under (fingerprint.ts RULES_VERSION). */
  rules: number;
  /** fingerprintOf(the identity of `config` and `inputs` under `rules`). */
  fingerprint: string;
  /** The class seat that ran it (the page's ?seat=k), or null (the CLI). */
  seat: number | null;
  /** The seeds it holds, ascending. */
  seeds: number[];
  /** The run's effective configuration (after --tokens and a sweep's rates). */
  config: ExperimentConfig;
  /** The dataset, pre-trained LM and VQ tokenizer: names (for messages) and SHA-256 digests (fingerprint-inputs.ts). */
  inputs: Pick<SetupIdentity, 'dataset' | 'lm' | 'vq'>;
  /** Where it ran: 'tfjs' and its backend (wasm, webgpu, cpu …). */
  engine: string;
  backend: string;
  /** Where it was made; absent from a version-1 card. */
  origin?: CardOrigin;
  /** Validation images each held-out loss used (the report's caveat); null on a card shared before the finish. */
  valImages: number | null;
  /** Runs stopped by NaN/Inf, in the runner's words. */
  stopped: string[];
  /** The quality figure of these seeds, or null (none yet, or no categories). */
  quality: {
    classifierValAccuracy: number;
    samples: number;
    majorityBaseline?: number;
    perSeed: Quality['perSeed'];
  } | null;
  records: { arms: string[]; metrics: string[]; rows: CardRow[] };
  /** The last step every run of the card reached (a card shared mid-run holds fewer). */
  step: number;
  /** ISO time it was made. */
  made: string;
  /** Hex SHA-256 of canonicalJson(the card without this field). */
  checksum: string;
}

/** What a card is made from. */
export interface CardInput {
  identity: SetupIdentity;
  config: ExperimentConfig;
  seat: number | null;
  records: MetricRecord[];
  engine: string;
  backend: string;
  origin: CardOrigin;
  valImages: number | null;
  stopped: string[];
  quality: Quality | null;
  made?: string;
}

/** The metrics a card keeps: the held-out ones and the diagnostics measured with them. */
export const cardKeeps = (metric: string) => metric.startsWith('val/') || metric.startsWith('diag/');

const encodeValue = (v: number): CardRow[5] =>
  Number.isFinite(v) ? v : (String(v) as 'NaN' | 'Infinity' | '-Infinity');

/** Build a card (its checksum included) from a run's records and setup. */
export function makeCard(o: CardInput): ResultCard {
  const kept = o.records.filter((r) => cardKeeps(r.metric));
  const arms = [...new Set(kept.map((r) => r.arm))];
  const metrics = [...new Set(kept.map((r) => r.metric))];
  const seeds = [...new Set(o.records.map((r) => r.seed))].sort((a, b) => a - b);
  const mine = (q: Quality['perSeed']) =>
    Object.fromEntries(Object.entries(q).map(([arm, v]) => [arm, v.filter((x) => seeds.includes(x.seed))]));
  const body: Omit<ResultCard, 'checksum'> = {
    format: CARD_FORMAT,
    version: CARD_VERSION,
    rules: o.identity.rules,
    fingerprint: fingerprintOf(o.identity),
    seat: o.seat,
    seeds,
    config: o.config,
    inputs: { dataset: o.identity.dataset, lm: o.identity.lm, vq: o.identity.vq },
    engine: o.engine,
    backend: o.backend,
    origin: o.origin,
    valImages: o.valImages,
    stopped: o.stopped,
    quality: o.quality
      ? {
          classifierValAccuracy: o.quality.classifierValAccuracy,
          samples: o.quality.samples,
          ...(o.quality.majorityBaseline !== undefined ? { majorityBaseline: o.quality.majorityBaseline } : {}),
          perSeed: mine(o.quality.perSeed),
        }
      : null,
    records: {
      arms,
      metrics,
      rows: kept.map((r) => [
        arms.indexOf(r.arm),
        r.seed,
        r.step,
        r.tokens,
        metrics.indexOf(r.metric),
        encodeValue(r.value),
      ]),
    },
    step: kept.length
      ? Math.min(
          ...arms.flatMap((a) =>
            seeds.map((s) => Math.max(0, ...kept.filter((r) => r.arm === a && r.seed === s).map((r) => r.step))),
          ),
        )
      : 0,
    made: o.made ?? new Date().toISOString(),
  };
  return { ...body, checksum: checksumOf(body) };
}

/** Hex SHA-256 of a card's canonical JSON without its checksum. */
export function checksumOf(card: Omit<ResultCard, 'checksum'> & { checksum?: string }): string {
  const rest: Record<string, unknown> = { ...card };
  delete rest.checksum;
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(rest))));
}

/** The card's file name: `<fingerprint>-seat<k>.tabula.json`, or `-seeds<a>-<b>` without a seat. */
export function cardFileName(card: Pick<ResultCard, 'fingerprint' | 'seat' | 'seeds'>): string {
  const who =
    card.seat !== null
      ? `seat${card.seat}`
      : card.seeds.length === 1
        ? `seed${card.seeds[0]}`
        : `seeds${card.seeds[0]}-${card.seeds[card.seeds.length - 1]}`;
  return `${card.fingerprint}-${who}.tabula.json`;
}

/** The card's records as MetricRecords (no wall time). */
export function cardRecords(card: ResultCard): MetricRecord[] {
  const { arms, metrics, rows } = card.records;
  return rows.map(([a, seed, step, tokens, m, v]) => ({
    arm: arms[a],
    seed,
    step,
    tokens,
    metric: metrics[m],
    value: Number(v),
  }));
}

/** The setup identity a card states (its config and inputs, under its rules version). */
export function cardIdentity(card: ResultCard): SetupIdentity {
  return { ...setupIdentity(card.config, card.inputs), rules: card.rules };
}

/**
 * The seed a class seat runs: seat k runs seed k (so seats 0 … n−1 are the seeds of one `replicate --seeds n` run, and
 * a CLI run of `--first-seed k` can stand in for seat k).
 */
export const seedOfSeat = (seat: number): number => seat;

/** A card refused: `message` names the card and says why and what to do. */
export class CardError extends Error {}

// ---- the schema: every field's type, every string's length and alphabet, every number's range ----
const MAX_ROWS = 60_000;
// Any text but control characters (strings are escaped wherever they are shown).
const NAME = { test: (s: string) => ![...s].some((ch) => ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127) };
type Check = (v: unknown, at: string) => void;
const fail = (at: string, what: string): never => {
  throw new Error(`${at}: ${what}`);
};
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str =
  (max: number, pattern: { test: (s: string) => boolean } = NAME): Check =>
  (v, at) => {
    if (typeof v !== 'string') fail(at, 'expected text');
    if ((v as string).length > max) fail(at, `text over ${max} characters`);
    if (!pattern.test(v as string)) fail(at, 'text with characters a card never holds');
  };
const num =
  (min = -Infinity, max = Infinity, integer = false): Check =>
  (v, at) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(at, 'expected a finite number');
    if ((v as number) < min || (v as number) > max || (integer && !Number.isInteger(v)))
      fail(at, `${String(v)} is out of range (${integer ? 'an integer ' : ''}${min} to ${max})`);
  };
const arr =
  (each: Check, max: number): Check =>
  (v, at) => {
    if (!Array.isArray(v)) fail(at, 'expected a list');
    if ((v as unknown[]).length > max) fail(at, `over ${max} entries`);
    (v as unknown[]).forEach((x, i) => each(x, `${at}[${i}]`));
  };
const oneOf =
  (values: readonly string[]): Check =>
  (v, at) => {
    if (!values.includes(v as string)) fail(at, `expected one of ${values.join(', ')}`);
  };
const HEX = (len: number) => str(len, new RegExp(`^[0-9a-f]{${len}}$`));
const nullable =
  (c: Check): Check =>
  (v, at) =>
    v === null ? undefined : c(v, at);
const obj =
  (fields: Record<string, Check>, open = false): Check =>
  (v, at) => {
    if (!isObj(v)) fail(at, 'expected an object');
    for (const k of Object.keys(v as object))
      if (!(k in fields) && !open) fail(`${at}.${k}`, 'a field a card never holds');
    for (const [k, c] of Object.entries(fields)) c((v as Record<string, unknown>)[k], `${at}.${k}`);
  };
const input = obj({ name: str(200), digest: HEX(64) });
const rates = (v: unknown, at: string) => {
  if (!isObj(v)) fail(at, 'expected an object');
  for (const [k, x] of Object.entries(v as object)) {
    oneOf(ARMS)(k, `${at} key`);
    num(0, 10)(x, `${at}.${k}`);
  }
};
const CONFIG: Record<keyof ExperimentConfig, Check> = {
  preset: str(40),
  arms: arr(oneOf(ARMS), ARMS.length),
  seeds: num(1, 1_000_000, true),
  firstSeed: num(0, 1_000_000, true),
  captionLevel: oneOf(['L0', 'L1', 'L2', 'L3', 'L4']),
  captionBudget: num(1, 4096, true),
  steps: num(1, 1e9, true),
  batchSize: num(1, 1e6, true),
  lr: num(0, 10),
  lrByArm: rates,
  schedule: str(20),
  warmupSteps: num(0, 1e9, true),
  weightDecay: num(0, 10),
  evalEvery: num(1, 1e9, true),
  evalImages: num(0, 1e9, true),
  englishTokens: num(0, 1e9, true),
  rowInit: oneOf(['random', 'mean', 'aligned']),
  mixShare: num(0, 1),
  checkpointEvery: num(0, 1e9, true),
  samples: num(0, 1e6, true),
  trainImages: num(0, 1e9, true),
  qualitySamples: num(0, 1e6, true),
  captionLmSteps: num(0, 1e9, true),
  classifierSteps: num(0, 1e9, true),
  margin: num(0, 100),
};
for (const k of Object.keys(FINGERPRINT_FIELDS))
  if (!(k in CONFIG)) throw new Error(`card.ts: no schema for config field ${k}`);
const perSeed = (v: unknown, at: string) => {
  if (!isObj(v)) fail(at, 'expected an object');
  for (const [k, x] of Object.entries(v as object)) {
    oneOf(ARMS)(k, `${at} key`);
    arr(obj({ seed: num(0, 1e6, true), accuracy: num(0, 1), frechet: num(0, 1e9) }), 10_000)(x, `${at}.${k}`);
  }
};
const row: Check = (v, at) => {
  if (!Array.isArray(v) || v.length !== 6) fail(at, 'expected [arm, seed, step, tokens, metric, value]');
  const r = v as unknown[];
  num(0, ARMS.length - 1, true)(r[0], `${at}[0]`);
  num(0, 1e6, true)(r[1], `${at}[1]`);
  num(0, 1e9, true)(r[2], `${at}[2]`);
  num(0, 1e15, true)(r[3], `${at}[3]`);
  num(0, 63, true)(r[4], `${at}[4]`);
  if (!['NaN', 'Infinity', '-Infinity'].includes(r[5] as string)) num()(r[5], `${at}[5]`);
};
const CARD = obj({
  format: oneOf([CARD_FORMAT]),
  version: num(1, 1e6, true),
  rules: num(1, 1e6, true),
  fingerprint: HEX(12),
  seat: nullable(num(0, 1e6, true)),
  seeds: arr(num(0, 1e6, true), 10_000),
  config: obj(CONFIG),
  inputs: obj({ dataset: input, lm: input, vq: input }),
  engine: str(40),
  backend: str(40),
  origin: (v, at) => (v === undefined ? undefined : oneOf(['page', 'cli'])(v, at)),
  valImages: nullable(num(0, 1e9, true)),
  stopped: arr(str(400), 1000),
  quality: nullable(
    obj({
      classifierValAccuracy: num(0, 1),
      samples: num(0, 1e6, true),
      majorityBaseline: (v, at) => (v === undefined ? undefined : num(0, 1)(v, at)),
      perSeed,
    }),
  ),
  records: obj({
    arms: arr(oneOf(ARMS), ARMS.length),
    metrics: arr(str(64, /^[a-z][a-z0-9_]*\/[a-z0-9_]+$/), 64),
    rows: arr(row, MAX_ROWS),
  }),
  step: num(0, 1e9, true),
  made: str(40),
  checksum: HEX(64),
});

/**
 * Read a card from its text, refusing — with a CardError naming `name` — one over MAX_CARD_BYTES, one that is not
 * JSON (damaged or cut short), one of another format, one made under a newer card layout or rules version, one that
 * breaks the schema, one whose checksum fails, and one whose fingerprint is not its setup's.
 */
export function parseCard(text: string, name: string): ResultCard {
  const size = utf8ToBytes(text).length;
  if (size > MAX_CARD_BYTES)
    throw new CardError(
      `${name}: ${(size / 1e6).toFixed(1)} MB, over the ${MAX_CARD_BYTES / 1e6} MB a result card may be; it is not a card this code made`,
    );
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CardError(
      `${name}: damaged or cut short, not a whole card (${(e as Error).message.split('\n')[0]}); share it again from the run`,
    );
  }
  if (!isObj(v) || v.format !== CARD_FORMAT)
    throw new CardError(`${name}: not a Tabula result card (no "format": "${CARD_FORMAT}")`);
  if (typeof v.version === 'number' && v.version > CARD_VERSION)
    throw new CardError(
      `${name}: made by a newer Tabula (card version ${v.version}; this one reads ${CARD_VERSION}); update this copy, then pool again`,
    );
  if (typeof v.rules === 'number' && v.rules > RULES_VERSION)
    throw new CardError(
      `${name}: made under newer verdict rules (version ${v.rules}; this copy has ${RULES_VERSION}); update this copy, then pool again`,
    );
  try {
    CARD(v, 'card');
  } catch (e) {
    throw new CardError(`${name}: damaged (${(e as Error).message}); share it again from the run`);
  }
  const card = v as unknown as ResultCard;
  if (checksumOf(card) !== card.checksum)
    throw new CardError(
      `${name}: its checksum fails — the card was changed or damaged after it was made; share it again from the run`,
    );
  if (fingerprintOf(cardIdentity(card)) !== card.fingerprint)
    throw new CardError(
      `${name}: its fingerprint ${card.fingerprint} is not its setup's; the card was not made by Tabula`,
    );
  const { arms, metrics, rows } = card.records;
  for (const [i, r] of rows.entries()) {
    if (r[0] >= arms.length || r[4] >= metrics.length)
      throw new CardError(`${name}: damaged (card.records.rows[${i}] names an arm or metric the card does not list)`);
    if (!card.seeds.includes(r[1]))
      throw new CardError(
        `${name}: damaged (card.records.rows[${i}] is seed ${r[1]}, not one of the card's seeds ${card.seeds.join(', ')})`,
      );
  }
  return card;
}

/** The arms a card's records hold, as arm names. */
export const cardArms = (card: ResultCard) => card.records.arms as ArmName[];
