// The GPT and measurement flags of the train-step benchmark, shared by `npm run bench` (Node) and `npm run
// bench:browser` (Chromium): one table, so both answer --help alike and default to core/bench.ts's DEFAULT_BENCH.
import { DEFAULT_BENCH } from '../core/bench';
import type { FlagTable } from './common';

/** Each defaults to DEFAULT_BENCH (bench's table without --json pins layers, embd and heads to its two sizes). */
export const BENCH_FLAGS = {
  layers: { type: 'string', value: 'L', description: 'transformer blocks', defaultText: String(DEFAULT_BENCH.layers) },
  embd: {
    type: 'string',
    value: 'D',
    description: 'embedding width, divisible by --heads',
    defaultText: String(DEFAULT_BENCH.embd),
  },
  heads: { type: 'string', value: 'H', description: 'attention heads', defaultText: String(DEFAULT_BENCH.heads) },
  vocab: { type: 'string', value: 'V', description: 'vocabulary size', defaultText: String(DEFAULT_BENCH.vocab) },
  context: {
    type: 'string',
    value: 'T',
    description: 'context length in tokens',
    defaultText: String(DEFAULT_BENCH.context),
  },
  batch: { type: 'string', value: 'N', description: 'sequences per step', defaultText: String(DEFAULT_BENCH.batch) },
  warmup: {
    type: 'string',
    value: 'N',
    description: 'untimed warm-up steps',
    defaultText: String(DEFAULT_BENCH.warmup),
  },
  steps: {
    type: 'string',
    value: 'N',
    description: 'timed steps (the median is reported)',
    defaultText: String(DEFAULT_BENCH.steps),
  },
  seed: {
    type: 'string',
    value: 'S',
    description: 'the seed of the weights and batches',
    defaultText: String(DEFAULT_BENCH.seed),
  },
} as const satisfies FlagTable;
