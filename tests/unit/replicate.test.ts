// `npm run replicate -- --preset smoke` end to end on wasm with the shipped LM and VQ tokenizer: all three files,
// both arms, finite numbers, the CSV header of the contract, the report's headline numbers read back from the CSV, and
// `npm run report` rebuilding the same report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
// Each of these tests runs the whole smoke experiment in child processes (twice for stop/resume); on a busy 2-core
// machine that can pass the suite's default limit, which is a harness limit, not an assertion about speed.
const CLI_TIMEOUT_MS = 400_000;
let dir = '';

describe('npm run replicate -- --preset smoke', () => {
  // Made before any test, so one test run alone (-t) writes under the temporary folder too, not the working tree.
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'replicate-'));
  });
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it(
    'writes report.json, metrics.csv and report.html with both arms and finite numbers',
    async () => {
      const out = join(dir, 'smoke');
      const r = await run(
        'node',
        ['--import', 'tsx', 'src/cli/replicate.ts', '--preset', 'smoke', '--out', out, '--backend', 'wasm'],
        { maxBuffer: 16 * 2 ** 20 },
      );
      expect(r.stdout).toMatch(/replicate: done in/);
      const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
      expect(report.preset).toBe('smoke');
      expect(report.arms).toEqual(['pretrained', 'scratch']);
      expect(report.seeds).toBe(1);
      const csv = (await readFile(join(out, 'metrics.csv'), 'utf8')).trim().split('\n');
      expect(csv[0]).toBe('arm,seed,step,tokens,metric,value,wall_time');
      const rows = csv.slice(1).map((l) => l.split(','));
      expect(new Set(rows.map((c) => c[0]))).toEqual(new Set(['pretrained', 'scratch']));
      expect(rows.every((c) => Number.isFinite(Number(c[5])))).toBe(true);
      for (const m of [
        'train/loss',
        'train/text_loss',
        'train/image_loss',
        'val/text_loss',
        'val/image_loss',
        'val/english_loss',
        'val/english_ood_loss',
        'val/english_loss_text_ids',
        'val/english_ood_loss_text_ids',
        'optim/lr',
        'optim/grad_norm',
      ])
        expect(
          rows.some((c) => c[4] === m),
          m,
        ).toBe(true);
      // The report's headline numbers are the CSV's, read at the end of the run (and at step 0 for forgetting).
      const at = (arm: string, metric: string, step: number) =>
        Number(rows.find((c) => c[0] === arm && c[2] === String(step) && c[4] === metric)![5]);
      const e = report.effects;
      expect(e.image_loss.diff.mean).toBeCloseTo(
        at('pretrained', 'val/image_loss', 6) - at('scratch', 'val/image_loss', 6),
        10,
      );
      expect(e.caption_gap.diff.mean).toBeCloseTo(
        at('scratch', 'val/text_loss', 6) - at('pretrained', 'val/text_loss', 6),
        10,
      );
      expect(e.forgetting.diff.mean).toBeCloseTo(
        at('pretrained', 'val/english_loss_text_ids', 6) - at('pretrained', 'val/english_loss_text_ids', 0),
        10,
      );
      expect(e.forgetting.ratio.mean).toBeCloseTo(Math.exp(e.forgetting.diff.mean), 10);
      expect(e.forgetting.basis).toBe('text ids');
      // One seed gives no interval, so no verdict can be anything but inconclusive.
      for (const key of ['image_loss', 'caption_gap', 'forgetting']) {
        expect(report.effects[key].verdict, key).toBe('inconclusive');
        expect(report.effects[key].diff.n, key).toBe(1);
      }
      expect(report.quality.byArm.pretrained.seeds).toEqual([0]);
      const html = await readFile(join(out, 'report.html'), 'utf8');
      expect(html).toMatch(/<svg/);
      expect(html).not.toMatch(/<script/);
      expect(html).toMatch(/ seeds? × \d+ steps, captions <b>L[0-4]<\/b>, arms pretrained, scratch\./); // the setup in its opening line
      for (const arm of ['pretrained-s0', 'scratch-s0'])
        expect(existsSync(join(out, 'checkpoints', arm, 'optimizer.safetensors')), arm).toBe(true);
      // npm run report rebuilds the same report from metrics.csv.
      await run('node', ['--import', 'tsx', 'src/cli/report.ts', out]);
      const rebuilt = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
      expect(rebuilt.effects).toEqual(report.effects);
      expect(await readFile(join(out, 'report.html'), 'utf8')).toEqual(html);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "stops at a step and resumes to the same numbers as the uninterrupted run, its report counting both sessions' time",
    async () => {
      const out = join(dir, 'parts');
      const cli = (...extra: string[]) =>
        run('node', ['--import', 'tsx', 'src/cli/replicate.ts', '--preset', 'smoke', '--out', out, ...extra], {
          maxBuffer: 16 * 2 ** 20,
        });
      expect((await cli('--stop-at', '3')).stdout).toMatch(/stopped at step 3 of 6/);
      expect(existsSync(join(out, 'report.json'))).toBe(false);
      const first = JSON.parse(await readFile(join(out, 'wall-time.json'), 'utf8'));
      expect(first).toMatchObject({ sessions: 1 });
      expect(first.phases.train).toBeGreaterThan(0);
      expect((await cli('--resume')).stdout).toMatch(/resumed pretrained seed 0 at step 3/);
      // The report's time is both sessions' (wall-time.ts): the first one's phases are inside its sums.
      const meta = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')).meta;
      expect(meta.sessions).toBe(2);
      expect(meta.seconds).toBeGreaterThanOrEqual(Math.round(first.seconds));
      for (const [phase, sec] of Object.entries(first.phases as Record<string, number>))
        expect(meta.phases[phase], phase).toBeGreaterThanOrEqual(sec);
      // The rows without their wall_time (when each value was computed differs between the two runs).
      const pick = async (d: string) =>
        (await readFile(join(d, 'metrics.csv'), 'utf8'))
          .split('\n')
          .filter((l) => /,(train\/loss|train\/image_loss|val\/[a-z_]+),/.test(l))
          .map((l) => l.replace(/,[^,]*$/, ''));
      const whole = await pick(join(dir, 'smoke'));
      expect(whole.length).toBeGreaterThan(10);
      expect(await pick(out)).toEqual(whole);
    },
    CLI_TIMEOUT_MS,
  );

  it('refuses an unknown preset in one line', async () => {
    const r = await run('node', [
      '--import',
      'tsx',
      'src/cli/replicate.ts',
      '--preset',
      'huge',
      '--out',
      '/tmp/x',
    ]).catch((e) => e as { code: number; stderr: string });
    expect((r as { code: number }).code).toBe(2);
    expect((r as { stderr: string }).stderr.trim()).toMatch(
      /^replicate: --preset must be one of smoke, cpu, classroom, lesson, replication, got huge$/,
    );
  });
});
