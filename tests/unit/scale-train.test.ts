// The scale-out path end to end, where Python can import torch, transformers and accelerate (SCALE_PYTHON, default
// python3; otherwise the test says so and skips — the export checks in export.test.ts still run): one export, then
// `npm run replicate` and `scale/train.py` on the same setup for a few steps, compared metric by metric (the LR sweep,
// every arm kind, step-0 evaluation, training losses, AdamW steps); two data-parallel processes give the same numbers
// as one; `npm run report` turns the cluster run into the report the browser's records give; a cluster-trained
// checkpoint loads here and samples images. scale/compare.py (standard library only) is checked wherever python3 runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadGPT2 } from '../../src/core/checkpoint/gpt2';
import { loadVQ } from '../../src/core/checkpoint/vq';
import { sequenceSpec } from '../../src/core/experiment/data';
import { metricsCsv, parseMetricsCsv } from '../../src/core/experiment/metrics-csv';
import { buildReport } from '../../src/core/experiment/report';
import type { MetricRecord } from '../../src/core/experiment/runner';
import { sampleImages } from '../../src/core/experiment/samples';
import { dirSource } from '../../src/cli/common';
import { exportData, readExport } from './helpers/export-files';
import { useBackend } from './helpers/tf';

const run = promisify(execFile);
const PY = process.env.SCALE_PYTHON ?? 'python3';
const hasPython = spawnSync('python3', ['--version']).status === 0;
const torchCheck = spawnSync(PY, ['-c', 'import torch, transformers, accelerate'], { encoding: 'utf8' });
const hasTorch = torchCheck.status === 0;
const WHY = `${PY} cannot import torch, transformers and accelerate (${(torchCheck.stderr ?? String(torchCheck.error ?? '')).trim().split('\n').pop()}); pip install -r scale/requirements.txt into a virtualenv and set SCALE_PYTHON to its python to run this test`;
const SETUP = [
  '--preset',
  'smoke',
  '--arms',
  'pretrained,scratch,pretrained-frozen,image-only-scratch,pretrained-mix',
  '--lr-sweep',
  '0.001,0.003',
  '--sweep-steps',
  '2',
  '--sweep-seeds',
  '1',
];
const STEPS = 3;
const key = (r: MetricRecord) => `${r.arm}|${r.seed}|${r.step}|${r.metric}`;
/** Every (arm, seed, step, metric) both hold, except timing and memory: the largest |difference| and where. */
function worstDiff(a: MetricRecord[], b: MetricRecord[]): { shared: number; worst: number; at: string } {
  const other = new Map(b.map((r) => [key(r), r.value]));
  let shared = 0,
    worst = 0,
    at = '';
  for (const r of a) {
    if (/^(speed|mem)\//.test(r.metric) || !other.has(key(r))) continue;
    shared++;
    const d = Math.abs(other.get(key(r))! - r.value);
    if (!(d <= worst)) [worst, at] = [d, key(r)];
  }
  return { shared, worst, at };
}

let dir = '';
afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

describe('scale/compare.py', () => {
  it('passes equal runs and fails a difference beyond the tolerance, naming the metric', async (ctx) => {
    if (!hasPython) ctx.skip('no python3 on this machine');
    dir ||= await mkdtemp(join(tmpdir(), 'scale-'));
    const recs: MetricRecord[] = [0, 1].flatMap((step) =>
      ['val/image_loss', 'speed/step_ms'].map((metric) => ({
        arm: 'pretrained',
        seed: 0,
        step,
        tokens: 10 * step,
        metric,
        value: 5 - step,
      })),
    );
    await writeFile(join(dir, 'a.csv'), metricsCsv(recs));
    await writeFile(
      join(dir, 'b.csv'),
      metricsCsv(
        recs.map((r) => (r.metric === 'speed/step_ms' ? { ...r, value: 99 } : { ...r, value: r.value + 4e-4 })),
      ),
    );
    await writeFile(
      join(dir, 'c.csv'),
      metricsCsv(
        recs.map((r) => (r.step === 1 && r.metric === 'val/image_loss' ? { ...r, value: r.value + 0.01 } : r)),
      ),
    );
    const ok = await run('python3', ['scale/compare.py', join(dir, 'a.csv'), join(dir, 'b.csv')]);
    expect(ok.stdout).toMatch(/val\/image_loss\s+max \|diff\| 4\.00e-04/);
    expect(ok.stdout).toMatch(/2 values; all within 0\.001/); // speed/* skipped
    const bad = await run('python3', ['scale/compare.py', join(dir, 'a.csv'), join(dir, 'c.csv')]).catch(
      (e) => e as { code: number; stdout: string },
    );
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stdout: string }).stdout).toMatch(/BEYOND 0\.001: val\/image_loss/);
  });
});

describe('scale/train.py against npm run replicate on the same export', () => {
  const out = { export: '', browser: '', scale: '', ddp: '' };
  beforeAll(async () => {
    if (!hasTorch) {
      console.warn(`scale/train.py tests skipped: ${WHY}`);
      return;
    }
    dir ||= await mkdtemp(join(tmpdir(), 'scale-'));
    Object.assign(out, {
      export: join(dir, 'export'),
      browser: join(dir, 'browser'),
      scale: join(dir, 'scale'),
      ddp: join(dir, 'ddp'),
    });
    const env = { ...process.env, OMP_NUM_THREADS: '1' };
    await run('node', ['--import', 'tsx', 'src/cli/export.ts', ...SETUP, '--out', out.export], {
      maxBuffer: 16 * 2 ** 20,
    });
    await run(
      'node',
      ['--import', 'tsx', 'src/cli/replicate.ts', ...SETUP, '--stop-at', String(STEPS), '--out', out.browser],
      { maxBuffer: 16 * 2 ** 20 },
    );
    const r = await run(
      PY,
      [
        'scale/train.py',
        '--export',
        out.export,
        '--out',
        out.scale,
        '--steps',
        String(STEPS),
        '--strict-parity',
        '--report-to',
        'tensorboard',
      ],
      { env, maxBuffer: 64 * 2 ** 20 },
    );
    expect(r.stdout).toMatch(/parity with the browser implementation .* \(within 0\.001\)/);
    // Two data-parallel processes (gloo on the CPU), launched as a cluster launches them.
    await run(
      PY,
      [
        '-m',
        'torch.distributed.run',
        '--nproc_per_node',
        '2',
        'scale/train.py',
        '--export',
        out.export,
        '--out',
        out.ddp,
        '--steps',
        String(STEPS),
      ],
      { env: { ...env, ACCELERATE_USE_CPU: 'true' }, maxBuffer: 64 * 2 ** 20 },
    );
  }, 1_800_000);

  it('chooses the same learning rates in the sweep, from the same held-out losses', async (ctx) => {
    if (!hasTorch) ctx.skip(WHY);
    const [a, b] = await Promise.all(
      [out.browser, out.scale].map(async (d) => JSON.parse(await readFile(join(d, 'sweep.json'), 'utf8'))),
    );
    expect(b.best).toEqual(a.best);
    expect(b.cells.length).toBe(a.cells.length);
    for (const c of a.cells)
      expect(
        b.cells.find((x: typeof c) => x.arm === c.arm && x.lr === c.lr && x.seed === c.seed).valLoss,
        `${c.arm} ${c.lr}`,
      ).toBeCloseTo(c.valLoss, 4);
  });

  it('computes every metric of every arm as the browser does, step by step (float32 noise)', async (ctx) => {
    if (!hasTorch) ctx.skip(WHY);
    const browser = (await readFile(join(out.browser, 'metrics.partial.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MetricRecord);
    const scale = parseMetricsCsv(await readFile(join(out.scale, 'metrics.csv'), 'utf8'));
    const { shared, worst, at } = worstDiff(browser, scale);
    // 5 arms × (≥ 11 metrics at each of 3 evaluations + ≥ 5 training figures at each of 3 steps)
    expect(shared).toBeGreaterThan(5 * (11 * 3 + 5 * 3) - 10);
    expect(worst, at).toBeLessThan(1e-3);
    for (const metric of new Set(browser.filter((r) => /^(val|diag|train)\//.test(r.metric)).map((r) => r.metric)))
      expect(
        scale.some((r) => r.metric === metric),
        metric,
      ).toBe(true);
    for (const r of browser.filter((x) => x.metric === 'train/loss'))
      expect(scale.find((x) => key(x) === key(r))!.tokens, key(r)).toBe(r.tokens);
    const parity = JSON.parse(await readFile(join(out.scale, 'parity.json'), 'utf8'));
    expect(parity.ok).toBe(true);
    // Step 0's reference is one run of each sequence layout; step 1's is every run (export.ts).
    const runsAt = (step: number) =>
      [
        ...new Set(
          parity.rows.filter((r: MetricRecord) => r.step === step).map((r: MetricRecord) => `${r.arm} s${r.seed}`),
        ),
      ].sort();
    expect(runsAt(0)).toEqual(['image-only-scratch s0', 'pretrained s0']);
    expect(runsAt(1).length).toBe(5);
    expect(parity.rows.filter((r: MetricRecord) => r.step === 0).length).toBeGreaterThan(2 * 10);
  });

  it("--report-to tensorboard logs every metric.csv value through accelerate's tracker, one run per arm and seed", async (ctx) => {
    if (!hasTorch) ctx.skip(WHY);
    const csv = parseMetricsCsv(await readFile(join(out.scale, 'metrics.csv'), 'utf8'));
    expect(csv.every((r) => Number.isFinite(r.wallTime))).toBe(true); // metrics.csv's wall_time column
    const script = [
      'import json, sys',
      'from tensorboard.backend.event_processing.event_accumulator import EventAccumulator',
      'acc = EventAccumulator(sys.argv[1]); acc.Reload()',
      'print(json.dumps({tag: [[e.step, e.value] for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}))',
    ].join('\n');
    for (const [arm, seed] of [
      ['pretrained', 0],
      ['pretrained-mix', 0],
    ] as const) {
      const tb = await run(PY, ['-c', script, join(out.scale, 'tensorboard', arm, `s${seed}`)]);
      const want: Record<string, [number, number][]> = {};
      for (const r of csv.filter((x) => x.arm === arm && x.seed === seed))
        (want[r.metric] ??= []).push([r.step, Math.fround(r.value)]);
      expect(JSON.parse(tb.stdout.trim().split('\n').pop()!), arm).toEqual(want);
    }
  });

  it('gives the same numbers on two data-parallel processes as on one', async (ctx) => {
    if (!hasTorch) ctx.skip(WHY);
    const [one, two] = await Promise.all(
      [out.scale, out.ddp].map(async (d) => parseMetricsCsv(await readFile(join(d, 'metrics.csv'), 'utf8'))),
    );
    const { shared, worst, at } = worstDiff(one, two);
    expect(shared).toBe(one.filter((r) => !/^(speed|mem)\//.test(r.metric)).length);
    expect(worst, at).toBeLessThan(1e-4);
    expect(JSON.parse(await readFile(join(out.ddp, 'report.json'), 'utf8')).meta.backend).toMatch(/x 2 /);
  });

  it('npm run report turns the cluster run into the report the browser records give', async (ctx) => {
    if (!hasTorch) ctx.skip(WHY);
    const r = await run('node', ['--import', 'tsx', 'src/cli/report.ts', out.scale]);
    expect(r.stdout).toMatch(/^A\. (reproduced|not reproduced|inconclusive)/m);
    const report = JSON.parse(await readFile(join(out.scale, 'report.json'), 'utf8'));
    const browser = (await readFile(join(out.browser, 'metrics.partial.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MetricRecord);
    const expected = buildReport(report.config, browser, {});
    for (const k of ['image_loss', 'caption_gap', 'forgetting'] as const) {
      expect(report.effects[k].verdict, k).toBe(expected.effects[k].verdict);
      expect(report.effects[k].diff.mean, k).toBeCloseTo(expected.effects[k].diff.mean, 4);
    }
    expect(report.config.lrByArm).toEqual(JSON.parse(await readFile(join(out.browser, 'sweep.json'), 'utf8')).best);
    expect(report.margin).toBe(report.config.margin);
    const html = await readFile(join(out.scale, 'report.html'), 'utf8');
    expect(html).toMatch(/<svg/);
    expect(html).toMatch(/Image-token loss by position/);
    expect(html).toMatch(/Learning-rate sweep/); // the cluster run's own sweep, from report.json meta.sweep
  });

  it('saves checkpoints that load here and sample images', async (ctx) => {
    if (!hasTorch) ctx.skip(WHY);
    await useBackend('wasm');
    const ckpt = join(out.scale, 'checkpoints', 'pretrained-s0');
    for (const f of [
      'config.json',
      'model.safetensors',
      'tabula.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'special_tokens_map.json',
      'generation_config.json',
      'README.md',
    ])
      expect(existsSync(join(ckpt, f)), f).toBe(true);
    // The hub files (hub-files.ts) travel from the export's init: the same tokenizer, a card that says these weights.
    for (const f of ['tokenizer.json', 'tokenizer_config.json'])
      expect(await readFile(join(ckpt, f), 'utf8'), f).toBe(
        await readFile(join(out.export, 'init', 'pretrained-s0', f), 'utf8'),
      );
    expect(await readFile(join(ckpt, 'README.md'), 'utf8')).toContain(
      `Arm \`pretrained\`, seed 0, after ${STEPS} optimizer steps (trained by scale/train.py).`,
    );
    const hf = await run(PY, [
      '-c',
      'import sys; from transformers import AutoTokenizer, GenerationConfig; t = AutoTokenizer.from_pretrained(sys.argv[1]); g = GenerationConfig.from_pretrained(sys.argv[1]); print(len(t), t.bos_token_id, t.eos_token_id, t.pad_token_id, g.eos_token_id)',
      ckpt,
    ]);
    const meta = JSON.parse(await readFile(join(out.export, 'meta.json'), 'utf8'));
    const s = meta.special;
    expect(hf.stdout.trim().split('\n').pop()).toBe(`${meta.vocabSize} ${s.bos} ${s.eoi} ${s.pad} ${s.eoi}`);
    const { model, tabula } = await loadGPT2(await dirSource(ckpt), 'scale-ckpt');
    const ex = readExport(out.export);
    expect(model.config.vocabSize).toBe(ex.meta.vocabSize);
    expect(tabula?.provenance).toMatchObject({ arm: 'pretrained', seed: 0, step: STEPS, trainer: 'scale/train.py' });
    // The trained weights differ from the initial ones.
    const init = (await loadGPT2(await dirSource(join(out.export, 'init', 'pretrained-s0')), 'scale-init')).model;
    expect(Array.from(model.params.get('transformer.h.0.mlp.c_fc.weight')!.dataSync())).not.toEqual(
      Array.from(init.params.get('transformer.h.0.mlp.c_fc.weight')!.dataSync()),
    );
    const { model: vq } = await loadVQ(await dirSource('public/models/vq-twemoji32'));
    const data = exportData(ex);
    const { pixels, codes } = await sampleImages(
      model,
      vq,
      sequenceSpec(data, ex.experiment.config.captionBudget, false),
      data.val.captions.slice(0, 2),
      { temperature: 1, topK: 0, seed: 0 },
    );
    expect(codes.flat().every((c) => c >= 0 && c < ex.meta.image.count)).toBe(true);
    expect(pixels.length).toBe(2 * 32 * 32 * 3);
    expect(pixels.every(Number.isFinite)).toBe(true);
    [model, init, vq].forEach((m) => m.dispose());
  });
});
