// Hand-made result cards of a known run (synthetic-run.ts): four seeds of the lesson preset over fixed input
// digests, each seed's card made as a page seat (or the command line) would make it. Shared by pool.test.ts,
// pool-cli.test.ts and the teacher view's e2e test.
import { makeCard, type ResultCard } from '../../../src/core/experiment/card';
import { PRESETS, type ExperimentConfig } from '../../../src/core/experiment/config';
import { setupIdentity } from '../../../src/core/experiment/fingerprint';
import type { MetricRecord } from '../../../src/core/experiment/runner';
import { baseCaption, baseImage, syntheticRecords } from './synthetic-run';

export const cfg: ExperimentConfig = { ...PRESETS.lesson, seeds: 4, steps: 120, evalEvery: 15 };
export const inputs = {
  dataset: { name: 'twemoji', digest: 'a'.repeat(64) },
  lm: { name: 'lm-austen', digest: 'b'.repeat(64) },
  vq: { name: 'vq', digest: 'c'.repeat(64) },
};
export const all = syntheticRecords({
  seeds: 4,
  steps: 120,
  evalEvery: 15,
  tokensPerStep: 1200,
  noise: 0.05,
  arms: {
    pretrained: {
      image: baseImage,
      caption: (x) => baseCaption(x) - 1.2 * Math.exp(-15 * x),
      english: (x) => 4.2 + 0.3 * x,
    },
    scratch: { image: (x) => baseImage(x) + 0.02, caption: baseCaption, english: (x) => 7 - x },
  },
});
// A train record too: cards keep only the held-out and diagnostic ones.
all.push({ arm: 'pretrained', seed: 0, step: 1, tokens: 1200, metric: 'train/loss', value: 9 });
export const quality = {
  classes: ['a'],
  classifierValAccuracy: 0.8,
  samples: 4,
  perArm: {},
  perSeed: {
    pretrained: [0, 1, 2, 3].map((seed) => ({ seed, accuracy: 0.1 * seed, frechet: 1 + seed })),
    scratch: [0, 1, 2, 3].map((seed) => ({ seed, accuracy: 0.05 * seed, frechet: 2 + seed })),
  },
};

/** Seed `seed`'s card: seat = seed, a page card made 2026-01-01, unless `over` says otherwise. */
export function seatCard(
  seed: number,
  over: {
    config?: Partial<ExperimentConfig>;
    seat?: number | null;
    engine?: string;
    origin?: 'page' | 'cli';
    made?: string;
    records?: MetricRecord[];
    /** Shared before the finish: no quality figure, no validation image count. */
    unfinished?: boolean;
  } = {},
): ResultCard {
  const config = { ...cfg, seeds: 1, firstSeed: seed, ...over.config };
  const records = over.records ?? all.filter((r) => r.seed === seed);
  return makeCard({
    identity: setupIdentity(config, inputs),
    config,
    seat: over.seat === undefined ? seed : over.seat,
    records,
    engine: over.engine ?? 'tfjs',
    backend: 'wasm',
    origin: over.origin ?? 'page',
    valImages: over.unfinished ? null : 96,
    stopped: [],
    quality: over.unfinished ? null : quality,
    made: over.made ?? '2026-01-01T00:00:00.000Z',
  });
}
