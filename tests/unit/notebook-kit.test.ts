// The notebook kit (issue 25), where Python has torch, transformers, pandas and PIL (SCALE_PYTHON, default python3;
// else skipped with the reason): scale/vq_decoder.py gives the TypeScript decoder's pixels (within float32 noise) on
// the shipped public/models/vq-twemoji32; scale/runs.py reads a run folder into pandas with metrics.csv's values and
// report.json's verdicts; scale/notebook.ipynb runs cell by cell on that folder and writes decoded samples.
// CITATION.cff names the paper with its arXiv id (checked here on every machine).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/core/tf';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveGPT2 } from '../../src/core/checkpoint/gpt2';
import { loadVQ } from '../../src/core/checkpoint/vq';
import { PRESETS, type ExperimentConfig } from '../../src/core/experiment/config';
import { planVocab } from '../../src/core/experiment/extend';
import { metricsCsv } from '../../src/core/experiment/metrics-csv';
import { buildReport } from '../../src/core/experiment/report';
import { GPT } from '../../src/core/nn/gpt';
import { Rng } from '../../src/core/nn/init';
import { HFTokenizer } from '../../src/core/tokenize/hf';
import { dirSource } from '../../src/cli/common';
import { baseCaption, baseImage, syntheticRecords } from './helpers/synthetic-run';
import { useBackend } from './helpers/tf';

const PY = process.env.SCALE_PYTHON ?? 'python3';
const pyCheck = spawnSync(PY, ['-c', 'import torch, transformers, pandas, PIL, safetensors'], { encoding: 'utf8' });
const WHY = `${PY} cannot import torch, transformers, pandas, PIL and safetensors (${(pyCheck.stderr ?? String(pyCheck.error ?? '')).trim().split('\n').pop()}); set SCALE_PYTHON to a python with scale/requirements.txt and pandas to run this check`;
const py = (script: string, env: Record<string, string> = {}) => {
  const r = spawnSync(PY, ['-c', script], {
    encoding: 'utf8',
    env: { ...process.env, HF_HUB_OFFLINE: '1', ...env },
    maxBuffer: 64 * 2 ** 20,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
};

let dir = '';
beforeAll(() => useBackend('cpu'));
afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

describe('CITATION.cff', () => {
  it('cites this project and the paper (arXiv 2311.16201)', () => {
    const cff = readFileSync('CITATION.cff', 'utf8');
    expect(cff).toMatch(/^cff-version: 1\.2\.0$/m);
    expect(cff).toMatch(/^title: "Tabula Rasa/m);
    expect(cff).toContain('title: "Pre-trained Language Models Do Not Help Auto-regressive Text-to-Image Generation"');
    expect(cff).toContain('value: "arXiv:2311.16201"');
  });
});

describe('the notebook kit', () => {
  it("the PyTorch VQ decoder gives the TypeScript decoder's pixels on the shipped tokenizer", async (ctx) => {
    if (pyCheck.status !== 0) ctx.skip(WHY);
    const { model } = await loadVQ(await dirSource('public/models/vq-twemoji32'));
    const rng = new Rng(5);
    const codes = Array.from({ length: 4 * 64 }, () => rng.int(512));
    const ts = tf.tidy(() => Array.from(model.decode(tf.tensor3d(codes, [4, 8, 8], 'int32')).dataSync()));
    model.dispose();
    dir ||= await mkdtemp(join(tmpdir(), 'nb-'));
    await writeFile(join(dir, 'codes.json'), JSON.stringify(codes));
    const out = py(
      [
        'import json, sys, torch',
        'sys.path.insert(0, "scale")',
        'from vq_decoder import VQDecoder',
        `codes = json.load(open(${JSON.stringify(join(dir, 'codes.json'))}))`,
        'px = VQDecoder.load("public/models/vq-twemoji32").decode(torch.tensor(codes).view(4, 8, 8))',
        'print(json.dumps({"shape": list(px.shape), "px": px.flatten().tolist()}))',
      ].join('\n'),
    );
    expect(out.shape).toEqual([4, 32, 32, 3]);
    let worst = 0;
    ts.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - out.px[i]))));
    expect(worst).toBeLessThan(1e-5);
    expect(new Set(ts.map((v) => Math.round(v * 10))).size).toBeGreaterThan(5); // real pictures, not one flat colour
  });

  it('reads a run into pandas and runs the example notebook on it, drawing decoded samples', async (ctx) => {
    if (pyCheck.status !== 0) ctx.skip(WHY);
    dir ||= await mkdtemp(join(tmpdir(), 'nb-'));
    const runDir = join(dir, 'run');
    // The run: made-up curves (the verdicts' known truth) and a captioned arm's checkpoint of the real vocabulary.
    const syn = {
      seeds: 3,
      steps: 60,
      evalEvery: 15,
      tokensPerStep: 1200,
      noise: 0.01,
      arms: {
        pretrained: { image: baseImage, caption: (x: number) => baseCaption(x) - 1, english: () => 4.2 },
        scratch: { image: baseImage, caption: baseCaption, english: (x: number) => 7 - x },
      },
    };
    const records = syntheticRecords(syn).map((r, i) => ({ ...r, wallTime: 1_764_000_000 + i / 8 }));
    const cfg: ExperimentConfig = {
      ...PRESETS.smoke,
      arms: ['pretrained', 'scratch'],
      seeds: 3,
      steps: 60,
      evalEvery: 15,
      captionBudget: 16,
    };
    const report = buildReport(cfg, records);
    await mkdir(join(runDir, 'checkpoints', 'pretrained-s0'), { recursive: true });
    await writeFile(join(runDir, 'metrics.csv'), metricsCsv(records));
    await writeFile(join(runDir, 'report.json'), JSON.stringify(report));
    const tj = readFileSync('public/models/lm-austen/tokenizer.json', 'utf8');
    const tok = HFTokenizer.fromTokenizerJson(tj);
    const plan = planVocab(tok.vocabSize, tok.special, 512);
    const gpt = new GPT(
      {
        vocabSize: plan.vocabSize,
        nPositions: 96,
        nEmbd: 16,
        nLayer: 1,
        nHead: 2,
        layerNormEps: 1e-5,
        tieEmbeddings: true,
        initStd: 0.5,
      },
      3,
    );
    const s = plan.special;
    for (const [name, bytes] of saveGPT2(
      gpt,
      {
        specialTokens: { '<|bos|>': s.bos, '<|boi|>': s.boi, '<|eoi|>': s.eoi, '<|pad|>': s.pad },
        imageTokens: { offset: plan.imageOffset, count: plan.imageCodes },
        provenance: { arm: 'pretrained', seed: 0, step: 60 },
      },
      tj,
    ))
      await writeFile(join(runDir, 'checkpoints', 'pretrained-s0', name), bytes);
    gpt.dispose();

    const read = py(
      [
        'import json, sys',
        'sys.path.insert(0, "scale")',
        'from runs import read_run, curves, verdicts',
        `run = ${JSON.stringify(runDir)}`,
        'df = read_run(run); c = curves(df, "val/image_loss"); v = verdicts(run)',
        'print(json.dumps({"rows": len(df), "cols": list(df.columns), "sum": float(df["value"].sum()), "t0": df["wall_time"].iloc[0].isoformat(), "curve": [list(c.columns), len(c)], "verdicts": v["verdict"].to_dict(), "means": v["mean"].to_dict()}))',
      ].join('\n'),
    );
    expect(read.rows).toBe(records.length);
    expect(read.cols).toEqual(['arm', 'seed', 'step', 'tokens', 'metric', 'value', 'wall_time']);
    expect(read.sum).toBeCloseTo(
      records.reduce((a, r) => a + r.value, 0),
      6,
    );
    expect(read.t0).toBe('2025-11-24T16:00:00+00:00'); // 1,764,000,000 s after the epoch
    expect(read.curve).toEqual([['pretrained', 'scratch'], 5]); // steps 0, 15, 30, 45, 60
    expect(read.verdicts).toEqual(Object.fromEntries(Object.entries(report.effects).map(([k, e]) => [k, e.verdict])));
    for (const [k, e] of Object.entries(report.effects)) expect(read.means[k], k).toBeCloseTo(e.diff.mean, 9);

    // The notebook, each code cell in order, as a kernel would run them.
    const nb = JSON.parse(readFileSync('scale/notebook.ipynb', 'utf8')) as {
      cells: { cell_type: string; source: string[] }[];
    };
    const code = nb.cells.filter((c) => c.cell_type === 'code').map((c) => c.source.join(''));
    await writeFile(join(dir, 'cells.json'), JSON.stringify(code));
    const ran = py(
      [
        'import json',
        `cells = json.load(open(${JSON.stringify(join(dir, 'cells.json'))}))`,
        'ns = {}',
        'for c in cells: exec(compile(c, "notebook", "exec"), ns)',
        'print(json.dumps({"codes": ns["codes"], "size": list(ns["grid"].size), "colours": len(set(ns["grid"].getdata()))}))',
      ].join('\n'),
      { TABULA_RUN: runDir },
    );
    expect(ran.codes.length).toBe(3);
    for (const c of ran.codes)
      expect(c.length === 64 && c.every((k: number) => Number.isInteger(k) && k >= 0 && k < 512)).toBe(true);
    expect(ran.size).toEqual([3 * 32 * 4, 32 * 4]);
    expect(ran.colours).toBeGreaterThan(10);
    // The samples' codes decode to the pixels the TypeScript decoder gives them.
    const { model } = await loadVQ(await dirSource('public/models/vq-twemoji32'));
    const ts = tf.tidy(() => Array.from(model.decode(tf.tensor3d(ran.codes.flat(), [3, 8, 8], 'int32')).dataSync()));
    model.dispose();
    const png = py(
      [
        'import json',
        'from PIL import Image',
        `im = Image.open(${JSON.stringify(join(runDir, 'samples.png'))}).convert("RGB")`,
        'print(json.dumps([list(im.getpixel((4 * x + 1, 4 * y + 1))) for y in range(32) for x in range(96)]))',
      ].join('\n'),
    );
    let worst = 0;
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 96; x++) {
        const b = Math.floor(x / 32);
        for (let ch = 0; ch < 3; ch++)
          worst = Math.max(
            worst,
            Math.abs(png[y * 96 + x][ch] - Math.round(ts[((b * 32 + y) * 32 + (x % 32)) * 3 + ch] * 255)),
          );
      }
    expect(worst).toBeLessThanOrEqual(1); // 8-bit rounding of float32 noise
  }, 300_000);
});
