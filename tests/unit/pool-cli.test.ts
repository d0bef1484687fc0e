// `replicate --jobs` and `npm run pool` end to end on the smoke preset: `--seeds 3 --jobs 3` runs three
// `--seeds 1 --first-seed k` children (each its own run folder with its card) and pools them into the same report
// numbers as `--seeds 3 --jobs 1`; `npm run pool` on the three children's folders gives those numbers too; and a card
// changed after it was made, or of another setup, is refused naming it (exit 1). On hand-made cards: every refused
// card is listed and nothing written (exit 1), `--leave-out-refused` pools the rest with the refused ones under "Left
// out", and each effect is printed once. The job planning and the memory check are tested without processes.
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cardFileName, cardIdentity, checksumOf, type ResultCard } from '../../src/core/experiment/card';
import { PRESETS } from '../../src/core/experiment/config';
import { estimateMemory } from '../../src/core/experiment/memory';
import { fingerprintOf } from '../../src/core/experiment/fingerprint';
import { PROCESS_BYTES, chooseJobs, jobArgs, planJobs } from '../../src/cli/replicate-jobs';
import { seatCard } from './helpers/class-cards';

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

      // Refusals through the command line: exit 1, a line naming each card refused.
      const cardPath = join(children[1], cards[1][0]);
      const card = JSON.parse(await readFile(cardPath, 'utf8')) as ResultCard;
      expect(card.origin).toBe('cli');
      const changed = join(dir, 'changed.tabula.json');
      await writeFile(changed, JSON.stringify({ ...card, step: card.step + 1 }));
      let e = await failing('pool.ts', [children[0], changed, '--out', join(dir, 'x')]);
      expect(e.code).toBe(1);
      expect(e.stderr.trim().split('\n')[0]).toBe(
        `pool: refused ${changed}: its checksum fails — the card was changed or damaged after it was made; share it again from the run`,
      );
      const l4 = { ...card, config: { ...card.config, captionLevel: 'L4' as const } };
      const other = { ...l4, fingerprint: fingerprintOf(cardIdentity(l4)) };
      const otherPath = join(dir, 'other.tabula.json');
      await writeFile(otherPath, JSON.stringify({ ...other, checksum: checksumOf(other) }));
      e = await failing('pool.ts', [children[0], otherPath, '--out', join(dir, 'x')]);
      expect(e.code).toBe(1);
      expect(e.stderr).toMatch(
        new RegExp(
          `^pool: refused ${otherPath} \\(a command-line card, tfjs/wasm\\): another setup \\(fingerprint ${other.fingerprint}, not ${fp} of .* \\(a command-line card, tfjs/wasm\\)\\): caption level L4 vs L2;`,
        ),
      );
      const dup = await cli('pool.ts', [children[0], children[1], cardPath, '--out', join(dir, 'dup')]);
      expect(dup.stdout).toContain(
        `pool: ${cardPath}: seed 1 is already pooled from ${cardPath}, an identical copy (made ${card.made}, last step ${card.step}, checksum ${card.checksum.slice(0, 8)}); kept ${cardPath}'s`,
      );
    },
    CLI_TIMEOUT_MS,
  );
});

describe('npm run pool on hand-made cards', () => {
  let cards = '';
  afterAll(() => (cards ? rm(cards, { recursive: true, force: true }) : undefined));

  it(
    'lists every refused card and writes nothing; --leave-out-refused pools the rest and lists them under Left out',
    async () => {
      cards = await mkdtemp(join(tmpdir(), 'pool-cards-'));
      const write = async (c: unknown, name: string, cut = false) => {
        const file = join(cards, name);
        await writeFile(file, cut ? JSON.stringify(c).slice(0, 2000) : JSON.stringify(c));
        return file;
      };
      const good = await Promise.all([0, 1, 2].map((k) => write(seatCard(k), cardFileName(seatCard(k)))));
      const l4 = seatCard(3, { config: { captionLevel: 'L4' } });
      const other = await write(l4, cardFileName(l4));
      const cut = await write(seatCard(3), cardFileName(seatCard(3)), true);
      const changed = await write({ ...seatCard(2), step: 1 }, 'changed.tabula.json');
      const out = join(cards, 'out');
      const e = await failing('pool.ts', [...good, other, cut, changed, '--out', out]);
      expect(e.code).toBe(1);
      const lines = e.stderr.trim().split('\n');
      expect(lines, e.stderr).toHaveLength(4);
      expect(lines[0]).toMatch(new RegExp(`^pool: refused ${cut}: damaged or cut short, not a whole card`));
      expect(lines[1]).toMatch(new RegExp(`^pool: refused ${changed}: its checksum fails`));
      expect(lines[2]).toMatch(
        new RegExp(
          `^pool: refused ${other} \\(a page card, seat 3, tfjs/wasm\\): another setup .*caption level L4 vs L2`,
        ),
      );
      expect(lines[3]).toBe(
        'pool: 3 cards refused (listed above); nothing written. Fix or remove them, or pool the rest with --leave-out-refused (the report then lists them under "Left out")',
      );
      expect(readdirSync(cards)).not.toContain('out');

      const ok = await cli('pool.ts', [...good, other, cut, changed, '--out', out, '--leave-out-refused']);
      expect(ok.stderr.trim().split('\n')).toEqual(lines.slice(0, 3));
      expect(ok.stdout).toMatch(/3 card\(s\) of setup [0-9a-f]{12}, 3 seed\(s\) \(0, 1, 2\)/);
      const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
      const leftOut = report.meta.pooled.leftOut as string[];
      expect(leftOut).toEqual(lines.slice(0, 3).map((l) => l.replace(/^pool: refused /, 'Refused ')));
      const html = await readFile(join(out, 'report.html'), 'utf8');
      expect(html).toContain('<h3>Left out</h3>');
      for (const f of [cut, changed, other]) expect(html).toContain(`<li>Refused ${f}`);
      // Each effect once: its sentence, which opens with the verdict ("Not reproduced — …"), not the verdict twice.
      const effects = [report.effects.image_loss, report.effects.caption_gap, report.effects.forgetting];
      for (const [i, eff] of effects.entries()) {
        expect(eff.sentence.toLowerCase().startsWith(eff.verdict)).toBe(true);
        expect(ok.stdout).toContain(`\n${'ABC'[i]}. ${eff.sentence}\n`);
      }
      expect(ok.stdout).not.toMatch(/^[ABC]\. (reproduced|not reproduced|inconclusive)/m);
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
