// npm run compare across runs on different data or models (issue 24, kind 7): the dataset, LM and VQ tokenizer (and
// their hashes where recorded) appear whenever they differ, with a note; its advice for a stopped run is a command
// that replicate accepts: the run's saved flags with --resume, checked by parsing it back into the same flags.
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PRESETS } from '../../src/core/experiment/config';
import { compareMarkdown, compareRuns, differingFields } from '../../src/core/experiment/compare';
import { buildReport } from '../../src/core/experiment/report';
import { DEFAULT_MODELS, EXPERIMENT_FILE, checkResume, resumeCommand, runFlags } from '../../src/cli/resume-args';
import { SETUP_OPTIONS, parseSetup } from '../../src/cli/setup-flags';
import { parseArgs } from 'node:util';
import { baseCaption, baseImage, syntheticRecords } from './helpers/synthetic-run';

const records = syntheticRecords({
  seeds: 2,
  steps: 60,
  evalEvery: 15,
  tokensPerStep: 1200,
  noise: 0.01,
  arms: {
    pretrained: { image: baseImage, caption: baseCaption, english: (x) => 4 + x },
    scratch: { image: baseImage, caption: baseCaption, english: (x) => 7 - x },
  },
});
const report = (meta: Record<string, unknown>) => buildReport({ ...PRESETS.cpu, margin: 0.05 }, records, meta);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('compare shows what the runs were trained on (kind 7)', () => {
  it('adds the dataset, LM and VQ columns when they differ, with a note, and "not recorded" where a report lacks one', () => {
    const a = {
      source: 'runs/a',
      report: report({
        dataset: 'emoji-twemoji',
        lm: 'public/models/lm-austen',
        vq: 'public/models/vq-twemoji32',
        vqKey: 'k1',
      }),
    };
    const b = {
      source: 'runs/b',
      report: report({
        dataset: '/data/shapes',
        lm: 'public/models/lm-austen',
        vq: 'public/models/vq-twemoji32',
        vqKey: 'k2',
      }),
    };
    const c = { source: 'runs/c', report: report({ dataset: 'emoji-twemoji' }) };
    expect(differingFields([a, b])).toEqual(['dataset', 'vqKey']);
    const md = compareMarkdown(compareRuns([a, b]));
    expect(md.split('\n')[0]).toBe(
      '| dataset | vqKey | seeds × steps | caption tokens | A image loss, end (95% CI) | B caption gap: step 0 → left | C English ppl × | minutes |',
    );
    expect(md).toContain('| emoji-twemoji | k1 | 2 × ');
    expect(md).toContain(
      'Note: these runs were trained on different dataset, vqKey (the first columns): their losses are measured on different data or models, so the rows are not like for like.',
    );
    const rows = compareRuns([a, c]);
    expect(rows.map((r) => r.axis)).toEqual([
      { lm: 'public/models/lm-austen', vq: 'public/models/vq-twemoji32', vqKey: 'k1' },
      { lm: 'not recorded', vq: 'not recorded', vqKey: 'not recorded' },
    ]);
    // The same data and models: no setup column, no note.
    const same = compareMarkdown(compareRuns([a, { ...a, source: 'runs/a2' }]));
    expect(same).not.toContain('Note:');
    expect(same.split('\n')[0]).toMatch(/^\| run \|/);
  });
});

/** replicate's argv for a command line (no quoting needed for these paths). */
function parseCommand(cmd: string) {
  expect(cmd.startsWith('npm run replicate -- ')).toBe(true);
  const { values } = parseArgs({
    args: cmd.slice('npm run replicate -- '.length).split(' '),
    options: {
      ...SETUP_OPTIONS,
      out: { type: 'string' },
      dataset: { type: 'string' },
      lm: { type: 'string' },
      vq: { type: 'string' },
      'train-vq': { type: 'boolean' },
      resume: { type: 'boolean' },
    },
    strict: true,
  });
  return values;
}

describe("compare's advice for a stopped run works (kind 7)", () => {
  const cases: [string, Record<string, string>, object?][] = [
    ['a preset alone', { preset: 'smoke' }],
    [
      'every run-defining flag changed',
      {
        preset: 'cpu',
        seeds: '2',
        arms: 'pretrained,scratch,pretrained-frozen,scratch-frozen',
        steps: '40',
        batch: '8',
        schedule: 'wsd',
        warmup: '3',
        'eval-every': '5',
        'eval-images': '0',
        'caption-level': 'L3',
        'row-init': 'mean',
        lr: '0.002',
      },
    ],
    ['per-arm rates and a token budget', { preset: 'smoke', lr: 'pretrained=0.004,scratch=0.002', tokens: '30000' }],
    [
      'a swept run',
      { preset: 'smoke' },
      { lrs: [0.001, 0.003], steps: 2, seeds: 1, best: { pretrained: 0.003, scratch: 0.001 } },
    ],
    [
      'a fair-swept run around its own --lr',
      { preset: 'cpu', lr: '0.002', 'lr-sweep': 'fair' },
      {
        lrs: [0.001, 0.002],
        steps: 450,
        seeds: 2,
        protocol: { centre: 0.002, ratio: Math.SQRT2, points: 6, steps: 450, seeds: 2, maxExtensions: 4 },
        best: { pretrained: 0.002, scratch: 0.001 },
      },
    ],
  ];
  for (const [what, flags, sweep] of cases)
    it(`rebuilds the saved flags with --resume: ${what}`, () => {
      const out = mkdtempSync(join(tmpdir(), 'stopped-'));
      dirs.push(out);
      const setup = parseSetup(flags);
      const saved = runFlags(setup.cfg, {
        dataset: what === 'a preset alone' ? undefined : '/data/shapes',
        lm: what === 'a swept run' ? '/models/my-lm' : DEFAULT_MODELS.lm,
        vq: 'public/models/vq-twemoji32',
        trainVq: false,
        tokens: setup.tokens,
      });
      mkdirSync(join(out, 'checkpoints', 'pretrained-s0'), { recursive: true });
      writeFileSync(join(out, 'checkpoints', EXPERIMENT_FILE), JSON.stringify(saved));
      if (sweep) writeFileSync(join(out, 'sweep.json'), JSON.stringify(sweep));
      const cmd = resumeCommand(out)!;
      const v = parseCommand(cmd);
      expect([v.out, v.resume]).toEqual([out, true]);
      const again = parseSetup(v);
      // replicate's defaults fill in what the command leaves out.
      expect(
        runFlags(again.cfg, {
          dataset: v.dataset,
          lm: v.lm ?? DEFAULT_MODELS.lm,
          vq: v.vq ?? DEFAULT_MODELS.vq,
          trainVq: v['train-vq'] ?? false,
          tokens: again.tokens,
        }),
      ).toEqual(saved);
      if (what === 'a preset alone') expect(cmd).toBe(`npm run replicate -- --preset smoke --out ${out} --resume`);
      expect(() => checkResume(out, saved, true)).not.toThrow();
      if (what === 'a swept run') expect(again.sweep).toEqual({ lrs: [0.001, 0.003], steps: 2, seeds: 1 });
      if (what === 'a swept run') expect(cmd).toContain(' --lm /models/my-lm ');
      if (what.startsWith('a fair-swept run'))
        expect([again.sweep, again.cfg.lr, cmd.includes(' --lr-sweep fair --sweep-seeds 2 --lr 0.002')]).toEqual([
          { lrs: [], steps: 450, seeds: 2, fair: {} },
          0.002,
          true,
        ]);
    });

  it('npm run compare gives that command for a stopped run, and report for metrics without a report', async () => {
    const root = mkdtempSync(join(tmpdir(), 'compare-stopped-'));
    dirs.push(root);
    const stopped = join(root, 'stopped');
    mkdirSync(join(stopped, 'checkpoints'), { recursive: true });
    writeFileSync(
      join(stopped, 'checkpoints', EXPERIMENT_FILE),
      JSON.stringify(
        runFlags(parseSetup({ preset: 'smoke' }).cfg, {
          lm: 'public/models/lm-austen',
          vq: 'public/models/vq-twemoji32',
          trainVq: false,
        }),
      ),
    );
    const done = join(root, 'done');
    mkdirSync(done);
    writeFileSync(join(done, 'report.json'), JSON.stringify(report({})));
    const err = await promisify(execFile)('npx', ['tsx', 'src/cli/compare.ts', done, stopped]).then(
      () => null,
      (e: { stderr: string; code: number }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr.trim()).toBe(
      `compare: ${join(stopped, 'report.json')}: missing; the run there stopped before its report; continue it with ${resumeCommand(stopped)}`,
    );
    writeFileSync(join(stopped, 'metrics.csv'), 'arm,seed,step,tokens,metric,value\n');
    const err2 = await promisify(execFile)('npx', ['tsx', 'src/cli/compare.ts', done, stopped]).then(
      () => null,
      (e: { stderr: string; code: number }) => e,
    );
    expect(err2?.stderr.trim()).toBe(
      `compare: ${join(stopped, 'report.json')}: missing; build it from the run's metrics with npm run report -- ${stopped}`,
    );
  });
});
