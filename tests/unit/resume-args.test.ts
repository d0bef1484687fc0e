// Resume and arguments (issue 11, kind 10): checkpoint folders replaced atomically, restore refusing missing,
// corrupt, incomplete and mixed-save files by name before touching the run, the run's flags saved and compared on
// --resume, metrics logs with a cut last line, and every command line refusing a bad --backend/--seed/--lr by name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GPT } from '../../src/core/nn/gpt';
import { Rng } from '../../src/core/nn/init';
import { PRESETS, type ExperimentConfig } from '../../src/core/experiment/config';
import { planVocab } from '../../src/core/experiment/extend';
import { ExperimentRunner } from '../../src/core/experiment/runner';
import { parseRunInfo, restoreRun, saveRun } from '../../src/core/experiment/resume';
import { writeSafetensors } from '../../src/core/checkpoint/safetensors';
import type { ExperimentData } from '../../src/core/experiment/data';
import { METRICS } from '../../src/core/metrics';
import {
  backendArg,
  completeCheckpointDir,
  escapeControls,
  numberArg,
  replaceDirAtomic,
  seedArg,
} from '../../src/cli/common';
import { checkResume, readPartialMetrics, runFlags } from '../../src/cli/resume-args';
import { useBackend } from './helpers/tf';

const run = promisify(execFile);
const enc = new TextEncoder();

function syntheticData(): ExperimentData {
  const rng = new Rng(1);
  const plan = planVocab(
    20,
    new Map([
      ['<|bos|>', 16],
      ['<|boi|>', 17],
      ['<|eoi|>', 18],
      ['<|pad|>', 19],
    ]),
    8,
  );
  const split = (n: number) => ({
    codes: Int32Array.from({ length: n * 4 }, () => rng.int(8)),
    captions: Array.from({ length: n }, () => Array.from({ length: 1 + rng.int(4) }, () => rng.int(16))),
    text: Array.from({ length: n }, (_, i) => `caption ${i}`),
    count: n,
  });
  const stream = (n: number) => Array.from({ length: n }, () => rng.int(16));
  return {
    plan,
    imageTokens: 4,
    train: split(24),
    val: split(6),
    english: { train: Int32Array.from(stream(400)), heldout: stream(60), ood: stream(60) },
  };
}
const lmConfig = {
  vocabSize: 20,
  nPositions: 16,
  nEmbd: 8,
  nLayer: 1,
  nHead: 2,
  layerNormEps: 1e-5,
  tieEmbeddings: true,
  initStd: 0.2,
};
const cfg: ExperimentConfig = {
  ...PRESETS.smoke,
  arms: ['pretrained-mix'],
  captionBudget: 4,
  batchSize: 4,
  steps: 4,
  evalEvery: 2,
  evalImages: 6,
  englishTokens: 40,
  warmupSteps: 1,
};

describe('restoring a run checks its files first', () => {
  let lm: GPT;
  let data: ExperimentData;
  let saved: Map<string, Uint8Array>;
  let earlier: Map<string, Uint8Array>;
  beforeAll(async () => {
    await useBackend('cpu');
    lm = new GPT(lmConfig, 5, 'ra-lm');
    data = syntheticData();
    const first = new ExperimentRunner(cfg, data, lm);
    await first.stepRun(first.runs[0]);
    earlier = saveRun(first.runs[0], data.plan);
    await first.stepRun(first.runs[0]);
    saved = saveRun(first.runs[0], data.plan);
    first.dispose();
  });
  afterAll(() => lm.dispose());

  const attempt = async (files: Map<string, Uint8Array>) => {
    const runner = new ExperimentRunner(cfg, data, lm);
    try {
      await restoreRun(runner, files, 'ck/pretrained-mix-s0');
      return { step: runner.runs[0].step, error: null as Error | null };
    } catch (e) {
      expect(runner.runs[0].step).toBe(0); // nothing restored on refusal
      return { step: 0, error: e as Error };
    } finally {
      runner.dispose();
    }
  };

  it('restores a whole checkpoint, and its config.json names token ids inside the vocabulary', async () => {
    expect((await attempt(saved)).step).toBe(2);
    const config = JSON.parse(new TextDecoder().decode(saved.get('config.json')!));
    expect(config).toMatchObject({ bos_token_id: 16, eos_token_id: 18, pad_token_id: 19 });
    for (const k of ['bos_token_id', 'eos_token_id', 'pad_token_id']) expect(config[k]).toBeLessThan(config.vocab_size);
  });

  it.each([
    [
      'a missing optimizer.safetensors',
      (f: Map<string, Uint8Array>) => f.delete('optimizer.safetensors'),
      /^ck\/pretrained-mix-s0\/optimizer\.safetensors: not found: the weights alone cannot continue a run/,
    ],
    [
      'a corrupt run.json',
      (f: Map<string, Uint8Array>) => f.set('run.json', enc.encode('{"arm": "pretrained-mix", "seed": 0, "st')),
      /^ck\/pretrained-mix-s0\/run\.json: is not valid JSON \(.*\); the checkpoint is damaged/,
    ],
    [
      'a run.json without "step"',
      (f: Map<string, Uint8Array>) =>
        f.set('run.json', enc.encode('{"arm": "pretrained-mix", "seed": 0, "tokens": 5}')),
      /^ck\/pretrained-mix-s0\/run\.json: field "step" is missing; it must be a non-negative integer/,
    ],
    [
      'a run.json with a NaN step',
      (f: Map<string, Uint8Array>) =>
        f.set('run.json', enc.encode('{"arm": "pretrained-mix", "seed": 0, "step": null, "tokens": 5}')),
      /field "step" is null/,
    ],
    [
      'a run of another experiment',
      (f: Map<string, Uint8Array>) =>
        f.set('run.json', enc.encode('{"arm": "scratch", "seed": 3, "step": 2, "tokens": 5, "stopped": null}')),
      /run\.json: run scratch seed 3 is not part of this experiment \(arms pretrained-mix, seeds 0\)/,
    ],
    [
      'new weights beside old moments (a kill mid-save)',
      (f: Map<string, Uint8Array>) => f.set('optimizer.safetensors', earlier.get('optimizer.safetensors')!),
      /^ck\/pretrained-mix-s0: files from different saves: run\.json says step 2, tabula\.json \(provenance\.step\) says step 2, optimizer\.safetensors \(metadata step\) says step 1/,
    ],
    [
      'an old run.json beside new weights',
      (f: Map<string, Uint8Array>) => f.set('run.json', earlier.get('run.json')!),
      /files from different saves: run\.json says step 1, tabula\.json \(provenance\.step\) says step 2/,
    ],
    [
      'moments missing for a parameter',
      (f: Map<string, Uint8Array>) => f.set('optimizer.safetensors', writeSafetensors([], { t: '2', step: '2' })),
      /optimizer\.safetensors: tensor "m\.transformer\.wte\.weight": missing \(every parameter needs its AdamW moments/,
    ],
  ])('refuses %s, naming the file', async (_, damage, message) => {
    const files = new Map(saved);
    damage(files);
    const { error } = await attempt(files);
    expect(error?.message).toMatch(message);
  });

  it('parseRunInfo accepts the fields saveRun writes and nothing less', () => {
    expect(parseRunInfo(enc.encode('{"arm":"a","seed":1,"step":3,"tokens":9,"stopped":null}'), 'r.json')).toEqual({
      arm: 'a',
      seed: 1,
      step: 3,
      tokens: 9,
      stopped: null,
    });
    expect(() => parseRunInfo(undefined, 'r.json')).toThrow(/^r\.json: not found/);
    expect(() => parseRunInfo(enc.encode('[1]'), 'r.json')).toThrow(/^r\.json: is not a JSON object/);
    expect(() => parseRunInfo(enc.encode('{"arm":"a","seed":-1,"step":3,"tokens":9}'), 'r.json')).toThrow(
      /field "seed" is -1/,
    );
  });
});

describe('checkpoint folders are replaced whole', () => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replaceDirAtomic leaves the new files and nothing else; an interrupted swap is recovered from <dir>.old', () => {
    const ck = join(dir, 'run-s0');
    replaceDirAtomic(
      ck,
      new Map([
        ['a', enc.encode('1')],
        ['b', enc.encode('1')],
      ]),
    );
    replaceDirAtomic(
      ck,
      new Map([
        ['a', enc.encode('2')],
        ['b', enc.encode('2')],
      ]),
    );
    expect(readdirSync(dir).sort()).toEqual(['run-s0']);
    expect(readFileSync(join(ck, 'a'), 'utf8')).toBe('2');
    expect(completeCheckpointDir(ck)).toBe(ck);
    // A kill after "old moved aside" and before "new moved in": only <dir>.old (complete) and <dir>.partial remain.
    rmSync(ck, { recursive: true });
    mkdirSync(`${ck}.old`);
    writeFileSync(join(`${ck}.old`, 'a'), '2');
    mkdirSync(`${ck}.partial`);
    expect(completeCheckpointDir(ck)).toBe(`${ck}.old`);
    replaceDirAtomic(ck, new Map([['a', enc.encode('3')]]));
    expect(readdirSync(dir).sort()).toEqual(['run-s0']);
    expect(completeCheckpointDir(join(dir, 'none'))).toBeNull();
  });
});

describe('--resume compares the flags that define the run', () => {
  const out = mkdtempSync(join(tmpdir(), 'resume-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const flags = runFlags(
    { ...PRESETS.smoke },
    { lm: 'public/models/lm-austen', vq: 'public/models/vq-twemoji32', trainVq: false },
  );

  it('refuses changed flags naming each, accepts the same ones (paths compared resolved)', () => {
    mkdirSync(join(out, 'checkpoints', 'pretrained-s0'), { recursive: true });
    writeFileSync(join(out, 'checkpoints', 'experiment.json'), JSON.stringify(flags));
    expect(() =>
      checkResume(
        out,
        runFlags(
          { ...PRESETS.smoke },
          { lm: './public/models/lm-austen', vq: 'public/models/vq-twemoji32', trainVq: false },
        ),
        true,
      ),
    ).not.toThrow();
    const other = runFlags(
      { ...PRESETS.smoke, seeds: 3, rowInit: 'mean' },
      { lm: 'public/models/lm-austen', vq: 'public/models/vq-twemoji32', trainVq: false, dataset: 'my-data' },
    );
    expect(() => checkResume(out, other, true)).toThrow(
      /^--resume with flags that change the run: --seeds 3 \(the run was started with --seeds 1\); --dataset .*my-data \(the run was started with no --dataset\); --row-init mean \(the run was started with --row-init random\)\. Resume with the original flags/,
    );
  });

  it('refuses to start afresh over saved checkpoints, and a corrupt record of the flags', () => {
    expect(() => checkResume(out, flags, false)).toThrow(
      /already holds checkpoints \(pretrained-s0\); continue that experiment with --resume, or pass another --out \(nothing was overwritten\)/,
    );
    writeFileSync(join(out, 'checkpoints', 'experiment.json'), '{"preset": ');
    expect(() => checkResume(out, flags, true)).toThrow(
      /checkpoints\/experiment\.json: is not a valid record of the run's flags/,
    );
    expect(() => checkResume(join(out, 'fresh'), flags, false)).not.toThrow();
  });

  it('reads the metrics log, dropping a cut last line and refusing a bad line elsewhere', () => {
    const file = join(out, 'metrics.partial.jsonl');
    const rec = (step: number) =>
      JSON.stringify({ arm: 'scratch', seed: 0, step, tokens: 1, metric: METRICS.trainLoss, value: 1.5 });
    const notes: string[] = [];
    writeFileSync(file, `${rec(1)}\n${rec(2)}\n{"arm": "scr`);
    expect(readPartialMetrics(file, (s) => notes.push(s)).map((r) => r.step)).toEqual([1, 2]);
    expect(notes[0]).toMatch(/dropped a cut last line \(line 3\)/);
    writeFileSync(file, `${rec(1)}\ngarbage\n${rec(2)}\n`);
    expect(() => readPartialMetrics(file, () => {})).toThrow(
      /metrics\.partial\.jsonl: line 2 is not a metric record \("garbage"\)/,
    );
    writeFileSync(file, `${rec(1).replace('1.5', 'null')}\n`);
    expect(readPartialMetrics(file, () => {})[0].value).toBeNaN();
  });
});

describe('command-line flags', () => {
  it('backendArg, seedArg and numberArg refuse by name', () => {
    expect(backendArg('cpu')).toBe('cpu');
    expect(() => backendArg('wsam')).toThrow(/^--backend must be wasm, cpu, webgpu, got "wsam"$/);
    expect(() => backendArg('webgl')).toThrow(/--backend must be/); // no WebGL in Node
    expect(seedArg('7')).toBe(7);
    for (const bad of ['-1', '1.5', 'x', '', '99999999999'])
      expect(() => seedArg(bad)).toThrow(/^--seed must be an integer in \[0, 2147483647\]/);
    expect(numberArg('3e-3', 'lr', 0, 1)).toBe(0.003);
    for (const bad of ['NaN', '0', '-1', '2', 'abc', '', 'Infinity'])
      expect(() => numberArg(bad, 'lr', 0, 1)).toThrow(/^--lr must be a number in \(0, 1\]/);
  });

  it('escapeControls shows control characters as escapes', () => {
    expect(escapeControls('merge 1 (Ġ t\r) \u001b[31m\tx\u0085')).toBe('merge 1 (Ġ t\\r) \\u001b[31m\\tx\\u0085');
  });

  // Every entry point refuses before loading anything: exit 2, one line naming the flag, no stack trace.
  it.each([
    [
      'replicate',
      ['--preset', 'smoke', '--out', '/tmp/never', '--backend', 'wsam'],
      /^replicate: --backend must be wasm, cpu, webgpu, got "wsam"$/,
    ],
    [
      'replicate',
      ['--preset', 'smoke', '--out', '/tmp/never', '--stop-at', '0'],
      /^replicate: --stop-at must be an integer in \[1, 6\], got 0$/,
    ],
    [
      'replicate',
      ['--preset', 'smoke', '--out', '/tmp/never', '--frobnicate'],
      /^replicate: Unknown option '--frobnicate'.*; usage: npm run replicate/,
    ],
    [
      'pretrain',
      ['--backend', 'gpu', '--out', '/tmp/never'],
      /^pretrain: --backend must be wasm, cpu, webgpu, got "gpu"$/,
    ],
    ['pretrain', ['--lr', 'NaN', '--out', '/tmp/never'], /^pretrain: --lr must be a number in \(0, 1\], got "NaN"$/],
    [
      'pretrain',
      ['--seed', '1.5', '--out', '/tmp/never'],
      /^pretrain: --seed must be an integer in \[0, 2147483647\], got 1\.5$/,
    ],
    [
      'train-vq',
      ['--backend', 'wams', '--out', '/tmp/never'],
      /^train-vq: --backend must be wasm, cpu, webgpu, got "wams"$/,
    ],
    ['train-vq', ['--seed', 'abc', '--out', '/tmp/never'], /^train-vq: --seed must be an integer/],
    ['train-vq', ['--lr', '0', '--out', '/tmp/never'], /^train-vq: --lr must be a number in \(0, 1\], got "0"$/],
    [
      'vq-eval',
      ['--checkpoint', 'public/models/vq-twemoji32', '--backend', 'tpu'],
      /^vq-eval: --backend must be wasm, cpu, webgpu, got "tpu"$/,
    ],
    [
      'lm-eval',
      ['--checkpoint', 'public/models/lm-austen', '--ids-file', 'x', '--backend', 'wasn'],
      /^lm-eval: --backend must be wasm, cpu, webgpu, got "wasn"$/,
    ],
    ['bench', ['--json', '--backend', 'gpu'], /^bench: --backend must be wasm, cpu, webgpu, got "gpu"$/],
    ['train-tokenizer', ['--vocab', '10'], /^train-tokenizer: --vocab must be an integer in \[512, 8192\], got 10$/],
  ])('%s %j', async (cli, args, message) => {
    const r = await run('node', ['--import', 'tsx', `src/cli/${cli}.ts`, ...args]).then(
      () => ({ code: 0, stderr: '' }),
      (e) => e as { code: number; stderr: string },
    );
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(existsSync('/tmp/never')).toBe(false);
  });
});
