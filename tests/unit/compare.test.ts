// Replications side by side: reports built by report.ts from synthetic runs whose truth is known (equal image loss
// at caption level L0, 0.5 nats worse at L4, with a frozen pair beside), compared row by row — the axis is the one
// setup field that differs, each row carries its report's own headline figures — and the CLI's refusals.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PRESETS, type ArmName } from '../../src/core/experiment/config';
import { compareMarkdown, compareRuns, differingFields, estimateText } from '../../src/core/experiment/compare';
import { buildReport } from '../../src/core/experiment/report';
import { baseCaption, baseImage, syntheticRecords, type SyntheticRun } from './helpers/synthetic-run';

const arms: SyntheticRun['arms'] = {
  pretrained: {
    image: baseImage,
    caption: (x) => baseCaption(x) - 1.4 * Math.exp(-20 * x),
    english: (x) => 4.2 + 2 * x,
  },
  scratch: { image: baseImage, caption: baseCaption, english: (x) => 7 - x },
};
const run = (a: SyntheticRun['arms']): SyntheticRun => ({
  seeds: 3,
  steps: 150,
  evalEvery: 15,
  tokensPerStep: 1200,
  noise: 0.01,
  arms: a,
});
// A cpu-shaped setup pinned here (3 seeds, two arms, the rates the levels were run at), not read from the preset.
const cpu3 = {
  ...PRESETS.cpu,
  seeds: 3,
  arms: ['pretrained', 'scratch'] as ArmName[],
  lrByArm: { pretrained: 0.015, scratch: 0.006 },
};
const l0 = buildReport({ ...cpu3, captionLevel: 'L0', margin: 0.05 }, syntheticRecords(run(arms)), {
  seconds: 600,
  meanCaptionTokens: 2.5,
});
const worse = { ...arms, pretrained: { ...arms.pretrained, image: (x: number) => baseImage(x) + 0.5 } };
const frozen = { 'pretrained-frozen': worse.pretrained, 'scratch-frozen': arms.scratch };
const l4 = buildReport(
  {
    ...cpu3,
    arms: ['pretrained', 'scratch', 'pretrained-frozen', 'scratch-frozen'],
    captionLevel: 'L4',
    margin: 0.05,
  },
  syntheticRecords(run({ ...worse, ...frozen })),
  { seconds: 900, meanCaptionTokens: 30 },
);

describe('compare', () => {
  it('finds the axis, and each row holds its own report’s verdicts and headline estimates', () => {
    const inputs = [
      { source: 'runs/c-L0', report: l0 },
      { source: 'runs/c-L4', report: l4 },
    ];
    expect(differingFields(inputs)).toEqual(['captionLevel', 'arms', 'rates']);
    const [r0, r4] = compareRuns(inputs);
    expect(r0.axis.captionLevel).toBe('L0');
    expect(r4.axis).toEqual({
      captionLevel: 'L4',
      arms: 'pretrained,scratch,pretrained-frozen,scratch-frozen',
      rates: 'pretrained=0.015,scratch=0.006,pretrained-frozen=0.006,scratch-frozen=0.006',
    });
    expect([r0.imageLoss.verdict, r4.imageLoss.verdict]).toEqual(['reproduced', 'not reproduced — hurt']);
    expect(r4.imageLoss.end.mean).toBe(l4.effects.image_loss.diff.mean);
    expect(r4.imageLoss.end.mean).toBeCloseTo(0.5, 1);
    expect(r0.captionGap.left.mean).toBe(l0.effects.caption_gap.diff.mean);
    expect(r0.captionGap.peak!.mean).toBe(l0.effects.caption_gap.peak!.mean);
    expect(r0.captionGap.start!.mean).toBe(l0.effects.caption_gap.start!.mean); // B's reference: the gap at step 0
    expect(r0.forgetting.ratio).toEqual({
      mean: l0.effects.forgetting.ratio.mean,
      lo: l0.effects.forgetting.ratio.ci95![0],
      hi: l0.effects.forgetting.ratio.ci95![1],
    });
    expect([r0.minutes, r4.minutes, r0.captionTokens, r0.steps, r0.seeds]).toEqual([10, 15, 2.5, 450, 3]);
    expect(Object.keys(r0.otherArms)).toEqual([]);
    expect(r4.otherArms['pretrained-frozen vs scratch-frozen'].verdict).toBe('not reproduced — hurt');
    expect(r4.otherArms['pretrained-frozen'].kind).toBe('forgetting ×');

    const md = compareMarkdown([r0, r4]);
    const lines = md.trim().split('\n');
    expect(lines[0]).toBe(
      '| captionLevel | arms | rates | seeds × steps | caption tokens | A image loss, end (95% CI) | B caption gap: step 0 → left | C English ppl × | minutes |',
    );
    expect(lines[2]).toMatch(/^\| L0 \| pretrained,scratch \| .* \| 3 × 450 \| 2\.5 \| reproduced: /);
    expect(lines[3]).toMatch(/\| not reproduced — hurt: 0\.(49|50)\d \(/);
    expect(md).toContain('| runs/c-L4 | A: pretrained-frozen vs scratch-frozen');
    expect(md).toContain('A: pretrained-frozen vs scratch-frozen | not reproduced — hurt |');
  });

  it('writes estimates with their interval, and says when one seed gave none', () => {
    expect(estimateText({ mean: -0.0712, lo: -0.1339, hi: -0.0071 })).toBe('-0.071 (-0.134 to -0.007)');
    expect(estimateText({ mean: 60.49, lo: 36.8, hi: 99.4 }, '×')).toBe('×60.5 (×36.8 to ×99.4)');
    expect(estimateText({ mean: 1.5, lo: null, hi: null })).toBe('1.50 (no interval)');
  });

  it('refuses a file that is not a replication report, naming it', () => {
    expect(() => compareRuns([{ source: 'runs/x', report: { ...l0, effects: {} as typeof l0.effects } }])).toThrow(
      "runs/x/report.json: not a replication report (no effects.image_loss, effects.caption_gap, effects.forgetting); rebuild it from the run's metrics.csv with npm run report -- runs/x",
    );
    expect(() =>
      compareRuns([
        {
          source: 'runs/y',
          report: { ...l0, effects: { ...l0.effects, forgetting: {} as typeof l0.effects.forgetting } },
        },
      ]),
    ).toThrow(/^runs\/y\/report\.json: not a replication report \(no effects\.forgetting\)/);
  });

  it('npm run compare prints the table and writes .md and .json; a folder without report.json is refused with the fix', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'compare-'));
    try {
      for (const [name, r] of [
        ['L0', l0],
        ['L4', l4],
      ] as const) {
        await mkdir(join(dir, name));
        await writeFile(join(dir, name, 'report.json'), JSON.stringify(r));
      }
      const run = promisify(execFile);
      const { stdout } = await run('npx', [
        'tsx',
        'src/cli/compare.ts',
        join(dir, 'L0'),
        join(dir, 'L4'),
        '--out',
        join(dir, 'levels'),
      ]);
      expect(stdout).toContain('| L0 |');
      expect(await readFile(join(dir, 'levels.md'), 'utf8')).toContain('| L4 |');
      expect(
        JSON.parse(await readFile(join(dir, 'levels.json'), 'utf8')).map(
          (r: { axis: { captionLevel: string } }) => r.axis.captionLevel,
        ),
      ).toEqual(['L0', 'L4']);
      const bad = await run('npx', ['tsx', 'src/cli/compare.ts', join(dir, 'L0'), join(dir, 'nope')]).then(
        () => null,
        (e: { stderr: string; code: number }) => e,
      );
      expect(bad?.code).toBe(1); // a refused file exits 1, a bad argument list 2
      expect(bad?.stderr).toContain(`${join(dir, 'nope', 'report.json')}: missing; run npm run replicate`);
      const file = await run('npx', [
        'tsx',
        'src/cli/compare.ts',
        join(dir, 'L0', 'report.json'),
        join(dir, 'L4'),
      ]).then(
        () => null,
        (e: { stderr: string; code: number }) => e,
      );
      expect([file?.code, file?.stderr.trim()]).toEqual([
        1,
        `compare: ${join(dir, 'L0', 'report.json')}: a file; compare takes run folders (the folder that holds report.json, e.g. public/runs/cpu)`,
      ]);
      const twice = await run('npx', ['tsx', 'src/cli/compare.ts', join(dir, 'L0'), join(dir, 'L0')]).then(
        () => null,
        (e: { stderr: string; code: number }) => e,
      );
      expect([twice?.code, twice?.stderr]).toEqual([2, expect.stringContaining('is given twice')]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
