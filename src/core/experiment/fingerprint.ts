/**
 * The setup fingerprint (issue 21, docs/class.md): a short hash of everything that changes a seed's numbers — the
 * configuration fields that do (FINGERPRINT_FIELDS decides each field of ExperimentConfig, so a new field cannot be
 * forgotten), the dataset, the pre-trained LM, the VQ tokenizer and the version of the verdict rules. Two runs with
 * the same fingerprint ran the same experiment, differing only in their seeds, so their seeds can be pooled into one
 * report. Pure (no tfjs: the page shows it); the digests of the inputs are fingerprint-inputs.ts's.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { lrFor, type ExperimentConfig } from './config';
import { SETUP_FIELDS } from './setup-fields';

/**
 * The version of the rules that turn records into verdicts (report.ts, verdict.ts, verdict-forgetting.ts, curves.ts). Raise it whenever a
 * rule changes what a report says from the same records: a card made under a newer version is refused by older code.
 */
export const RULES_VERSION = 1;

/**
 * For every configuration field: true when it changes a seed's records or the verdicts (so it is in the fingerprint),
 * false when it does not — the number of seeds and the first seed (what pooling joins), the preset's name (its fields
 * count, not its name) and how often checkpoints are saved (a resumed run logs the same records).
 */
export const FINGERPRINT_FIELDS: Record<keyof ExperimentConfig, boolean> = {
  preset: false,
  arms: true,
  seeds: false,
  firstSeed: false,
  captionLevel: true,
  captionBudget: true,
  steps: true,
  batchSize: true,
  lr: true,
  lrByArm: true,
  schedule: true,
  warmupSteps: true,
  weightDecay: true,
  evalEvery: true,
  evalImages: true,
  englishTokens: true,
  rowInit: true,
  mixShare: true,
  checkpointEvery: false,
  samples: true,
  trainImages: true,
  qualitySamples: true,
  captionLmSteps: true,
  classifierSteps: true,
  margin: true,
};

/** What a setup is, as the fingerprint hashes it (and as a card carries it, so a mismatch can say what differs). */
export interface SetupIdentity {
  rules: number;
  /** The fingerprinted config fields, canonical: arms sorted, each arm's rate in `rates` (lr and lrByArm folded). */
  config: Record<string, unknown>;
  /** Digests (hex) of the data, the LM and the VQ tokenizer (fingerprint-inputs.ts), and their names for messages. */
  dataset: { name: string; digest: string };
  lm: { name: string; digest: string };
  vq: { name: string; digest: string };
}

/**
 * The canonical identity of a setup. The rates are each arm's effective peak rate (lrFor), so `lr` counts only for an
 * arm without its own; the mix share counts only when the pretrained-mix arm runs.
 */
export function setupIdentity(
  cfg: ExperimentConfig,
  inputs: Pick<SetupIdentity, 'dataset' | 'lm' | 'vq'>,
): SetupIdentity {
  const config: Record<string, unknown> = {};
  for (const [field, counts] of Object.entries(FINGERPRINT_FIELDS) as [keyof ExperimentConfig, boolean][]) {
    if (!counts || field === 'lr' || field === 'lrByArm') continue;
    if (field === 'mixShare' && !cfg.arms.includes('pretrained-mix')) continue;
    config[field] = field === 'arms' ? [...cfg.arms].sort() : cfg[field];
  }
  config.rates = Object.fromEntries([...cfg.arms].sort().map((arm) => [arm, lrFor(cfg, arm)]));
  return { rules: RULES_VERSION, config, dataset: { ...inputs.dataset }, lm: { ...inputs.lm }, vq: { ...inputs.vq } };
}

/** JSON with every object's keys sorted (undefined ones left out, as JSON does), so equal values give equal text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v ?? null);
}

/** The fingerprint: the first 12 hex digits of SHA-256 over the identity's canonical JSON, names of inputs left out. */
export function fingerprintOf(id: SetupIdentity): string {
  const hashed = { rules: id.rules, config: id.config, dataset: id.dataset.digest, lm: id.lm.digest, vq: id.vq.digest };
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(hashed)))).slice(0, 12);
}

const LABELS: Record<string, string> = {
  ...Object.fromEntries(SETUP_FIELDS.map((f) => [f.field, f.label.toLowerCase()])),
  rates: 'learning rates',
  englishTokens: 'English tokens',
  weightDecay: 'weight decay',
  trainImages: 'training images',
  qualitySamples: 'quality samples',
  captionLmSteps: 'caption-LM steps',
  classifierSteps: 'classifier steps',
  samples: 'samples',
};
const show = (v: unknown) =>
  typeof v === 'string'
    ? v
    : Array.isArray(v)
      ? v.join(',')
      : v && typeof v === 'object'
        ? Object.entries(v)
            .map(([k, x]) => `${k}=${String(x)}`)
            .join(',')
        : String(v);

/**
 * What differs between two identities, one phrase each, `a`'s value first: e.g. "caption level L4 vs L2",
 * "LM lm-a (3f2a…) vs lm-b (9c01…)", "dataset emoji with other contents (e119… vs ae92…)", "rules version 2 vs 1".
 * Empty when they fingerprint alike.
 */
export function identityDiff(a: SetupIdentity, b: SetupIdentity): string[] {
  const out: string[] = [];
  if (a.rules !== b.rules) out.push(`rules version ${a.rules} vs ${b.rules}`);
  for (const k of [...new Set([...Object.keys(a.config), ...Object.keys(b.config)])].sort())
    if (canonicalJson(a.config[k]) !== canonicalJson(b.config[k]))
      out.push(
        `${LABELS[k] ?? k} ${a.config[k] === undefined ? '(none)' : show(a.config[k])} vs ${b.config[k] === undefined ? '(none)' : show(b.config[k])}`,
      );
  for (const [key, label] of [
    ['dataset', 'dataset'],
    ['lm', 'LM'],
    ['vq', 'VQ tokenizer'],
  ] as const)
    if (a[key].digest !== b[key].digest)
      out.push(
        a[key].name === b[key].name
          ? // One name, other bytes: say so, and why when the caption level (whose captions the digest reads) differs.
            `${label} ${a[key].name} with other contents (${a[key].digest.slice(0, 8)} vs ${b[key].digest.slice(0, 8)}${key === 'dataset' && a.config.captionLevel !== b.config.captionLevel ? ': its captions are taken at the caption level' : ''})`
          : `${label} ${a[key].name} (${a[key].digest.slice(0, 8)}) vs ${b[key].name} (${b[key].digest.slice(0, 8)})`,
      );
  return out;
}
