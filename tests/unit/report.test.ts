// The report from metric records alone: curves read at equal token budgets (interpolation and the area between the
// curves against hand values), the three verdicts on synthetic runs whose truth is known, a run stopped by NaN left
// out of the budgets it did not reach, the fallback for metrics recorded before the text-ids English figure, the
// quality figures with intervals against hand values, and
// `npm run report` rebuilding report.json and report.html from a metrics.csv with nothing beside it.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PRESETS } from '../../src/core/experiment/config';
import { pairedArea, pairedAt, seedPairs, valueAt } from '../../src/core/experiment/curves';
import { metricsCsv } from '../../src/core/experiment/metrics-csv';
import { buildReport, missingForReport } from '../../src/core/experiment/report';
import { reportHtml } from '../../src/core/experiment/html';
import { METRICS } from '../../src/core/metrics';
import { baseCaption, baseImage, syntheticRecords, type SyntheticRun } from './helpers/synthetic-run';

const cfg = { ...PRESETS.cpu, evalImages: 96, margin: 0.05 }; // as the recorded run (before the preset evaluated every image)
const english = (x: number) => 4.2 + 0 * x;
const run = (over: Partial<SyntheticRun> & { arms?: SyntheticRun['arms'] } = {}): SyntheticRun => ({
  seeds: 3,
  steps: 150,
  evalEvery: 15,
  tokensPerStep: 1200,
  noise: 0.01,
  arms: {
    pretrained: { image: baseImage, caption: (x) => baseCaption(x) - 1.4 * Math.exp(-20 * x), english },
    scratch: { image: baseImage, caption: baseCaption, english: (x) => 7 - x },
  },
  ...over,
});

describe('curves at equal token budgets', () => {
  it('interpolates linearly in tokens and has no value outside the evaluated range', () => {
    const c = [
      { step: 0, tokens: 0, value: 10 },
      { step: 10, tokens: 1000, value: 6 },
      { step: 20, tokens: 2000, value: 5 },
    ];
    expect(valueAt(c, 250)).toBeCloseTo(9, 12);
    expect(valueAt(c, 1500)).toBeCloseTo(5.5, 12);
    expect(valueAt(c, 2000)).toBe(5);
    expect(valueAt(c, 2001)).toBeNull();
  });

  it('the area between two straight lines is half the final gap; a run stopped early drops out past its reach', () => {
    const recs = [0, 10, 20, 30, 40].flatMap((step) =>
      [0, 1].flatMap((seed) => [
        { arm: 'a', seed, step, tokens: 100 * step, metric: 'm', value: 1 + 0.01 * step },
        ...(seed === 1 && step > 20 ? [] : [{ arm: 'b', seed, step, tokens: 100 * step, metric: 'm', value: 1 }]),
      ]),
    );
    const pairs = seedPairs(recs, 'a', 'b', 'm', [0, 1]);
    expect(pairs.map((p) => p.budget)).toEqual([4000, 4000]);
    expect(pairs[1].short).toEqual(['b seed 1 stopped at step 20']);
    const area = pairedArea(pairs);
    expect(area.diffs).toEqual([expect.closeTo(0.2, 12)]);
    expect(area.excluded).toEqual([1]);
    expect(pairedAt(pairs, 0.5).diffs).toEqual([expect.closeTo(0.2, 12), expect.closeTo(0.2, 12)]);
    const end = pairedAt(pairs, 1);
    expect([end.seeds, end.excluded]).toEqual([[0], [1]]);
  });
});

describe('verdicts on synthetic runs whose truth is known', () => {
  it('equal image curves within noise, a caption gap that closes early, no forgetting → reproduced, reproduced, not reproduced (kept)', () => {
    const r = buildReport(cfg, syntheticRecords(run()));
    expect(r.effects.image_loss.verdict).toBe('reproduced');
    expect(r.effects.caption_gap.verdict).toBe('reproduced');
    expect(r.effects.caption_gap.closedAt!.fraction).toBeLessThanOrEqual(0.5);
    expect([r.effects.forgetting.verdict, r.effects.forgetting.detail]).toEqual(['not reproduced', 'kept']);
    expect(r.effects.forgetting.basis).toBe('text ids');
    // Nothing to work around; the only note says how far each held-out curve moved over its last tenth.
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toMatch(
      /^Change of the held-out losses over the last 10% of the tokens .*pretrained image [+−]\d\.\d{3}, pretrained caption [+−]\d\.\d{3}, scratch image/,
    );
  });

  it('A: 0.5 nats worse → not reproduced (hurt); 0.5 better → not reproduced (helped); the headline is the paired mean at the end', () => {
    const worse = syntheticRecords(
      run({ arms: { ...run().arms, pretrained: { ...run().arms.pretrained, image: (x) => baseImage(x) + 0.5 } } }),
    );
    const a = buildReport(cfg, worse).effects.image_loss;
    expect([a.verdict, a.detail]).toEqual(['not reproduced', 'hurt']);
    const last = (arm: string, seed: number) =>
      worse.filter((q) => q.arm === arm && q.seed === seed && q.metric === METRICS.valImageLoss && q.step === 150)[0]
        .value;
    expect(a.diff.mean).toBeCloseTo(
      [0, 1, 2].reduce((s, seed) => s + last('pretrained', seed) - last('scratch', seed), 0) / 3,
      12,
    );
    expect(a.diff.n).toBe(3);
    const better = buildReport(
      cfg,
      syntheticRecords(
        run({ arms: { ...run().arms, pretrained: { ...run().arms.pretrained, image: (x) => baseImage(x) - 0.5 } } }),
      ),
    ).effects.image_loss;
    expect([better.verdict, better.detail]).toEqual(['not reproduced', 'helped']);
  });

  it('A as compute: a pre-trained curve twice as fast reaches the final image loss of scratch at half the budget', () => {
    // pretrained(x) = baseImage(2x) meets baseImage(1) at x = 0.5 exactly; noise 0.001 and evaluations every tenth
    // of the run (linear between them, on a convex curve) move the crossing by well under 0.03.
    const fast = run({
      noise: 0.001,
      arms: { ...run().arms, pretrained: { ...run().arms.pretrained, image: (x) => baseImage(2 * x) } },
    });
    const r = buildReport(cfg, syntheticRecords(fast));
    const t = r.effects.image_loss.tokensSaved;
    expect(t.perSeed).toHaveLength(3);
    for (const s of t.perSeed) expect(Math.abs(s.share! - 0.5)).toBeLessThan(0.03);
    expect(t.saved!.mean).toBeCloseTo(1 - t.share!.mean, 12);
    // Equal curves: the pre-trained arm gets there only near the end, or never (noise) — at most a few % saved.
    const same = buildReport(cfg, syntheticRecords(run({ noise: 0.001 }))).effects.image_loss.tokensSaved;
    for (const s of same.perSeed) expect(s.share === null || s.share > 0.9).toBe(true);
    expect(r.effects.caption_gap.tokensSaved.perSeed).toHaveLength(3);
  });

  it('A along the run: the difference curve at every evaluation with its 95% interval; charted with ±margin; caveats in the verdict table', () => {
    const records = syntheticRecords(run());
    const r = buildReport(cfg, records, { valImages: 96, lm: 'public/models/lm-austen' });
    const curve = r.effects.image_loss.diffCurve;
    expect(curve).toHaveLength(11); // steps 0, 15, …, 150
    const pairs = seedPairs(records, 'pretrained', 'scratch', METRICS.valImageLoss, [0, 1, 2]);
    const half = pairedAt(pairs, 0.5);
    const mid = curve.find((d) => Math.abs(d.fraction - 0.5) < 1e-12)!;
    expect(mid.mean).toBeCloseTo(half.diffs.reduce((a, b) => a + b, 0) / 3, 12);
    expect(mid.ci95![1] - mid.mean).toBeCloseTo((4.302652729749462 * mid.sd!) / Math.sqrt(3), 12);
    const html = reportHtml(r, records);
    expect(html).toContain('A: image loss, pretrained − scratch, from 25% of tokens');
    expect(html).toContain('line: mean over seeds; band: 95% CI (paired t)');
    expect(html).toContain('>+margin 0.05<');
    expect(html).toContain('>−margin 0.05<');
    expect(html).toContain('>training tokens<');
    expect(r.caveats[0]).toMatch(
      /^Power \(paired t, α 0\.05\): A: at sd 0\.\d{3} over 3 seeds the run tells 0\.\d{3} from zero/,
    );
    expect(r.caveats[1]).toBe(
      "Evaluation set: held-out losses on the first 96 validation images in the split's order — not a sample over every category (96 images evaluated).",
    );
    expect(r.caveats[2]).toMatch(
      /^Pre-trained LM: public\/models\/lm-austen; this report holds no measure of its strength/,
    );
    expect(r.caveats[3]).toBe('Learning rates: no sweep recorded with this report.');
    expect(html).toMatch(/<tr><th>Caveats<\/th>.*Evaluation set: held-out losses on the first 96/);
  });

  it('B: a caption gap that lasts → not reproduced (persists)', () => {
    const lasting = run({
      arms: { ...run().arms, pretrained: { ...run().arms.pretrained, caption: (x) => baseCaption(x) - 1.0 } },
    });
    const b = buildReport(cfg, syntheticRecords(lasting)).effects.caption_gap;
    expect([b.verdict, b.detail]).toEqual(['not reproduced', 'persists']);
    expect(b.diff.mean).toBeCloseTo(1.0, 1);
    expect(b.closedAt).toBeNull();
  });

  it('C: the pre-trained arm forgetting ×5 over text ids → reproduced; full-softmax figure beside it', () => {
    const forgets = run({
      arms: {
        ...run().arms,
        pretrained: {
          ...run().arms.pretrained,
          english: (x) => 4.2 + Math.log(5) * Math.min(1, 3 * x),
          imageLeak: (x) => x,
        },
      },
    });
    const c = buildReport(cfg, syntheticRecords(forgets)).effects.forgetting;
    expect(c.verdict).toBe('reproduced');
    expect(c.ratio.mean).toBeGreaterThan(4.8);
    expect(c.ratio.mean).toBeLessThan(5.2);
    expect(c.fullSoftmax!.ratio.mean).toBeCloseTo(5 * Math.E, 0);
  });

  it('too few seeds or too much noise → inconclusive', () => {
    const one = buildReport(cfg, syntheticRecords(run({ seeds: 1 })));
    for (const e of Object.values(one.effects)) expect(e.verdict).toBe('inconclusive');
    const noisy = buildReport(cfg, syntheticRecords(run({ noise: 0.4 })));
    expect(noisy.effects.image_loss.verdict).toBe('inconclusive');
  });

  it('a run stopped by NaN is compared only at the budgets it reached, and the report says so', () => {
    // The lifecycle's (and scale/train.py's) stop message names the run in report meta.stopped.
    const stopped = [
      'arm scratch, seed 1: the loss or gradient became NaN/Inf at step 61; the run stopped and keeps its last good checkpoint',
    ];
    const r = buildReport(cfg, syntheticRecords(run({ stop: { arm: 'scratch', seed: 1, step: 60 } })), { stopped });
    const tests = r.effects.image_loss.tests;
    expect(tests.map((t) => t.n)).toEqual([3, 2, 2, 2, 2]);
    expect(tests[3].excludedSeeds).toEqual([1]);
    expect(r.effects.image_loss.diff.n).toBe(2);
    expect(r.notes).toContain(
      'scratch seed 1 stopped at step 60 (NaN/Inf): image-token loss compared only at the budgets it reached.',
    );
  });

  it('never invents a NaN/Inf: records that merely end (a stopped or killed run, lost rows) are said to end, a non-finite training loss is a divergence', () => {
    const records = syntheticRecords(run({ stop: { arm: 'scratch', seed: 1, step: 60 } }));
    const cut = buildReport(cfg, records);
    expect(cut.notes).toContain(
      'scratch seed 1 stopped at step 60 (its records end there: the run is incomplete): image-token loss compared only at the budgets it reached.',
    );
    expect(cut.notes.join(' ')).not.toMatch(/NaN\/Inf/);
    // As scale/train.py may log it (its NaN step's training loss), without a stop message.
    const diverged = buildReport(cfg, [
      ...records,
      { arm: 'scratch', seed: 1, step: 61, tokens: 0, metric: 'train/loss', value: NaN },
    ]);
    expect(diverged.notes).toContain(
      'scratch seed 1 stopped at step 60 (NaN/Inf): image-token loss compared only at the budgets it reached.',
    );
  });

  it('falls back to the full softmax, saying so, when the records predate the text-ids figure', () => {
    const r = buildReport(cfg, syntheticRecords(run({ oldKeys: true })));
    expect(r.effects.forgetting.basis).toBe('full softmax');
    expect(r.effects.forgetting.fullSoftmax).toBeNull();
    expect(r.effects.forgetting.sentence).toMatch(
      /over the full softmax \(this metrics\.csv predates the text-ids figure/,
    );
    expect(r.notes.some((n) => n.includes('val/english_loss_text_ids'))).toBe(true);
  });

  it('judges the other arms under the same rules: A per pre-trained/scratch pair of a kind, C per other pre-trained arm', () => {
    const arms = run().arms;
    const r = buildReport(
      cfg,
      syntheticRecords(
        run({
          arms: {
            ...arms,
            'pretrained-frozen': { ...arms.pretrained, image: (x) => baseImage(x) + 0.5 },
            'scratch-frozen': arms.scratch,
            'pretrained-mix': { ...arms.pretrained, english: (x) => 4.2 + 2 * x },
          },
        }),
      ),
    );
    expect(Object.keys(r.otherArms.image_loss)).toEqual(['pretrained-frozen vs scratch-frozen']);
    expect(r.otherArms.image_loss['pretrained-frozen vs scratch-frozen'].detail).toBe('hurt');
    expect(Object.keys(r.otherArms.forgetting).sort()).toEqual(['pretrained-frozen', 'pretrained-mix']);
    expect(r.otherArms.forgetting['pretrained-mix'].verdict).toBe('reproduced'); // +2 nats: ×7.4
    expect(r.otherArms.forgetting['pretrained-frozen'].detail).toBe('kept');
    expect(r.effects.image_loss.verdict).toBe('reproduced'); // the main pair is unaffected
  });

  it('refuses records without the scratch arm, naming what is missing; missingForReport says the same without throwing', () => {
    const all = syntheticRecords(run());
    const recs = all.filter((q) => q.arm !== 'scratch');
    expect(() => buildReport(cfg, recs)).toThrow(/no val\/image_loss for the scratch arm/);
    expect(missingForReport(recs)).toMatch(/no val\/image_loss for the scratch arm$/);
    // A run whose English evaluation has not come in yet (the page asks before judging a run early).
    expect(missingForReport(all.filter((q) => q.metric !== METRICS.valEnglishLoss))).toMatch(
      /no val\/english_loss for the pretrained arm$/,
    );
    expect(missingForReport(all)).toBeNull();
  });
});

describe('quality of generated images', () => {
  it('gives every arm an interval over seeds and pretrained − scratch paired by seed', () => {
    const perSeed = {
      pretrained: [
        { seed: 0, accuracy: 0.5, frechet: 6 },
        { seed: 1, accuracy: 0.6, frechet: 7 },
        { seed: 2, accuracy: 0.7, frechet: 8 },
      ],
      scratch: [
        { seed: 0, accuracy: 0.6, frechet: 4 },
        { seed: 1, accuracy: 0.6, frechet: 5 },
        { seed: 2, accuracy: 0.6, frechet: 6 },
      ],
    };
    const quality = { classes: ['a', 'b'], classifierValAccuracy: 0.9, samples: 64, perArm: {}, perSeed };
    const q = buildReport(cfg, syntheticRecords(run()), { quality }).quality!;
    // accuracy 0.5, 0.6, 0.7: mean 0.6, sd 0.1, half-width t(0.975, 2)·0.1/√3
    expect(q.byArm.pretrained.accuracy.mean).toBeCloseTo(0.6, 12);
    expect(q.byArm.pretrained.accuracy.ci95![1]).toBeCloseTo(0.6 + (4.302652729749462 * 0.1) / Math.sqrt(3), 10);
    // Fréchet differences 2, 2, 2: mean 2 with no spread
    expect(q.pretrainedMinusScratch!.frechet.mean).toBeCloseTo(2, 12);
    expect(q.pretrainedMinusScratch!.accuracy.ci95![0]).toBeCloseTo(-(4.302652729749462 * 0.1) / Math.sqrt(3), 10);
    expect(q.sentence).toMatch(/pretrained recognised 60\.0% \(95% CI 35\.2 to 84\.8\)/);
  });

  it('reads a figure recorded for seed 0 only, saying it has no interval', () => {
    const quality = {
      classes: ['a', 'b'],
      classifierValAccuracy: 0.9,
      samples: 64,
      perArm: { pretrained: { accuracy: 0.625, frechet: 6.8 }, scratch: { accuracy: 0.625, frechet: 4.3 } },
    };
    const r = buildReport(cfg, syntheticRecords(run()), { quality });
    expect(r.quality!.byArm.scratch.frechet).toEqual({ mean: 4.3, ci95: null, n: 1, sd: null });
    expect(r.notes).toContain(
      'The quality figure was recorded for seed 0 only (before every seed was judged): it has no interval.',
    );
  });
});

describe('npm run report', () => {
  it('rebuilds report.json and report.html from metrics.csv alone under the current rules', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'report-'));
    try {
      const records = syntheticRecords(
        run({ arms: { ...run().arms, pretrained: { ...run().arms.pretrained, image: (x) => baseImage(x) + 0.5 } } }),
      );
      await writeFile(join(dir, 'metrics.csv'), metricsCsv(records));
      const { stdout } = await promisify(execFile)('node', ['--import', 'tsx', 'src/cli/report.ts', dir]);
      expect(stdout).toMatch(/^A\. not reproduced — hurt: Not reproduced — pre-training hurt/m);
      expect(stdout).toMatch(/note: Rebuilt from metrics\.csv alone/);
      const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
      expect(report.config).toBeNull();
      expect(report.effects).toEqual(JSON.parse(JSON.stringify(buildReport(null, records).effects)));
      const html = await readFile(join(dir, 'report.html'), 'utf8');
      expect(html).toMatch(/Caption-token loss gap, scratch − pretrained/);
      expect(html).toMatch(/p equivalent \(TOST\)/);
      expect(html).not.toMatch(/<script/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
