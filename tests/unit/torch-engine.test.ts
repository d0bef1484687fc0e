// `npm run replicate -- --engine torch` (src/cli/torch-engine.ts): the refusals (a Python that cannot be started or
// lacks torch, torch flags without the engine) leave nothing behind; and, where SCALE_PYTHON (default python3) imports
// torch, transformers and accelerate, the smoke setup on the torch engine — stopped at step 3 and resumed — gives
// the tfjs engine's step-0 losses (parity), its records through the run, and a report of the same structure, with
// the engine, versions, machine and phases in meta. Also PhaseClock (phases.ts) on a made-up clock, and which of
// train.py's last evaluations (last-eval.json) the finish takes.
import { afterAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseMetricsCsv } from '../../src/core/experiment/metrics-csv';
import { PhaseClock } from '../../src/core/experiment/phases';
import type { MetricRecord, Run } from '../../src/core/experiment/runner';
import { takeTorchLastEvals } from '../../src/cli/torch-engine';

const run = promisify(execFile);
const PY = process.env.SCALE_PYTHON ?? 'python3';
const torchCheck = spawnSync(PY, ['-c', 'import torch, transformers, accelerate'], { encoding: 'utf8' });
const hasTorch = torchCheck.status === 0;
const WHY = `${PY} cannot import torch, transformers and accelerate; set SCALE_PYTHON to a Python with scale/requirements.txt to run this test`;

let dir = '';
afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

/** `npm run replicate` with `args`: its exit status and output (never throws). */
async function replicate(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run('npx', ['tsx', 'src/cli/replicate.ts', ...args], { maxBuffer: 64 * 2 ** 20 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

describe('PhaseClock', () => {
  it('adds the time between phase changes, moves the sweep out of preparation and splits training rounds', () => {
    let now = 0;
    const clock = new PhaseClock(() => now);
    clock.enter('preparation');
    now = 1500;
    clock.enter('samples');
    now = 1750;
    clock.enter('quality');
    now = 2000;
    clock.enter('samples');
    now = 2125;
    clock.enter(null);
    now = 9000; // no phase: not counted
    clock.move('preparation', 'sweep', 500);
    clock.addRounds(10_000, 7_000, 1_000);
    expect(clock.seconds()).toEqual({
      preparation: 1,
      sweep: 0.5,
      train: 7,
      evaluation: 2,
      checkpoint: 1,
      samples: 0.38,
      quality: 0.25,
    });
    expect(Object.keys(clock.seconds())).toEqual([
      'preparation',
      'sweep',
      'train',
      'evaluation',
      'checkpoint',
      'samples',
      'quality',
    ]);
  });
});

describe('takeTorchLastEvals', () => {
  const evalAt = (step: number, positions = 4, images = 3) => ({
    step,
    textLoss: null,
    imageLoss: 5.5,
    loss: 5.25,
    imageLeak: 0.25,
    imageLossByPosition: Array.from({ length: positions }, (_, p) => 5 + p / 10),
    imageLossByImage: Array.from({ length: images }, (_, k) => 5 + k / 100),
    englishLoss: 4,
    englishOodLoss: 4.5,
    englishLossTextIds: 3.9,
    englishOodLossTextIds: 4.4,
  });
  const runOf = (arm: string, seed: number, step: number, stopped = false) =>
    ({ arm: { name: arm }, seed, step, stopped, lastEval: null }) as unknown as Run;

  it('gives a run the evaluation at its own step, of the expected lengths; leaves the others to be evaluated again', async () => {
    dir ||= await mkdtemp(join(tmpdir(), 'torch-engine-'));
    const path = join(dir, 'last-eval.json');
    await writeFile(
      path,
      JSON.stringify({
        format: 'tabula-rasa-last-eval',
        version: 1,
        runs: {
          'pretrained s0': evalAt(60),
          'pretrained s1': evalAt(30), // evaluated at the --stop-at step, not the run's last
          'scratch s0': evalAt(60, 5), // another heatmap size
          'scratch s1': evalAt(60, 4, 2), // another number of images
          'scratch s2': evalAt(60),
        },
      }),
    );
    const runs = [
      runOf('pretrained', 0, 60),
      runOf('pretrained', 1, 60),
      runOf('scratch', 0, 60),
      runOf('scratch', 1, 60),
      runOf('scratch', 2, 60, true), // stopped (diverged): not finished with
      runOf('scratch', 3, 60), // absent from the file
    ];
    expect(takeTorchLastEvals(path, runs, 4, 3)).toBe(1);
    const { step: _s, ...want } = evalAt(60);
    expect(runs[0].lastEval).toEqual(want);
    expect(runs.slice(1).map((r) => r.lastEval)).toEqual([null, null, null, null, null]);
    // Absent, unreadable or of another format: nothing taken.
    expect(takeTorchLastEvals(join(dir, 'none.json'), [runOf('pretrained', 0, 60)], 4, 3)).toBe(0);
    await writeFile(path, '{"format": "tabula-rasa-last-eval", "runs": {');
    expect(takeTorchLastEvals(path, [runOf('pretrained', 0, 60)], 4, 3)).toBe(0);
    await writeFile(path, JSON.stringify({ format: 'other', runs: { 'pretrained s0': evalAt(60) } }));
    expect(takeTorchLastEvals(path, [runOf('pretrained', 0, 60)], 4, 3)).toBe(0);
  });
});

describe('replicate --engine torch', () => {
  it('refuses a Python that cannot be started or lacks torch, naming the install command, and writes nothing', async () => {
    dir ||= await mkdtemp(join(tmpdir(), 'torch-engine-'));
    const out = join(dir, 'refused');
    const missing = await replicate([
      '--preset',
      'smoke',
      '--out',
      out,
      '--engine',
      'torch',
      '--python',
      join(dir, 'no-such-python'),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.out).toContain('cannot be started (ENOENT)');
    expect(missing.out).toContain('-m pip install -r scale/requirements.txt');
    expect(missing.out).not.toMatch(/\n\s+at /); // one line, no stack trace
    // The system python3 where it lacks torch (status 1: ModuleNotFoundError; null: no python3 at all).
    if (spawnSync('python3', ['-c', 'import torch']).status === 1) {
      const r = await replicate(['--preset', 'smoke', '--out', out, '--engine', 'torch', '--python', 'python3']);
      expect(r.code).toBe(2);
      expect(r.out).toMatch(/python3 has no torch, transformers, accelerate/);
      expect(r.out).toContain('python3 -m pip install -r scale/requirements.txt');
    }
    const flags = await replicate(['--preset', 'smoke', '--out', out, '--python', 'python3']);
    expect(flags.code).toBe(2);
    expect(flags.out).toContain('add --engine torch');
    const engine = await replicate(['--preset', 'smoke', '--out', out, '--engine', 'jax']);
    expect(engine.code).toBe(2);
    expect(engine.out).toContain('--engine must be tfjs or torch, got jax');
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it('stops and resumes, and matches the tfjs engine: step-0 losses, the run, the report structure', async (ctx) => {
    if (!hasTorch) ctx.skip(WHY);
    dir ||= await mkdtemp(join(tmpdir(), 'torch-engine-'));
    const tfjs = join(dir, 'tfjs');
    const torch = join(dir, 'torch');
    const engine = ['--engine', 'torch', '--python', PY, '--threads', '1'];
    const a = await replicate(['--preset', 'smoke', '--out', tfjs]);
    expect(a.code, a.out).toBe(0);
    const stopped = await replicate(['--preset', 'smoke', '--out', torch, ...engine, '--stop-at', '3']);
    expect(stopped.code, stopped.out).toBe(0);
    expect(stopped.out).toContain('stopped at step 3 of 6 as asked');
    expect(existsSync(join(torch, 'report.json'))).toBe(false);
    const first = JSON.parse(await readFile(join(torch, 'wall-time.json'), 'utf8'));
    expect(first.sessions).toBe(1);
    const resumed = await replicate(['--preset', 'smoke', '--out', torch, ...engine, '--resume']);
    expect(resumed.code, resumed.out).toBe(0);
    // The report's time is both sessions' (wall-time.ts), as on the tfjs engine.
    const meta = JSON.parse(await readFile(join(torch, 'report.json'), 'utf8')).meta;
    expect(meta.sessions).toBe(2);
    for (const [phase, sec] of Object.entries(first.phases as Record<string, number>))
      expect(meta.phases[phase], phase).toBeGreaterThanOrEqual(sec);
    expect(resumed.out).toContain('train.py: resumed pretrained seed 0 at step 3');
    expect(resumed.out).toMatch(/parity with the browser implementation .* \(within 0\.001\)/);

    const recs = async (d: string) => parseMetricsCsv(await readFile(join(d, 'metrics.csv'), 'utf8'));
    const key = (r: MetricRecord) => `${r.arm}|${r.seed}|${r.step}|${r.metric}`;
    const [x, y] = [await recs(tfjs), await recs(torch)];
    const other = new Map(y.map((r) => [key(r), r.value]));
    const shared = x.filter((r) => !/^(speed|mem)\//.test(r.metric) && other.has(key(r)));
    // Every training and evaluation record of the tfjs run is in the torch run (6 steps, evaluations at 0, 2, 3, 6).
    expect(shared.length).toBe(x.filter((r) => !/^(speed|mem)\//.test(r.metric)).length);
    const zero = shared.filter((r) => r.step === 0);
    expect(zero.map((r) => r.metric)).toContain('val/image_loss');
    for (const r of zero) expect(Math.abs(other.get(key(r))! - r.value), key(r)).toBeLessThan(1e-4);
    for (const r of shared) expect(Math.abs(other.get(key(r))! - r.value), key(r)).toBeLessThan(2e-3);

    const rep = async (d: string) =>
      JSON.parse(await readFile(join(d, 'report.json'), 'utf8')) as Record<string, unknown> & {
        meta: Record<string, unknown>;
        effects: Record<string, unknown>;
      };
    const [ra, rb] = [await rep(tfjs), await rep(torch)];
    expect(Object.keys(rb).sort()).toEqual(Object.keys(ra).sort());
    expect(Object.keys(rb.effects).sort()).toEqual(Object.keys(ra.effects).sort());
    for (const k of ['quality', 'analysis', 'imageLossByPosition', 'machine', 'versions', 'phases'])
      expect(rb.meta[k], k).toBeTruthy();
    expect(ra.meta.engine).toBe('tfjs');
    expect(rb.meta.engine).toBe('torch');
    expect(Object.keys(rb.meta.versions as object)).toEqual(
      expect.arrayContaining(['python', 'torch', 'transformers', 'tfjs']),
    );
    for (const k of ['preparation', 'train', 'evaluation', 'checkpoint', 'samples', 'quality', 'analysis']) {
      expect(typeof (ra.meta.phases as Record<string, number>)[k], `tfjs ${k}`).toBe('number');
      expect(typeof (rb.meta.phases as Record<string, number>)[k], `torch ${k}`).toBe('number');
    }
    // The phases do not overlap (the torch engine once counted its evaluations inside train too): on each engine they
    // sum to no more than the process's wall time.
    const total = (r: typeof ra) => Object.values(r.meta.phases as Record<string, number>).reduce((s, v) => s + v, 0);
    expect(total(ra)).toBeLessThanOrEqual((ra.meta.seconds as number) + 1);
    expect(total(rb)).toBeLessThanOrEqual((rb.meta.seconds as number) + 1);
    expect((rb.meta.parity as { ok: boolean }).ok).toBe(true);
    // The finish takes train.py's last evaluations (last-eval.json) instead of evaluating again in tfjs: the heatmap
    // and the per-image losses agree with the tfjs engine's own to the records' tolerance.
    const heat = (r: typeof ra) => r.meta.imageLossByPosition as Record<string, number[]>;
    expect(Object.keys(heat(rb)).sort()).toEqual(Object.keys(heat(ra)).sort());
    for (const [arm, cells] of Object.entries(heat(ra))) {
      expect(heat(rb)[arm].length).toBe(cells.length);
      cells.forEach((v, p) => expect(Math.abs(heat(rb)[arm][p] - v), `${arm} position ${p}`).toBeLessThan(2e-3));
    }
    type PerImage = { runs: { arm: string; seed: number; step: number; losses: number[] }[] };
    const [pa, pb] = [ra.meta.perImage as PerImage, rb.meta.perImage as PerImage];
    expect(pb.runs.map((r) => [r.arm, r.seed, r.step])).toEqual(pa.runs.map((r) => [r.arm, r.seed, r.step]));
    expect(resumed.out).toContain(`${pb.runs.length} run(s) keep train.py's last evaluation`);
    pa.runs.forEach((r, i) => {
      expect(pb.runs[i].losses.length).toBe(r.losses.length);
      r.losses.forEach((v, k) =>
        expect(Math.abs(pb.runs[i].losses[k] - v), `${r.arm} s${r.seed} image ${k}`).toBeLessThan(2e-3),
      );
    });
    for (const f of [
      'report.html',
      'sections.html',
      'checkpoints/pretrained-s0/optimizer.safetensors',
      'checkpoints/scratch-s0/run.json',
    ])
      expect(existsSync(join(torch, f)), f).toBe(true);
  }, 900_000);

  it('sweeps as replicate does: --lr-sweep fair on the selection split, the same cells as the tfjs engine', async (ctx) => {
    if (!hasTorch) ctx.skip(WHY);
    dir ||= await mkdtemp(join(tmpdir(), 'torch-engine-'));
    const [tfjs, torch] = [join(dir, 'sweep-tfjs'), join(dir, 'sweep-torch')];
    const sweep = ['--preset', 'smoke', '--lr-sweep', 'fair', '--sweep-seeds', '2'];
    const a = await replicate([...sweep, '--out', tfjs, '--stop-at', '1']);
    expect(a.code, a.out).toBe(0);
    const b = await replicate([...sweep, '--out', torch, '--stop-at', '1', '--engine', 'torch', '--python', PY]);
    expect(b.code, b.out).toBe(0);
    expect(b.out).toMatch(/LR sweep on the selection split: \d+ images/);
    type Sweep = {
      lrs: number[];
      best: Record<string, number>;
      selection: { images: number; trainImages: number };
      protocol: { points: number };
      cells: { arm: string; lr: number; seed: number; valLoss: number; imageLoss: number }[];
    };
    const read = async (d: string) => JSON.parse(await readFile(join(d, 'sweep.json'), 'utf8')) as Sweep;
    const [x, y] = [await read(tfjs), await read(torch)];
    expect(y.selection).toEqual(x.selection);
    expect(y.protocol).toEqual(x.protocol);
    expect(y.lrs).toEqual(x.lrs); // the same extensions, so the same losses to well within a grid step
    expect(y.best).toEqual(x.best);
    expect(y.cells.map((c) => [c.arm, c.lr, c.seed])).toEqual(x.cells.map((c) => [c.arm, c.lr, c.seed]));
    y.cells.forEach((c, i) => {
      expect(Math.abs(c.valLoss - x.cells[i].valLoss), `${c.arm} ${c.lr} s${c.seed}`).toBeLessThan(1e-3);
      expect(Math.abs(c.imageLoss - x.cells[i].imageLoss), `${c.arm} ${c.lr} s${c.seed}`).toBeLessThan(1e-3);
    });

    // The sweep resumes (scale/sweep_run.py): killed while its last run was written (that line cut short), it reads
    // the others back, trains the last again, and chooses as the uninterrupted sweep did.
    const cellsFile = join(torch, 'sweep-cells.jsonl');
    const lines = (await readFile(cellsFile, 'utf8')).trim().split('\n');
    expect(lines.length).toBe(y.cells.length + 1); // the header, then one line per run
    const last = lines.length - 1;
    await writeFile(cellsFile, `${lines.slice(0, last).join('\n')}\n${lines[last].slice(0, 20)}`);
    await rm(join(torch, 'sweep.json'));
    // The sweep again in the same folder, as after a kill: --resume without a sweep.json.
    const resumeSweep = () =>
      replicate([...sweep, '--out', torch, '--stop-at', '1', '--engine', 'torch', '--python', PY, '--resume']);
    const again = await resumeSweep();
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain(`line ${last + 1}: cut short (a kill while writing it); that run is trained again`);
    expect(again.out).toContain(`${last - 1} finished sweep run(s) read back`);
    const z = await read(torch);
    expect(z.best).toEqual(y.best);
    expect(z.cells.map((c) => [c.arm, c.lr, c.seed])).toEqual(y.cells.map((c) => [c.arm, c.lr, c.seed]));
    z.cells.forEach((c, i) => expect(Math.abs(c.valLoss - y.cells[i].valLoss), `${c.arm} ${c.lr}`).toBeLessThan(1e-6));
    expect((await readFile(cellsFile, 'utf8')).trim().split('\n').length).toBe(y.cells.length + 1);
    // A cells file of another sweep (here: another schedule length) is refused, naming the file and what differs.
    const header = JSON.parse(lines[0]) as { sweep: string; identity: { run: { steps: number } } };
    header.sweep = 'another';
    header.identity.run.steps += 1;
    await writeFile(cellsFile, `${JSON.stringify(header)}\n`);
    await rm(join(torch, 'sweep.json'));
    const other = await resumeSweep();
    expect(other.code).not.toBe(0);
    expect(other.out).toContain(`${cellsFile}: the finished runs of another sweep (differs in run)`);
  }, 1_800_000);
});
