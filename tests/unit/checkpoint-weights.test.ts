// Weights as people have them (issue 11, kinds 2 and 7): non-finite values refused naming the tensor and the first
// bad index (GPT-2 and VQ loaders, F32/F16/BF16, the lm-eval command line), and sharded checkpoints
// (model.safetensors.index.json + shards) loaded, with every index/shard disagreement refused by name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '../../src/core/tf';
import { configToHF, loadGPT2, saveGPT2 } from '../../src/core/checkpoint/gpt2';
import { writeSafetensors, type NamedArray } from '../../src/core/checkpoint/safetensors';
import { memorySource } from '../../src/core/checkpoint/source';
import { loadVQ, saveVQ } from '../../src/core/checkpoint/vq';
import { unravelIndex } from '../../src/core/checkpoint/weights';
import { GPT, gptParamSpecs, type GPTConfig } from '../../src/core/nn/gpt';
import { DEFAULT_VQ_CONFIG, VQVAE } from '../../src/core/nn/vqvae';
import { nllOf, useBackend } from './helpers/tf';

const run = promisify(execFile);
const cfg: GPTConfig = {
  vocabSize: 19,
  nPositions: 8,
  nEmbd: 8,
  nLayer: 2,
  nHead: 2,
  layerNormEps: 1e-5,
  tieEmbeddings: true,
  initStd: 0.2,
};
const enc = new TextEncoder();

function tensorsOf(model: GPT): NamedArray[] {
  return gptParamSpecs(model.config).map((s) => ({
    name: s.name,
    shape: s.shape,
    data: Float32Array.from(model.params.get(s.name)!.dataSync()),
  }));
}

/** A hand-made safetensors file with one tensor of 16-bit values. */
function half(name: string, dtype: 'F16' | 'BF16', shape: number[], values: number[]): Uint8Array {
  const head = enc.encode(JSON.stringify({ [name]: { dtype, shape, data_offsets: [0, 2 * values.length] } }));
  const out = new Uint8Array(8 + head.length + 2 * values.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(new Uint8Array(new Uint16Array(values).buffer), 8 + head.length);
  return out;
}

describe('non-finite weights', () => {
  beforeAll(() => useBackend('cpu'));

  it('unravelIndex gives the per-axis position of a flat index', () => {
    expect(unravelIndex(17, [4, 8])).toEqual([2, 1]);
    expect(unravelIndex(0, [3])).toEqual([0]);
    expect(unravelIndex(23, [2, 3, 4])).toEqual([1, 2, 3]);
  });

  it.each([
    ['NaN', NaN, /holds NaN at index 13 \(position \[1, 5\] of shape \[8, 8\]\)/],
    ['+Infinity', Infinity, /holds \+Infinity at index 13 \(position \[1, 5\] of shape \[8, 8\]\)/],
    ['-Infinity', -Infinity, /holds -Infinity at index 13/],
  ])(
    'a GPT-2 checkpoint with %s in one tensor is refused naming the tensor and the first bad index',
    async (_, bad, message) => {
      const model = new GPT(cfg, 1);
      const tensors = tensorsOf(model);
      const t = tensors.find((x) => x.name === 'transformer.h.1.attn.c_proj.weight')!;
      t.data[13] = bad;
      t.data[40] = NaN; // a later bad value is not the one named
      const files = new Map([
        ['config.json', enc.encode(JSON.stringify(configToHF(cfg)))],
        ['model.safetensors', writeSafetensors(tensors)],
      ]);
      const before = tf.memory().numTensors;
      const err = await loadGPT2(memorySource('ckpt', files)).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(
        /^ckpt\/model\.safetensors: tensor "transformer\.h\.1\.attn\.c_proj\.weight": /,
      );
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toMatch(
        /a run that diverges saves such weights, and so does a damaged or hand-edited file: use an earlier checkpoint/,
      );
      expect(tf.memory().numTensors).toBe(before); // refused before any variable is made
      model.dispose();
    },
  );

  it('catches NaN and Inf stored as F16 and BF16', async () => {
    const model = new GPT(cfg, 1);
    const withHalf = (name: string, dtype: 'F16' | 'BF16', values: number[]) => {
      // The checkpoint's bias as a separate shard keeps the rest F32: build it through the sharded layout.
      const rest = tensorsOf(model).filter((x) => x.name !== name);
      return new Map([
        ['config.json', enc.encode(JSON.stringify(configToHF(cfg)))],
        [
          'model.safetensors.index.json',
          enc.encode(
            JSON.stringify({
              metadata: {},
              weight_map: Object.fromEntries([...rest.map((x) => [x.name, 'a.safetensors']), [name, 'b.safetensors']]),
            }),
          ),
        ],
        ['a.safetensors', writeSafetensors(rest)],
        ['b.safetensors', half(name, dtype, [8], values)],
      ]);
    };
    const ones = (i: number, v: number) => Array.from({ length: 8 }, (_, k) => (k === i ? v : 0x3c00)); // F16 1.0 but at i
    await expect(
      loadGPT2(memorySource('ck', withHalf('transformer.ln_f.bias', 'F16', ones(6, 0x7e00)))),
    ).rejects.toThrow(/ck\/b\.safetensors: tensor "transformer\.ln_f\.bias": holds NaN at index 6/);
    await expect(
      loadGPT2(memorySource('ck', withHalf('transformer.ln_f.bias', 'F16', ones(2, 0xfc00)))),
    ).rejects.toThrow(/holds -Infinity at index 2/);
    const bf = Array.from({ length: 8 }, (_, k) => (k === 5 ? 0x7fc0 : 0x3f80)); // BF16 NaN at 5, else 1.0
    await expect(loadGPT2(memorySource('ck', withHalf('transformer.ln_f.weight', 'BF16', bf)))).rejects.toThrow(
      /tensor "transformer\.ln_f\.weight": holds NaN at index 5/,
    );
    model.dispose();
  });

  it('a VQ checkpoint with a NaN is refused the same way', async () => {
    const vq = new VQVAE({ ...DEFAULT_VQ_CONFIG, channels: 4, codeDim: 8, codebookSize: 16 }, 0);
    const files = saveVQ(vq);
    const name = [...vq.params.keys()][0];
    const good = await loadVQ(memorySource('vq', files));
    good.model.dispose();
    const tensors = [...vq.params].map(([n, v]) => ({
      name: n,
      shape: v.shape,
      data: Float32Array.from(v.dataSync()),
    }));
    tensors[0].data[3] = NaN;
    files.set('model.safetensors', writeSafetensors(tensors, { format: 'tabula-vq' }));
    await expect(loadVQ(memorySource('vq', files))).rejects.toThrow(
      new RegExp(`^vq/model\\.safetensors: tensor "${name.replace(/\./g, '\\.')}": holds NaN at index 3`),
    );
    vq.dispose();
  });
});

describe('sharded checkpoints', () => {
  beforeAll(() => useBackend('cpu'));

  /** save_pretrained(max_shard_size=…)'s layout: tensors split over `n` shards in order, and the index naming them. */
  function sharded(model: GPT, n: number): Map<string, Uint8Array> {
    const tensors = tensorsOf(model);
    const per = Math.ceil(tensors.length / n);
    const files = new Map<string, Uint8Array>([['config.json', enc.encode(JSON.stringify(configToHF(model.config)))]]);
    const weightMap: Record<string, string> = {};
    for (let s = 0; s < n; s++) {
      const shard = `model-0000${s + 1}-of-0000${n}.safetensors`;
      const part = tensors.slice(s * per, (s + 1) * per);
      files.set(shard, writeSafetensors(part, { format: 'pt' }));
      for (const t of part) weightMap[t.name] = shard;
    }
    const total = tensors.reduce((a, t) => a + 4 * t.data.length, 0);
    files.set(
      'model.safetensors.index.json',
      enc.encode(JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2)),
    );
    return files;
  }

  it('loads the index and its shards to the same model as the single file', async () => {
    const model = new GPT(cfg, 2);
    for (const n of [2, 3]) {
      const loaded = await loadGPT2(memorySource('ckpt', sharded(model, n)));
      expect(await nllOf(loaded.model)).toEqual(await nllOf(model));
      loaded.model.dispose();
    }
    model.dispose();
  });

  it('prefers model.safetensors when both layouts are present (as transformers does)', async () => {
    const a = new GPT(cfg, 2);
    const b = new GPT(cfg, 3);
    const files = sharded(a, 2);
    files.set('model.safetensors', saveGPT2(b).get('model.safetensors')!);
    const loaded = await loadGPT2(memorySource('ckpt', files));
    expect(await nllOf(loaded.model)).toEqual(await nllOf(b));
    [a, b, loaded.model].forEach((m) => m.dispose());
  });

  it.each([
    [
      'a missing shard',
      (f: Map<string, Uint8Array>) => f.delete('model-00002-of-00002.safetensors'),
      /^ckpt\/model-00002-of-00002\.safetensors: not found; model\.safetensors\.index\.json puts \d+ tensor\(s\) in it .* copy every shard into the folder/,
    ],
    [
      'an index that is not JSON',
      (f: Map<string, Uint8Array>) => f.set('model.safetensors.index.json', enc.encode('{"weight_map": ')),
      /^ckpt\/model\.safetensors\.index\.json: is not valid JSON/,
    ],
    [
      'an index without weight_map',
      (f: Map<string, Uint8Array>) => f.set('model.safetensors.index.json', enc.encode('{"metadata": {}}')),
      /^ckpt\/model\.safetensors\.index\.json: has no "weight_map" object/,
    ],
    [
      'a shard path outside the folder',
      (f: Map<string, Uint8Array>) =>
        f.set(
          'model.safetensors.index.json',
          enc.encode(JSON.stringify({ weight_map: { 'transformer.wte.weight': '../secret.safetensors' } })),
        ),
      /names the shard "\.\.\/secret\.safetensors"; shards must be plain file names/,
    ],
  ])('refuses %s, naming the file', async (_, damage, message) => {
    const model = new GPT(cfg, 2);
    const files = sharded(model, 2);
    damage(files);
    await expect(loadGPT2(memorySource('ckpt', files))).rejects.toThrow(message);
    model.dispose();
  });

  it('refuses an index and shards from different saves, naming the tensor', async () => {
    const model = new GPT(cfg, 2);
    const files = sharded(model, 2);
    const index = JSON.parse(new TextDecoder().decode(files.get('model.safetensors.index.json')!));
    // Listed in shard 1 but stored in shard 2.
    index.weight_map['transformer.ln_f.bias'] = 'model-00001-of-00002.safetensors';
    files.set('model.safetensors.index.json', enc.encode(JSON.stringify(index)));
    await expect(loadGPT2(memorySource('ckpt', files))).rejects.toThrow(
      /^ckpt\/model-00001-of-00002\.safetensors: tensor "transformer\.ln_f\.bias": missing, though model\.safetensors\.index\.json puts it in this shard/,
    );
    // Stored in a shard but not listed at all.
    delete index.weight_map['transformer.ln_f.bias'];
    files.set('model.safetensors.index.json', enc.encode(JSON.stringify(index)));
    await expect(loadGPT2(memorySource('ckpt', files))).rejects.toThrow(
      /tensor "transformer\.ln_f\.bias": is not listed in model\.safetensors\.index\.json/,
    );
    model.dispose();
  });

  it('says what to do when there are no safetensors weights at all', async () => {
    const files = new Map([['config.json', enc.encode(JSON.stringify(configToHF(cfg)))]]);
    await expect(loadGPT2(memorySource('ckpt', files))).rejects.toThrow(
      /^ckpt\/model\.safetensors: not found, and no model\.safetensors\.index\.json for a sharded checkpoint either; .*save_pretrained\(safe_serialization=True\)/,
    );
  });
});

describe('lm-eval refuses damaged weights in one line', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weights-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('NaN: exit 1, the tensor and index named, no stack trace', async () => {
    await useBackend('cpu');
    const model = new GPT(cfg, 4);
    const tensors = tensorsOf(model);
    tensors.find((t) => t.name === 'transformer.h.0.mlp.c_fc.bias')!.data[3] = NaN;
    await mkdir(join(dir, 'nan'));
    await writeFile(join(dir, 'nan', 'config.json'), JSON.stringify(configToHF(cfg)));
    await writeFile(join(dir, 'nan', 'model.safetensors'), writeSafetensors(tensors));
    await writeFile(join(dir, 'ids.json'), '[1, 2, 3, 4]');
    const r = await run('node', [
      '--import',
      'tsx',
      'src/cli/lm-eval.ts',
      '--checkpoint',
      join(dir, 'nan'),
      '--ids-file',
      join(dir, 'ids.json'),
      '--json',
    ]).catch((e) => e as { code: number; stdout: string; stderr: string });
    expect((r as { code: number }).code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^lm-eval: .*nan\/model\.safetensors: tensor "transformer\.h\.0\.mlp\.c_fc\.bias": holds NaN at index 3 /,
    );
    expect(r.stderr).not.toMatch(/ at .*\.ts:\d+/);
    model.dispose();
  });
});
