/**
 * The experiment as files for a PyTorch / Hugging Face run on a GPU cluster (`npm run export`, read by
 * `scale/train.py`): the tokenized sequences and their loss masks in nanoGPT's layout, the held-out English streams,
 * the exact batch order, every arm's initial weights in the GPT-2 layout, the configuration, and the step-0
 * reference losses this implementation computes, so the cluster run can check it starts where the browser starts.
 *
 * Files (all little-endian, row-major):
 *   train.bin, val.bin            uint16 [n, T]      ids of `<|bos|> caption <|pad|>… <|boi|> image <|eoi|>` (sequences.ts)
 *   train.mask.bin, val.mask.bin  uint8  [n, T−1]    per prediction (entry t concerns ids[t+1]): bit 1 text, 2 image, 4 loss
 *   english_train.bin, english_heldout.bin, english_ood.bin   uint16 streams (Austen pre-training text, Persuasion, Moby-Dick)
 *   order.bin                     uint32 [seeds, steps, B]        training-image indices of each step's batch (every arm of a seed)
 *   mix.bin                       uint16 [seeds, steps, nMix, T]  the English windows that replace the last nMix rows of each
 *                                                                 pretrained-mix batch (only with that arm)
 *   init/<arm>-s<seed>/           GPT-2 layout checkpoints (config.json, model.safetensors, tabula.json, the hub files)
 *   sweep/…                       with --lr-sweep: the sweep's own split and batch order (export-sweep.ts)
 *   reference.csv                 this implementation's step-0 evaluation of one run of each sequence layout (the
 *                                 first arm's seed 0; the first image-only arm's seed 0) and step-1 training losses
 *                                 of every run (runs differ only in initial weights and batches, which step 1 checks)
 *   experiment.json, meta.json, captions.json
 *   data/{train,validation}-*.parquet, README.md, meta.pkl   for datasets.load_dataset and nanoGPT (export-datasets.ts)
 * The image-only arms read the same files: their sequence is the captioned one without the caption (ids[0] then
 * ids[1 + captionBudget:], masks[captionBudget:] with the text bit cleared).
 */
import * as tf from '../tf';
import { firstImagePosition, sequenceLength, type SequenceBatch } from '../data/sequences';
import type { GPT } from '../nn/gpt';
import { maskedMean } from '../nn/ops';
import { METRICS } from '../metrics';
import { HFTokenizer } from '../tokenize/hf';
import { isEvalStep, lrFor, type ExperimentConfig } from './config';
import { datasetCard, nanoGptMeta, parquetSplit, PARQUET_SPLITS } from './export-datasets';
import { sequenceSpec, type ExperimentData } from './data';
import type { AlignedRows } from './prepare';
import { saveRunWeights } from './resume';
import { ExperimentRunner, type MetricRecord, type Run } from './runner';
import type { SweepResult } from './sweep';
import type { ExportSweepPlan, SweepExport } from './export-sweep';
import { batchFiles, MASK_BITS, splitFiles, uint16, UINT16_MAX } from './export-layout';

export const EXPORT_FORMAT = 'tabula-scale-export';
export const EXPORT_VERSION = 1;
/** What the exporter knows only from outside the core (paths, hashes, the command). */
export interface ExportSources {
  command: string;
  /** Dataset name and a SHA-256 of each file it was read from. */
  dataset: { name: string; files: Record<string, string> };
  lm: { path: string; files: Record<string, string> };
  vq: { path: string; files: Record<string, string> };
  /** English text files (path → SHA-256). */
  english: Record<string, string>;
  /** Tokenizer files copied into every initial checkpoint (name → bytes). */
  tokenizerFiles: Map<string, Uint8Array>;
}

/** The sweep of `replicate --lr-sweep`, if the setup asks for one (setup-flags.ts). */
export type SweepPlan = ExportSweepPlan;

/** The LM's tokenizer as tokenizer.json text: the file itself, else the one its vocab.json + merges.txt make (hf.ts). */
function lmTokenizerJson(files: Map<string, Uint8Array>): string | undefined {
  const text = (f: string) => (files.has(f) ? new TextDecoder().decode(files.get(f)) : undefined);
  const tj = text('tokenizer.json'),
    vocab = text('vocab.json'),
    merges = text('merges.txt');
  if (tj !== undefined) return tj;
  return vocab !== undefined && merges !== undefined
    ? HFTokenizer.fromVocabMerges(vocab, merges).toTokenizerJson()
    : undefined;
}

/** Step-1 training losses of a run: its first batch through its initial weights (what the runner logs at step 1). */
function firstStepRecords(run: Run, b: SequenceBatch): MetricRecord[] {
  const [loss, text, image] = tf.tidy(() => {
    const nll = run.model.nll(tf.tensor2d(b.ids, [b.B, b.T], 'int32'));
    const m = (x: Float32Array) => maskedMean(nll, tf.tensor2d(x, [b.B, b.T - 1]));
    return [m(b.loss), m(b.text), m(b.image)].map((t) => t.dataSync()[0]);
  });
  const tokens = b.loss.reduce((a, v) => a + v, 0);
  const rec = (metric: string, value: number): MetricRecord => ({
    arm: run.arm.name,
    seed: run.seed,
    step: 1,
    tokens,
    metric,
    value,
  });
  return [
    rec(METRICS.trainLoss, loss),
    ...(run.arm.imageOnly ? [] : [rec(METRICS.trainTextLoss, text)]),
    rec(METRICS.trainImageLoss, image),
  ];
}

/** The steps at which a run of `cfg` is evaluated, 0 included (config.ts isEvalStep). */
export function evalSteps(cfg: Pick<ExperimentConfig, 'evalEvery' | 'steps'>): number[] {
  const out = [0];
  for (let s = 1; s <= cfg.steps; s++) if (isEvalStep(s, cfg)) out.push(s);
  return out;
}

export interface BuiltExport {
  /** Path inside the export folder → bytes. */
  files: Map<string, Uint8Array>;
  /** The reference records also written as reference.csv. */
  reference: MetricRecord[];
}

/**
 * Build the export of `cfg` on prepared data. The initial weights, the batch order and the reference losses come
 * from an ExperimentRunner built exactly as `npm run replicate` builds it (for as many seeds and steps as the main
 * run and the sweep need). `log` hears progress. Throws when a vocabulary exceeds uint16.
 */
export async function buildExport(
  cfg: ExperimentConfig,
  data: ExperimentData,
  lm: GPT,
  alignedRows: AlignedRows,
  sweep: SweepPlan | null,
  /** The recorded sweep the rates came from (--lr-from), carried into the cluster run's report. */
  recordedSweep: SweepResult | null,
  tokens: number | null,
  src: ExportSources,
  metricsCsv: (records: MetricRecord[]) => string,
  log: (s: string) => void = () => {},
  /** The sweep's own files (export-sweep.ts sweepExport), written under sweep/ when `sweep` is set. */
  sweepFiles: SweepExport | null = null,
): Promise<BuiltExport> {
  const { plan } = data;
  if (plan.vocabSize - 1 > UINT16_MAX)
    throw new Error(
      `the extended vocabulary has ${plan.vocabSize} ids; nanoGPT's uint16 files hold at most ${UINT16_MAX + 1}`,
    );
  const enc = new TextEncoder();
  const json = (v: unknown) => enc.encode(JSON.stringify(v, null, 2) + '\n');
  const files = new Map<string, Uint8Array>();
  const spec = sequenceSpec(data, cfg.captionBudget, false);
  const T = sequenceLength(spec);

  log(`sequences: ${data.train.count} train, ${data.val.count} held out, ${T} ids each`);
  for (const [name, split] of [
    ['train', data.train],
    ['val', data.val],
  ] as const) {
    const f = splitFiles(spec, split, data.imageTokens);
    files.set(`${name}.bin`, f.ids);
    files.set(`${name}.mask.bin`, f.mask);
  }
  files.set('english_train.bin', uint16(data.english.train, 'english_train'));
  files.set('english_heldout.bin', uint16(data.english.heldout, 'english_heldout'));
  files.set('english_ood.bin', uint16(data.english.ood, 'english_ood'));
  files.set('captions.json', json({ train: data.train.text, val: data.val.text }));
  // For datasets.load_dataset and nanoGPT (export-datasets.ts).
  files.set(PARQUET_SPLITS.train, parquetSplit(spec, data.train, data.imageTokens));
  files.set(PARQUET_SPLITS.validation, parquetSplit(spec, data.val, data.imageTokens));
  files.set('meta.pkl', nanoGptMeta(plan, T, data.imageTokens));
  files.set(
    'README.md',
    enc.encode(
      datasetCard({
        name: src.dataset.name,
        plan,
        T,
        imageTokens: data.imageTokens,
        train: data.train.count,
        val: data.val.count,
        command: src.command,
      }),
    ),
  );

  // The runner replicate would build, for every seed and step the main run and the sweep use.
  const seeds = Math.max(cfg.seeds, sweep?.seeds ?? 0);
  const steps = Math.max(cfg.steps, sweep?.steps ?? 0);
  const runner = new ExperimentRunner({ ...cfg, seeds }, data, lm, {}, alignedRows);
  try {
    // Step 0 is evaluated for one run of each sequence layout (the captioned one, and the image-only arms' when the
    // setup has one): the evaluation's code path differs between arms only by the layout, and every run's initial
    // weights and batches are checked by its step-1 training losses. An evaluation over every held-out image and
    // both English streams costs as much as a training round of its run, so this keeps the reference one or two
    // evaluations however many arms and seeds.
    const firstSeeds = [false, true]
      .map((imageOnly) => runner.runs.find((run) => run.seed === 0 && run.arm.imageOnly === imageOnly))
      .filter((run) => run !== undefined);
    log(
      `reference: evaluating ${firstSeeds.map((run) => `${run.arm.name} s0`).join(' and ')} at step 0 (one run of each sequence layout)`,
    );
    const reference: MetricRecord[] = [];
    for (const run of firstSeeds) reference.push(...(await runner.evalRun(run)));
    const B = Math.min(cfg.batchSize, data.train.count);
    const batches = batchFiles(runner, seeds, steps, B, T, (run, batch, seed) => {
      if (seed < cfg.seeds) reference.push(...firstStepRecords(run, batch));
    });
    const nMix = batches.nMix;
    files.set('order.bin', batches.order);
    if (sweep && sweepFiles) for (const [name, bytes] of sweepFiles.files) files.set(name, bytes);
    if (batches.mix) files.set('mix.bin', batches.mix);
    const kept = reference.filter((r) => r.seed < cfg.seeds);
    files.set('reference.csv', enc.encode(metricsCsv(kept)));

    log(`initial weights: ${runner.runs.length} checkpoint(s)`);
    const tokenizerJson = lmTokenizerJson(src.tokenizerFiles);
    for (const run of runner.runs) {
      const dir = `init/${run.arm.name}-s${run.seed}`;
      // The layout of the browser's own run checkpoints (resume.ts), step 0.
      // With the hub files (hub-files.ts): tokenizer.json extended by the image codes, its configs, the model card.
      for (const [name, bytes] of saveRunWeights(run, plan, tokenizerJson)) files.set(`${dir}/${name}`, bytes);
      for (const [name, bytes] of src.tokenizerFiles) if (name !== 'tokenizer.json') files.set(`${dir}/${name}`, bytes);
    }

    files.set(
      'experiment.json',
      json({
        format: EXPORT_FORMAT,
        version: EXPORT_VERSION,
        /** Every field of the configuration, as replicate would run it. */
        config: cfg,
        arms: cfg.arms.map((name) => {
          const run = runner.runs.find((r) => r.arm.name === name)!;
          return {
            ...run.arm,
            lr: lrFor(cfg, name),
            checkpoints: [...Array(seeds).keys()].map((s) => `init/${name}-s${s}`),
          };
        }),
        /** The verdicts' equivalence margin, nats per token, declared before the run (config.margin). */
        margin: cfg.margin,
        evalSteps: evalSteps(cfg),
        optimizer: {
          name: 'AdamW',
          beta1: 0.9,
          beta2: 0.99,
          eps: 1e-8,
          clipNorm: 1,
          minLrRatio: 0.1,
          wsdDecayFraction: 0.2,
          noDecay: 'biases, LayerNorms, token and position embeddings (optim.ts isNoDecay)',
          frozenTrains: 'wte, wpe, ln_1, ln_2, ln_f, lm_head (config.ts trainableInFrozenArm)',
        },
        sweep: sweep && {
          ...sweep,
          steps: sweepFiles?.steps ?? sweep.steps,
          warmupSteps: Math.min(cfg.warmupSteps, Math.floor((sweepFiles?.steps ?? sweep.steps) / 5)),
          /** fair: the protocol scale/lr_sweep.py follows (sweep.ts fairSweep); null for a fixed grid. */
          protocol: sweepFiles?.protocol ?? null,
          /** The selection split the rates are scored on (meta.json sweep); absent: the evaluation images. */
          selection: sweepFiles?.meta.selection ?? null,
          criterion: METRICS.valLoss,
        },
        recordedSweep,
        tokens,
        /** The metric keys of src/core/metrics.ts by name: the trainer writes these, and refuses keys it cannot compute. */
        metrics: METRICS,
        batchSeeds: seeds,
        batchSteps: steps,
      }),
    );
    files.set(
      'meta.json',
      json({
        format: EXPORT_FORMAT,
        version: EXPORT_VERSION,
        command: src.command,
        vocabSize: plan.vocabSize,
        textVocab: plan.textVocab,
        special: plan.special,
        appendedSpecials: plan.appendedSpecials,
        image: {
          offset: plan.imageOffset,
          count: plan.imageCodes,
          tokens: data.imageTokens,
          firstPosition: firstImagePosition(spec),
        },
        sequence: {
          length: T,
          captionBudget: cfg.captionBudget,
          captionLevel: cfg.captionLevel,
          imageOnlyLength: sequenceLength({ ...spec, imageOnly: true }),
        },
        maskBits: MASK_BITS,
        dtype: { ids: 'uint16', mask: 'uint8', order: 'uint32', endianness: 'little' },
        train: { file: 'train.bin', mask: 'train.mask.bin', sequences: data.train.count },
        val: { file: 'val.bin', mask: 'val.mask.bin', sequences: data.val.count },
        english: {
          train: {
            file: 'english_train.bin',
            tokens: data.english.train.length,
            text: 'Austen, the five pre-training novels',
          },
          heldout: {
            file: 'english_heldout.bin',
            tokens: data.english.heldout.length,
            text: 'Persuasion (held out, in-domain)',
          },
          ood: {
            file: 'english_ood.bin',
            tokens: data.english.ood.length,
            text: 'Moby-Dick (held out, out-of-domain)',
          },
          sources: src.english,
        },
        batches: {
          order: 'order.bin',
          shape: [seeds, steps, B],
          mix: nMix > 0 ? { file: 'mix.bin', shape: [seeds, steps, nMix, T] } : null,
        },
        /** The LR sweep's own sequences and batch order (export-sweep.ts); null without a sweep. */
        sweep: sweepFiles?.meta ?? null,
        dataset: src.dataset,
        lm: { ...src.lm, config: lm.config },
        vq: src.vq,
      }),
    );
    return { files, reference: kept };
  } finally {
    runner.dispose();
  }
}
