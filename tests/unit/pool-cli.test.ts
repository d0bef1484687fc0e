// `replicate --jobs` and `npm run pool` end to end on the smoke preset: `--seeds 3 --jobs 3` runs three
// `--seeds 1 --first-seed k` children (each its own run folder with its card) and pools them into the same report
// numbers as `--seeds 3 --jobs 1`; `npm run pool` on the three children's folders gives those numbers too; and a card
// changed after it was made, or of another setup, is refused naming it (exit 1). The job planning and the memory
// check are tested without processes.
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cardIdentity, checksumOf, type ResultCard } from '../../src/core/experiment/card';
import { PRESETS } from '../../src/core/experiment/config';
import { estimateMemory } from '../../src/core/experiment/memory';
import { fingerprintOf } from '../../src/core/experiment/fingerprint';
import { PROCESS_BYTES, chooseJobs, jobArgs, planJobs } from '../../src/cli/replicate-jobs';

const run = promisify(execFile);
// Two smoke experiments of three seeds in child processes: a harness limit for a busy 2-core machine, not a speed claim.
const CLI_TIMEOUT_MS = 900_000;
let dir = '';
const cli = (file: string, args: string[]) =>
  run('node', ['--import', 'tsx', `src/cli/${file}`, ...args], { maxBuffer: 32 * 2 ** 20 });
const failing = async (file: string, args: string[]) => {
  try {
    await cli(file, args);
  } catch (e) {
    return e as { code: number; stderr: string };
  }
  throw new Error('expected a refusal');
};
const numbers = (r: { effects: unknown; otherArms: unknown; quality: unknown; seeds: number; arms: unknown }) => ({
  effects: r.effects,
  otherArms: r.otherArms,
  quality: r.quality,
  seeds: r.seeds,
  arms: r.arms,
});

describe('replicate --jobs and npm run pool on smoke', () => {
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it(
    'gives the numbers of one process, and pooling the --first-seed runs gives them too',
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'pool-'));
      const one = join(dir, 'one');
      const jobs = join(dir, 'jobs');
      await cli('replicate.ts', [
        '--preset',
        'smoke',
        '--seeds',
        '3',
        '--jobs',
        '1',
        '--out',
        one,
        '--backend',
        'wasm',
      ]);
      const r = await cli('replicate.ts', [
        '--preset',
        'smoke',
        '--seeds',
        '3',
        '--jobs',
        '3',
        '--out',
        jobs,
        '--backend',
        'wasm',
      ]);
      expect(r.stdout).toMatch(/3 jobs at once: seeds 0…0, seeds 1…1, seeds 2…2/);
      const want = numbers(JSON.parse(await readFile(join(one, 'report.json'), 'utf8')));
      expect(want.seeds).toBe(3);
      expect(numbers(JSON.parse(await readFile(join(jobs, 'report.json'), 'utf8')))).toEqual(want);
      // Each child is a `--seeds 1 --first-seed k` run folder with its own card, all of one setup.
      const children = ['s0-0', 's1-1', 's2-2'].map((s) => join(jobs, 'seeds', s));
      const cards = children.map((c) => readdirSync(c).filter((f) => f.endsWith('.tabula.json')));
      const fp = cards[0][0].slice(0, 12);
      expect(cards).toEqual([0, 1, 2].map((k) => [`${fp}-seed${k}.tabula.json`]));
      expect(readdirSync(one).filter((f) => f.endsWith('.tabula.json'))).toEqual([`${fp}-seeds0-2.tabula.json`]);
      const pooled = join(dir, 'pooled');
      const p = await cli('pool.ts', [...children, '--out', pooled]);
      expect(p.stdout).toMatch(new RegExp(`3 card\\(s\\) of setup ${fp}, 3 seed\\(s\\) \\(0, 1, 2\\)`));
      expect(numbers(JSON.parse(await readFile(join(pooled, 'report.json'), 'utf8')))).toEqual(want);
      expect(await readFile(join(pooled, 'report.html'), 'utf8')).toMatch(/<h2>Pooled cards<\/h2>/);

      // Refusals through the command line: exit 1, one line naming the card.
      const cardPath = join(children[1], cards[1][0]);
      const card = JSON.parse(await readFile(cardPath, 'utf8')) as ResultCard;
      const changed = join(dir, 'changed.tabula.json');
      await writeFile(changed, JSON.stringify({ ...card, step: card.step + 1 }));
      let e = await failing('pool.ts', [children[0], changed, '--out', join(dir, 'x')]);
      expect(e.code).toBe(1);
      expect(e.stderr.trim()).toBe(
        `pool: ${changed}: its checksum fails — the card was changed or damaged after it was made; share it again from the run`,
      );
      const l4 = { ...card, config: { ...card.config, captionLevel: 'L4' as const } };
      const other = { ...l4, fingerprint: fingerprintOf(cardIdentity(l4)) };
      const otherPath = join(dir, 'other.tabula.json');
      await writeFile(otherPath, JSON.stringify({ ...other, checksum: checksumOf(other) }));
      e = await failing('pool.ts', [children[0], otherPath, '--out', join(dir, 'x')]);
      expect(e.code).toBe(1);
      expect(e.stderr).toMatch(
        new RegExp(
          `^pool: ${otherPath}: another setup \\(fingerprint ${other.fingerprint}, not ${fp} of .*\\): caption level L4 vs L2;`,
        ),
      );
      const dup = await cli('pool.ts', [children[0], children[1], cardPath, '--out', join(dir, 'dup')]);
      expect(dup.stdout).toContain(`pool: ${cardPath}: seed 1 is already pooled from ${cardPath}; kept ${cardPath}'s`);
    },
    CLI_TIMEOUT_MS,
  );
});

describe('planning the jobs', () => {
  const lm = { vocabSize: 2048, nPositions: 96, nEmbd: 128, nLayer: 4, nHead: 4, tieEmbeddings: true };
  const data = { trainImages: 3000, valImages: 400, imageSize: 32, imageTokens: 64, imageCodes: 512 };
  const cfg = { ...PRESETS.cpu, seeds: 10 };

  it('splits the seeds into contiguous runs, the first ones a seed longer', () => {
    expect(planJobs(0, 10, 4)).toEqual([
      { first: 0, seeds: 3 },
      { first: 3, seeds: 3 },
      { first: 6, seeds: 2 },
      { first: 8, seeds: 2 },
    ]);
    expect(planJobs(5, 2, 8)).toEqual([
      { first: 5, seeds: 1 },
      { first: 6, seeds: 1 },
    ]);
  });

  it("passes each job the parent's flags but its own seeds and folder", () => {
    expect(
      jobArgs(
        ['--preset', 'cpu', '--seeds', '10', '--jobs=4', '--out', 'o', '--first-seed', '2', '--lr', '0.01'],
        { first: 5, seeds: 3 },
        'o/seeds/s5-7',
      ),
    ).toEqual([
      '--preset',
      'cpu',
      '--lr',
      '0.01',
      '--seeds',
      '3',
      '--first-seed',
      '5',
      '--out',
      'o/seeds/s5-7',
      '--jobs',
      '1',
    ]);
  });

  it('defaults to one job per core and per seed within the free memory; refuses an explicit --jobs that does not fit', () => {
    const GiB = 2 ** 30;
    expect(chooseJobs(undefined, cfg, lm, data, 64 * GiB, 16)).toBe(10);
    expect(chooseJobs(undefined, cfg, lm, data, 64 * GiB, 2)).toBe(2);
    expect(chooseJobs(undefined, { ...cfg, seeds: 1 }, lm, data, 64 * GiB, 16)).toBe(1);
    // Room for three processes of this setup (seeds 4, 3, 3) but not four: three jobs.
    const need = (j: number) =>
      planJobs(0, 10, j).reduce(
        (s, p) => s + estimateMemory({ ...cfg, seeds: p.seeds }, lm, data).total + PROCESS_BYTES,
        0,
      );
    expect(need(4)).toBeGreaterThan(need(3));
    expect(chooseJobs(undefined, cfg, lm, data, need(3), 16)).toBe(3);
    expect(chooseJobs(undefined, cfg, lm, data, need(3) - 1, 16)).toBe(2);
    expect(chooseJobs(undefined, cfg, lm, data, 0, 16)).toBe(1);
    expect(() => chooseJobs('10', cfg, lm, data, 2 * PROCESS_BYTES, 16)).toThrow(
      /^--jobs 10: 10 processes need about [\d.]+ GB \([\d.]+ GB each by the memory estimate\), but [\d.]+ GB is free; lower --jobs$/,
    );
    expect(chooseJobs('1', cfg, lm, data, 0, 16)).toBe(1);
  });
});
