/**
 * The byte layouts of a scale export (export.ts lists the files): uint16 id files, packed mask bytes, and the batch
 * order as replicate's runner draws it. Shared by the main files (export.ts) and the sweep's (export-sweep.ts), which
 * is why it is its own module: each of those two imports it, neither imports the other's values.
 */
import { buildBatch, type SequenceBatch, type SequenceSpec } from '../data/sequences';
import { codesOf, type Split } from './data';
import type { ExperimentRunner, Run } from './runner';

/** Bits of the mask files. */
export const MASK_BITS = { text: 1, image: 2, loss: 4 } as const;

/** The largest id a uint16 file holds; a larger vocabulary cannot be exported in nanoGPT's layout. */
export const UINT16_MAX = 65535;

export function uint16(values: ArrayLike<number>, what: string): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v > UINT16_MAX)
      throw new Error(
        `${what}: id ${v} at ${i} does not fit a uint16 file (vocabularies up to ${UINT16_MAX + 1} ids can be exported)`,
      );
    view.setUint16(2 * i, v, true);
  }
  return out;
}

export function uint32(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setUint32(4 * i, values[i], true);
  return out;
}

/** A batch's three masks as one byte per prediction (MASK_BITS). */
export function packMasks(b: Pick<SequenceBatch, 'text' | 'image' | 'loss'>): Uint8Array {
  const out = new Uint8Array(b.loss.length);
  for (let i = 0; i < out.length; i++)
    out[i] = (b.text[i] ? MASK_BITS.text : 0) | (b.image[i] ? MASK_BITS.image : 0) | (b.loss[i] ? MASK_BITS.loss : 0);
  return out;
}

/** Every sequence of a split: ids [n·T] as uint16 bytes and masks [n·(T−1)] as packed bytes. */
export function splitFiles(
  spec: SequenceSpec,
  split: Split,
  imageTokens: number,
): { ids: Uint8Array; mask: Uint8Array } {
  const b = buildBatch(
    spec,
    split.captions,
    [...Array(split.count).keys()].map((i) => codesOf(split, i, imageTokens)),
  );
  return { ids: uint16(b.ids, 'sequences'), mask: packMasks(b) };
}

/**
 * The batch order of `seeds` × `steps` steps as replicate's runner draws it (runner.ts nextBatch): order.bin uint32
 * [seeds, steps, B] (the training-image indices of each step, shared by every arm of a seed) and, with a
 * pretrained-mix arm, mix.bin uint16 [seeds, steps, nMix, T] (the English windows replacing its batch's last nMix
 * rows). `first` hears every run's first batch (step 1), before any later step is drawn. Seeds are 0 … seeds − 1.
 */
export function batchFiles(
  runner: ExperimentRunner,
  seeds: number,
  steps: number,
  B: number,
  T: number,
  first: (run: Run, batch: SequenceBatch, seed: number) => void = () => {},
): { order: Uint8Array; mix: Uint8Array | null; nMix: number } {
  const mixRun = runner.runs.find((r) => r.arm.mix > 0);
  const nMix = mixRun ? Math.round(mixRun.arm.mix * B) : 0;
  const order = new Uint32Array(seeds * steps * B);
  const mix = new Uint16Array(seeds * steps * nMix * T);
  for (let seed = 0; seed < seeds; seed++) {
    const runs = runner.runs.filter((r) => r.seed === seed);
    const lead = runs[0];
    const mixer = runs.find((r) => r.arm.mix > 0);
    for (let step = 0; step < steps; step++) {
      // Step 1: every run's first batch (its training losses at the initial weights); later: the order alone.
      const stepRuns = step === 0 ? runs : [lead, ...(mixer && mixer !== lead ? [mixer] : [])];
      for (const run of stepRuns) {
        const { idx, batch } = runner.nextBatch(run);
        if (step === 0) first(run, batch, seed);
        if (run === lead) order.set(idx, (seed * steps + step) * B);
        if (run === mixer) mix.set(batch.ids.subarray((B - nMix) * T), (seed * steps + step) * nMix * T);
      }
    }
  }
  return { order: uint32(order), mix: nMix > 0 ? uint16(mix, 'mix') : null, nMix };
}
