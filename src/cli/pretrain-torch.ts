// The PyTorch engine of `npm run pretrain -- --engine torch`: hands the encoded corpora to scale/pretrain.py
// (transformers' GPT2LMHeadModel), which writes model.safetensors + config.json and the held-out NLL by sliding windows.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configToHF, specialTokenIds } from '../core/checkpoint/gpt2';
import type { GPTConfig } from '../core/nn/gpt';

export interface TorchJob {
  config: GPTConfig;
  special: Record<string, number>;
  seed: number;
  steps: number;
  batch: number;
  lr: number;
  warmup: number;
  /** Training streams, each with its sampling share (the shares sum to 1). */
  train: { id: string; ids: Int32Array; weight: number }[];
  /** Validation streams (kept out of training) for the convergence curve. */
  val: { id: string; ids: Int32Array }[];
  /** Held-out streams: measured at the end, never trained on. */
  heldout: { id: string; ids: Int32Array }[];
  evalEvery: number;
}

export interface TorchResult {
  seconds: number;
  torch: string;
  threads: number;
  curve: { step: number; tokens: number; train_loss: number; val_loss: number; seconds: number }[];
  weight_scale: Record<string, number>;
  heldout: Record<string, { tokens: number; lm_nll: number; first_window_nll: number }>;
}

/**
 * Runs scale/pretrain.py with `python` on the job (streams as int32 little-endian files in a temporary folder, one
 * thread), writing the weights and config.json into `out`. Returns its result.json.
 * @throws when Python cannot be started or the script fails (its own message is on stderr)
 */
export function runTorchPretrain(job: TorchJob, out: string, python: string): TorchResult {
  const work = mkdtempSync(join(tmpdir(), 'tabula-pretrain-'));
  try {
    const file = (kind: string, id: string, ids: Int32Array) => {
      const name = `${kind}-${id}.bin`;
      writeFileSync(join(work, name), new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength));
      return name;
    };
    const spec = {
      config: configToHF(job.config, specialTokenIds(job.config.vocabSize, job.special)),
      seed: job.seed,
      steps: job.steps,
      batch: job.batch,
      lr: job.lr,
      warmup: job.warmup,
      min_lr_ratio: 0.1,
      weight_decay: 0.1,
      beta2: 0.99,
      eval_every: job.evalEvery,
      threads: 1,
      train: job.train.map((s) => ({ id: s.id, file: file('train', s.id, s.ids), weight: s.weight })),
      val: job.val.map((s) => ({ id: s.id, file: file('val', s.id, s.ids) })),
      heldout: job.heldout.map((s) => ({ id: s.id, file: file('heldout', s.id, s.ids) })),
    };
    writeFileSync(join(work, 'job.json'), JSON.stringify(spec, null, 2));
    const r = spawnSync(python, ['scale/pretrain.py', '--job', join(work, 'job.json'), '--out', out], {
      stdio: 'inherit',
    });
    if (r.error)
      throw new Error(
        `${python}: cannot be started (${(r.error as NodeJS.ErrnoException).code}); pass --python with a Python that has torch and transformers (scale/requirements.txt)`,
      );
    if (r.status !== 0) throw new Error(`scale/pretrain.py exited with status ${r.status}`);
    return JSON.parse(readFileSync(join(work, 'result.json'), 'utf8')) as TorchResult;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
