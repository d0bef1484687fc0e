// Test helper: an export folder (npm run export) read back in TypeScript — the raw arrays, and the ExperimentData
// its sequences describe (captions recovered from the caption positions, codes from the image positions), so the
// core's own evaluation can be run on it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentData, Split } from '../../../src/core/experiment/data';
import type { VocabPlan } from '../../../src/core/experiment/extend';

export interface ExportMeta {
  vocabSize: number;
  textVocab: number;
  special: VocabPlan['special'];
  appendedSpecials: string[];
  image: { offset: number; count: number; tokens: number; firstPosition: number };
  sequence: { length: number; captionBudget: number; captionLevel: string; imageOnlyLength: number };
  maskBits: { text: number; image: number; loss: number };
  train: { sequences: number };
  val: { sequences: number };
  batches: { shape: number[]; mix: { file: string; shape: number[] } | null };
  files: Record<string, string>;
}

export interface ReadExport {
  meta: ExportMeta;
  experiment: {
    config: Record<string, unknown> & { evalImages: number; englishTokens: number; captionBudget: number };
    arms: { name: string; imageOnly: boolean; mix: number }[];
    margin: number;
    metrics: Record<string, string>;
  };
  train: { ids: Uint16Array; mask: Uint8Array };
  val: { ids: Uint16Array; mask: Uint8Array };
  order: Uint32Array;
  mix: Uint16Array | null;
  english: { train: Uint16Array; heldout: Uint16Array; ood: Uint16Array };
}

const u16 = (b: Buffer) => new Uint16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const u32 = (b: Buffer) => new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

export function readExport(dir: string): ReadExport {
  const f = (name: string) => readFileSync(join(dir, name));
  const meta = JSON.parse(f('meta.json').toString('utf8')) as ExportMeta;
  return {
    meta,
    experiment: JSON.parse(f('experiment.json').toString('utf8')),
    train: { ids: u16(f('train.bin')), mask: new Uint8Array(f('train.mask.bin')) },
    val: { ids: u16(f('val.bin')), mask: new Uint8Array(f('val.mask.bin')) },
    order: u32(f('order.bin')),
    mix: meta.batches.mix ? u16(f(meta.batches.mix.file)) : null,
    english: {
      train: u16(f('english_train.bin')),
      heldout: u16(f('english_heldout.bin')),
      ood: u16(f('english_ood.bin')),
    },
  };
}

/** The export's sequences as the core's ExperimentData (captions are the kept caption ids, pads dropped). */
export function exportData(ex: ReadExport): ExperimentData {
  const { meta } = ex;
  const T = meta.sequence.length;
  const first = meta.image.firstPosition;
  const P = meta.image.tokens;
  const split = (s: { ids: Uint16Array }): Split => {
    const n = s.ids.length / T;
    const codes = new Int32Array(n * P);
    const captions: number[][] = [];
    for (let i = 0; i < n; i++) {
      const row = s.ids.subarray(i * T, (i + 1) * T);
      captions.push(Array.from(row.subarray(1, first - 1)).filter((id) => id !== meta.special.pad));
      for (let p = 0; p < P; p++) codes[i * P + p] = row[first + p] - meta.image.offset;
    }
    return { codes, captions, text: captions.map(() => ''), count: n };
  };
  const plan: VocabPlan = {
    textVocab: meta.textVocab,
    imageOffset: meta.image.offset,
    imageCodes: meta.image.count,
    vocabSize: meta.vocabSize,
    special: meta.special,
    appendedSpecials: meta.appendedSpecials,
  };
  return {
    plan,
    imageTokens: P,
    train: split(ex.train),
    val: split(ex.val),
    english: {
      train: Int32Array.from(ex.english.train),
      heldout: Array.from(ex.english.heldout),
      ood: Array.from(ex.english.ood),
    },
  };
}
