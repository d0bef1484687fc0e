/**
 * The export's files for other tools (issue 25), beside nanoGPT's raw .bin layout (export.ts):
 *   data/train-00000-of-00001.parquet, data/validation-00000-of-00001.parquet
 *                 one row per sequence — input_ids, loss_mask, caption, image_codes, concept — that Hugging Face
 *                 `datasets.load_dataset(EXPORT)` opens as the train and validation splits (written by hyparquet-writer)
 *   README.md     the dataset card: its YAML `configs` name those files, and it says which consumer reads what
 *   meta.pkl      nanoGPT's vocabulary facts (`vocab_size`, which its train.py reads; else it assumes 50,304 ids)
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { buildBatch, type SequenceSpec } from '../data/sequences';
import { PAPER } from '../checkpoint/hub-files';
import { codesOf, type Split } from './data';
import type { VocabPlan } from './extend';
import { pickleDict } from './pickle';

export const PARQUET_SPLITS = {
  train: 'data/train-00000-of-00001.parquet',
  validation: 'data/validation-00000-of-00001.parquet',
} as const;

const list = (name: string, type: 'INT32') => [
  { name, repetition_type: 'REQUIRED' as const, converted_type: 'LIST' as const, num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
  { name: 'element', type, repetition_type: 'REQUIRED' as const },
];

/**
 * One split as a Parquet file: per sequence `input_ids` [T] (int32), `loss_mask` [T−1] (1 where ids[t+1] is trained
 * on, as the .mask.bin files' loss bit), `caption` (text), `image_codes` [imageTokens] (the VQ codes, 0 … codebook−1)
 * and `concept` (the emoji concept; null for bring-your-own data).
 */
export function parquetSplit(spec: SequenceSpec, split: Split, imageTokens: number): Uint8Array {
  const codes = [...Array(split.count).keys()].map((i) => codesOf(split, i, imageTokens));
  const b = buildBatch(spec, split.captions, codes);
  const rows = [...Array(split.count).keys()];
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'input_ids', data: rows.map((i) => Array.from(b.ids.subarray(i * b.T, (i + 1) * b.T))) },
      {
        name: 'loss_mask',
        data: rows.map((i) => Array.from(b.loss.subarray(i * (b.T - 1), (i + 1) * (b.T - 1)), (v) => (v > 0 ? 1 : 0))),
      },
      { name: 'caption', data: split.text },
      { name: 'image_codes', data: codes },
      { name: 'concept', data: rows.map((i) => split.concepts?.[i] ?? null) },
    ],
    schema: [
      { name: 'root', num_children: 5 },
      ...list('input_ids', 'INT32'),
      ...list('loss_mask', 'INT32'),
      { name: 'caption', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      ...list('image_codes', 'INT32'),
      { name: 'concept', type: 'INT32', repetition_type: 'OPTIONAL' },
    ],
  });
  return new Uint8Array(buf);
}

/** nanoGPT's meta.pkl: vocab_size and the layout facts its loader would otherwise guess (pickle.ts, protocol 2). */
export function nanoGptMeta(plan: VocabPlan, T: number, imageTokens: number): Uint8Array {
  const s = plan.special;
  return pickleDict({
    vocab_size: plan.vocabSize,
    sequence_length: T,
    text_vocab: plan.textVocab,
    image_offset: plan.imageOffset,
    image_codes: plan.imageCodes,
    image_tokens: imageTokens,
    bos: s.bos,
    boi: s.boi,
    eoi: s.eoi,
    pad: s.pad,
    dtype: 'uint16',
  });
}

/** README.md of the export: the dataset card (front matter for `datasets` and the Hub), then who reads which file. */
export function datasetCard(o: {
  name: string;
  plan: VocabPlan;
  T: number;
  imageTokens: number;
  train: number;
  val: number;
  command: string;
}): string {
  return [
    '---',
    'configs:',
    '  - config_name: default',
    '    data_files:',
    `      - split: train`,
    `        path: ${PARQUET_SPLITS.train}`,
    `      - split: validation`,
    `        path: ${PARQUET_SPLITS.validation}`,
    'license: mit',
    'task_categories:',
    '  - text-to-image',
    'tags:',
    '  - vq-vae',
    `  - arxiv:${PAPER.arxiv}`,
    '---',
    '',
    `# ${o.name}: captions and image codes, tokenized`,
    '',
    `The sequences of a Tabula Rasa experiment (a small replication of *${PAPER.title}*, arXiv:${PAPER.arxiv}): ${o.train} training and ${o.val} validation images, each a caption followed by its image as ${o.imageTokens} VQ-VAE codes, in one ${o.T}-id sequence \`<|bos|> caption <|pad|>… <|boi|> image <|eoi|>\`. Written by \`${o.command}\`.`,
    '',
    '## Columns (data/*.parquet)',
    '',
    `- \`input_ids\` — the ${o.T} ids of the sequence: text ids below ${o.plan.textVocab}, image code k as id ${o.plan.imageOffset} + k (vocabulary ${o.plan.vocabSize}; bos ${o.plan.special.bos}, boi ${o.plan.special.boi}, eoi ${o.plan.special.eoi}, pad ${o.plan.special.pad})`,
    `- \`loss_mask\` — ${o.T - 1} entries; entry t is 1 when predicting \`input_ids[t+1]\` is trained on (pads are not)`,
    '- `caption` — the caption text',
    `- \`image_codes\` — the image's ${o.imageTokens} VQ-VAE codes, row-major`,
    '- `concept` — the emoji concept (skin-tone variants share one; the split keeps them together); null for bring-your-own images',
    '',
    '## Who reads what',
    '',
    '| consumer | files |',
    '| --- | --- |',
    '| `datasets.load_dataset(EXPORT)` | `data/train-*.parquet`, `data/validation-*.parquet`, this card |',
    '| `scale/train.py` (transformers + accelerate) | `train.bin`, `val.bin`, their `.mask.bin`, `english_*.bin`, `order.bin`, `mix.bin`, `init/`, `experiment.json`, `meta.json`, `reference.csv` |',
    `| nanoGPT | \`train.bin\`, \`val.bin\` (uint16, rows of ${o.T} ids) and \`meta.pkl\` (\`vocab_size\` ${o.plan.vocabSize}); take windows at row starts (multiples of ${o.T}) so none straddles two sequences, and mask the loss with \`.mask.bin\` (bit 4) to skip the padding |`,
    "| the page and `npm run lm-eval` | `init/<arm>-s<seed>/` (GPT-2 layout checkpoints, which also open with transformers' Auto classes) |",
    '',
  ].join('\n');
}
