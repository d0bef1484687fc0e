/**
 * Vocabulary extension (docs/architecture.md §4): the image codes — and any of <|bos|> <|boi|> <|eoi|> <|pad|> the text
 * tokenizer lacks — are appended after the text vocabulary. Every existing row, the transformer body and the
 * positions are copied bit for bit; new rows are initialised by a config choice:
 *   random  — N(0, σ²) with σ the std of the existing embedding rows;
 *   mean    — the mean text embedding plus N(0, (σ/10)²) noise;
 *   aligned — rows given by the caller (the contrastive bag-of-words alignment, alignment.ts).
 * The scratch arm gets the same architecture and the same new rows, with everything else freshly initialised.
 * The weight-scale control (pretrained-shuffled, issue 20) gets the pre-trained arm's model with every one of the
 * LM's tensors permuted within itself (shuffledPretrained): the same values and so the same norms and spread per
 * tensor, none of the knowledge.
 */
import { GPT, type GPTConfig } from '../nn/gpt';
import { Rng, deriveSeed } from '../nn/init';
import { SPECIAL_TOKENS } from '../tokenize/bpe';

export type RowInit = 'random' | 'mean' | 'aligned';

export interface VocabPlan {
  /** Ids the language model already has. */
  textVocab: number;
  /** First image-code id; code k is imageOffset + k. */
  imageOffset: number;
  imageCodes: number;
  vocabSize: number;
  special: { bos: number; boi: number; eoi: number; pad: number };
  /** Special tokens appended (missing from the text tokenizer), in id order from textVocab. */
  appendedSpecials: string[];
}

/** Place the image codes (and missing specials) after a text vocabulary. `specials` maps token text → id. */
export function planVocab(textVocab: number, specials: ReadonlyMap<string, number>, imageCodes: number): VocabPlan {
  const appended: string[] = [];
  const id = (name: string): number => {
    const have = specials.get(name);
    if (have !== undefined) return have;
    if (name === '<|bos|>' && specials.has('<|endoftext|>')) return specials.get('<|endoftext|>')!; // GPT-2's document start
    appended.push(name);
    return textVocab + appended.length - 1;
  };
  const [bos, boi, eoi, pad] = SPECIAL_TOKENS.map(id);
  const imageOffset = textVocab + appended.length;
  return {
    textVocab,
    imageOffset,
    imageCodes,
    vocabSize: imageOffset + imageCodes,
    special: { bos, boi, eoi, pad },
    appendedSpecials: appended,
  };
}

/** New embedding rows for the ids in [textVocab, vocabSize), from the existing rows [textVocab, d]. */
export function newRows(
  existing: Float32Array,
  textVocab: number,
  d: number,
  count: number,
  init: Exclude<RowInit, 'aligned'>,
  seed: number,
): Float32Array {
  let mean = 0;
  for (const v of existing) mean += v;
  mean /= existing.length;
  let varSum = 0;
  for (const v of existing) varSum += (v - mean) ** 2;
  const std = Math.sqrt(varSum / existing.length);
  const rng = new Rng(deriveSeed(seed, `new-rows-${init}`));
  const out = new Float32Array(count * d);
  if (init === 'random') for (let i = 0; i < out.length; i++) out[i] = rng.normal() * std;
  else {
    const rowMean = new Float64Array(d);
    for (let r = 0; r < textVocab; r++) for (let j = 0; j < d; j++) rowMean[j] += existing[r * d + j] / textVocab;
    for (let r = 0; r < count; r++) for (let j = 0; j < d; j++) out[r * d + j] = rowMean[j] + (rng.normal() * std) / 10;
  }
  return out;
}

function withRows(old: Float32Array, rows: Float32Array): Float32Array {
  const out = new Float32Array(old.length + rows.length);
  out.set(old);
  out.set(rows, old.length);
  return out;
}

/**
 * The fine-tuning model of the pre-trained arm: `lm` with its vocabulary extended by `plan`, new rows `rows`
 * ([plan.vocabSize − textVocab, d], shared by both arms of a seed). The lm is left untouched.
 */
export function extendPretrained(lm: GPT, plan: VocabPlan, rows: Float32Array, scope: string): GPT {
  const c: GPTConfig = { ...lm.config, vocabSize: plan.vocabSize };
  const added = plan.vocabSize - lm.config.vocabSize;
  if (lm.config.vocabSize !== plan.textVocab)
    throw new Error(
      `extendPretrained: the plan is for a ${plan.textVocab}-id text vocabulary, the LM has ${lm.config.vocabSize}`,
    );
  if (rows.length !== added * c.nEmbd)
    throw new Error(`extendPretrained: ${rows.length} new-row values for ${added} rows of width ${c.nEmbd}`);
  const model = new GPT(c, 0, scope);
  for (const [name, v] of lm.params) {
    const data = v.dataSync() as Float32Array;
    model.assign(name, name === 'transformer.wte.weight' || name === 'lm_head.weight' ? withRows(data, rows) : data);
  }
  return model;
}

/** A seeded uniform permutation (Fisher–Yates) of `values`, as a new array: the same multiset, positions scrambled. */
export function permuted(values: Float32Array, seed: number): Float32Array {
  const out = Float32Array.from(values);
  const rng = new Rng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/** The seed of the permutation of one LM tensor for an experiment seed (each tensor and seed its own). */
export function shuffleSeed(seed: number, param: string): number {
  return deriveSeed(seed, `shuffle:${param}`);
}

/**
 * The weight-scale control arm (pretrained-shuffled): `lm` with every tensor permuted within itself — each matrix
 * of the body, the biases and LayerNorm parameters, the position table and the text rows of the token table (as one
 * matrix: values move across rows and columns, so no text id keeps its embedding) — seeded by shuffleSeed; then
 * extended like the pre-trained arm with the same new rows `rows`. If it matches the pre-trained arm, the help is
 * the weights' scale, not what pre-training put in them. The lm is left untouched.
 */
export function shuffledPretrained(lm: GPT, plan: VocabPlan, rows: Float32Array, seed: number, scope: string): GPT {
  const model = extendPretrained(lm, plan, rows, scope);
  const textValues = plan.textVocab * lm.config.nEmbd;
  for (const [name, v] of lm.params) {
    const shuffled = permuted(v.dataSync() as Float32Array, shuffleSeed(seed, name));
    model.assign(
      name,
      name === 'transformer.wte.weight' || name === 'lm_head.weight'
        ? withRows(shuffled.subarray(0, textValues), rows)
        : shuffled,
    );
  }
  return model;
}

/** The seed of the scratch arm's random weights for an experiment seed. */
export function scratchSeed(seed: number): number {
  return deriveSeed(seed, 'scratch');
}

/**
 * The scratch arm: the same architecture from random weights (seeded by scratchSeed), its new rows from
 * `rowsFor(ownTextRows)` — the arm's own random text rows [textVocab, d], so they match its own scale.
 */
export function scratchModel(
  lmConfig: GPTConfig,
  plan: VocabPlan,
  rowsFor: (ownTextRows: Float32Array) => Float32Array,
  seed: number,
  scope: string,
): GPT {
  const c: GPTConfig = { ...lmConfig, vocabSize: plan.vocabSize };
  const model = new GPT(c, scratchSeed(seed), scope);
  const wte = Float32Array.from(model.params.get('transformer.wte.weight')!.dataSync());
  const rows = rowsFor(wte.subarray(0, plan.textVocab * c.nEmbd));
  if (rows.length !== (plan.vocabSize - plan.textVocab) * c.nEmbd)
    throw new Error(
      `scratchModel: ${rows.length} new-row values for ${plan.vocabSize - plan.textVocab} rows of width ${c.nEmbd}`,
    );
  for (const name of ['transformer.wte.weight', ...(c.tieEmbeddings ? [] : ['lm_head.weight'])]) {
    const data = name === 'transformer.wte.weight' ? wte : Float32Array.from(model.params.get(name)!.dataSync());
    data.set(rows, plan.textVocab * c.nEmbd);
    model.assign(name, data);
  }
  return model;
}

/** The scratch arm's random text rows [textVocab, d] for a seed (what scratchModel's rowsFor receives). */
export function scratchTextRows(lmConfig: GPTConfig, plan: VocabPlan, seed: number): Float32Array {
  const model = new GPT(
    { ...lmConfig, vocabSize: plan.vocabSize },
    scratchSeed(seed),
    `scratch-rows-${Math.random().toString(36).slice(2, 8)}`,
  );
  try {
    return Float32Array.from(
      model.params
        .get('transformer.wte.weight')!
        .dataSync()
        .subarray(0, plan.textVocab * lmConfig.nEmbd),
    );
  } finally {
    model.dispose();
  }
}
