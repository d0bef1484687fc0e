/**
 * `npm run -s bench -- --json --backend wasm|cpu|webgpu --layers L --embd D --heads H --vocab V --context T --batch N`
 * (the bench contract): prints one JSON line (src/core/bench.ts: tokens_per_s, ms_per_step, mfu, matmul_gflops,
 * params, tensors_before, tensors_after, …) for one config in this fresh process. `--profile` adds `profile_top`, the
 * per-kernel time of one extra step; `--sample` adds the live-sample time (4 prompts of 31 ids + 64 new ids) with and
 * without the key/value cache (`sample_ms_cached`, `sample_ms_uncached`). Every line carries the WebGPU counts of a
 * step (`dispatches_per_step`, `readbacks_per_step`, `uploads_per_step`, their bytes; 0 on other backends, said in
 * `gpu_counts`); `--groups` adds `dispatches_by_group` (src/core/gpu-groups.ts). Without `--json`: a table of the two sizes the project compares with the npm tfjs
 * GPT peer (2L×d64 and 4L×d128, vocab 1024, context 96, batch 16), each measured in its own fresh process.
 * Prints figures; asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { initNodeBackend } from './backend-node';
import type { BackendName } from '../core/backend';
import {
  DEFAULT_BENCH,
  benchSampling,
  benchTrainStep,
  profileTrainStep,
  type BenchConfig,
  type BenchResult,
} from '../core/bench';
import { UsageError, backendArg, intArg, parseFlags, runCli } from './common';
import { BENCH_FLAGS } from './bench-flags';
import { countStepGroups } from '../core/gpu-groups';

const TABLE_SIZES = [
  { layers: 2, embd: 64, heads: 4 },
  { layers: 4, embd: 128, heads: 4 },
];

function configFrom(v: Record<string, string | boolean | undefined>): BenchConfig {
  const n = (k: keyof BenchConfig, lo: number, hi: number) =>
    v[k] === undefined ? DEFAULT_BENCH[k] : intArg(v[k] as string, k, lo, hi);
  const c: BenchConfig = {
    layers: n('layers', 1, 64),
    embd: n('embd', 8, 4096),
    heads: n('heads', 1, 64),
    vocab: n('vocab', 2, 65536),
    context: n('context', 2, 4096),
    batch: n('batch', 1, 4096),
    warmup: n('warmup', 1, 100),
    steps: n('steps', 1, 1000),
    seed: n('seed', 0, 2 ** 31 - 1),
  };
  if (c.embd % c.heads !== 0) throw new UsageError(`--embd (${c.embd}) must be divisible by --heads (${c.heads})`);
  return c;
}

async function one(
  backend: BackendName,
  c: BenchConfig,
  profile: boolean,
  sample: boolean,
  groups: boolean,
): Promise<BenchResult & { profile_top?: unknown; env?: unknown }> {
  const choice = await initNodeBackend(backend);
  if (choice.backend !== backend)
    throw new Error(`${backend} is unavailable here: ${choice.refusals.map((r) => r.detail).join(' ')}`);
  const result: BenchResult & { profile_top?: unknown; env?: unknown } = await benchTrainStep(c);
  if (profile) result.profile_top = await profileTrainStep(c);
  if (sample) Object.assign(result, await benchSampling(c));
  if (groups) Object.assign(result, { dispatches_by_group: await countStepGroups(c) });
  result.env = {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    loadavg_1m: loadavg()[0],
    threads: 1,
  };
  return result;
}

function table(backend: string, rest: string[]): void {
  const rows = [
    [
      'model',
      'params',
      'ms/step',
      'tokens/s',
      'model GFLOP/s',
      'matmul GFLOP/s',
      'MFU',
      'tensors',
      'dispatches',
      'read-backs',
    ],
  ];
  for (const s of TABLE_SIZES) {
    const args = [
      '--import',
      'tsx',
      process.argv[1],
      '--json',
      '--backend',
      backend,
      '--layers',
      String(s.layers),
      '--embd',
      String(s.embd),
      '--heads',
      String(s.heads),
      ...rest,
    ];
    const p = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (p.status !== 0) {
      rows.push([
        `${s.layers}L d${s.embd}`,
        p.stderr.trim().split('\n').pop() ?? 'failed',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
      ]);
      continue;
    }
    const r = JSON.parse(p.stdout.trim().split('\n').pop()!) as BenchResult;
    rows.push([
      `${s.layers}L d${s.embd}`,
      (r.params / 1e6).toFixed(2) + 'M',
      r.ms_per_step.toFixed(0),
      r.tokens_per_s.toFixed(0),
      r.model_gflops.toFixed(2),
      r.matmul_gflops.toFixed(1),
      r.mfu.toFixed(3),
      `${r.tensors_before}→${r.tensors_after}`,
      String(r.dispatches_per_step),
      String(r.readbacks_per_step),
    ]);
  }
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(
    `GPT train step on ${backend}: vocab ${DEFAULT_BENCH.vocab}, context ${DEFAULT_BENCH.context}, batch ${DEFAULT_BENCH.batch} (unless overridden); median of timed steps, each size in a fresh process.`,
  );
  for (const r of rows) console.log(r.map((c, i) => c.padStart(w[i])).join('  '));
}

async function main(): Promise<void> {
  const { values } = parseFlags(
    {
      json: {
        type: 'boolean',
        default: false,
        description: 'one JSON line (the bench contract) for one config, measured in this process',
      },
      profile: { type: 'boolean', default: false },
      sample: {
        type: 'boolean',
        default: false,
        description: 'add the live-sample time with and without the key/value cache',
      },
      groups: {
        type: 'boolean',
        default: false,
        description:
          "webgpu: add dispatches_by_group, the step's dispatches split by kernel group (attention, LayerNorm, GELU, loss, AdamW, other)",
      },
      backend: { type: 'string', default: 'wasm' },
      ...BENCH_FLAGS,
    },
    'usage: npm run -s bench -- [--json] [--backend wasm|cpu|webgpu] [--layers L --embd D --heads H --vocab V --context T --batch N] [--warmup N] [--steps N] [--seed S] [--profile] [--sample] [--groups]',
    false,
    'One GPT train step measured in a fresh process: tokens/s, ms/step, MFU. Without --json: the two sizes compared with the npm tfjs GPT peer.',
  );
  const backend = backendArg(values.backend);
  const c = configFrom(values);
  if (!values.json) {
    const pass = ['vocab', 'context', 'batch', 'warmup', 'steps', 'seed'].flatMap((k) =>
      values[k as keyof typeof values] === undefined ? [] : [`--${k}`, String(values[k as keyof typeof values])],
    );
    table(backend, pass);
    return;
  }
  console.log(JSON.stringify(await one(backend, c, values.profile!, values.sample!, values.groups!)));
}

runCli('bench', main);
