// safetensors round trips and every malformed case; GPT-2 directory layout in both key styles, and refusals.
import { beforeAll, describe, expect, it } from 'vitest';
import { f16ToF32, parseSafetensors, writeSafetensors } from '../../src/core/checkpoint/safetensors';
import { canonicalName, configToHF, loadGPT2, saveGPT2 } from '../../src/core/checkpoint/gpt2';
import { memorySource } from '../../src/core/checkpoint/source';
import { GPT, gptParamSpecs, type GPTConfig } from '../../src/core/nn/gpt';
import { nllOf, useBackend } from './helpers/tf';

/** Build a safetensors file by hand from a header object and a data section. */
function raw(header: unknown, data: Uint8Array = new Uint8Array(0), lengthOverride?: number): Uint8Array {
  const head = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(lengthOverride ?? head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips float32 tensors and metadata, with an 8-byte aligned header', () => {
    const a = { name: 'a', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-8, -7]) };
    const b = { name: 'b.bias', shape: [1], data: Float32Array.from([42]) };
    const bytes = writeSafetensors([a, b], { format: 'pt' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const f = parseSafetensors(bytes, 'x.safetensors');
    expect(f.metadata).toEqual({ format: 'pt' });
    expect(f.tensors.get('a')).toMatchObject({ dtype: 'F32', shape: [2, 3], begin: 0, end: 24 });
    expect(Array.from(f.getFloat32('a'))).toEqual(Array.from(a.data));
    expect(Array.from(f.getFloat32('b.bias'))).toEqual([42]);
  });

  it('reads F16 and BF16 as float32', () => {
    // F16: 0x3c00 = 1, 0xc000 = −2, 0x3555 ≈ 0.33325, 0x0001 = 2^−24 (subnormal). BF16: 0x3f80 = 1, 0xc0a0 = −5.
    const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3555, 0x0001]).buffer);
    const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0xc0a0]).buffer);
    const data = new Uint8Array([...f16, ...bf16]);
    const f = parseSafetensors(
      raw(
        {
          h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] },
          b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
        },
        data,
      ),
      'm',
    );
    expect(Array.from(f.getFloat32('h'))).toEqual([1, -2, expect.closeTo(0.33325, 5), 2 ** -24]);
    expect(Array.from(f.getFloat32('b'))).toEqual([1, -5]);
    expect(f16ToF32(0x7c00)).toBe(Infinity);
  });

  const cases: [string, () => Uint8Array, RegExp][] = [
    ['empty file', () => new Uint8Array(0), /bad\.safetensors: the file is empty/],
    ['shorter than 8 bytes', () => new Uint8Array(5), /shorter than the 8-byte header length/],
    [
      'header length beyond the file',
      () => raw({}, new Uint8Array(0), 4096),
      /header length 4096 bytes is beyond the end of the file/,
    ],
    ['header not JSON', () => raw('{"a": [1, 2'), /header is not valid UTF-8 JSON/],
    ['header not an object', () => raw('[1,2]'), /header is not a JSON object/],
    [
      'unknown dtype',
      () => raw({ w: { dtype: 'F13', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)),
      /tensor "w": unknown dtype "F13"/,
    ],
    [
      'offsets beyond the data',
      () => raw({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8)),
      /tensor "w": data_offsets \[0, 16\] are beyond the data section \(8 bytes\)/,
    ],
    [
      'shape × dtype ≠ byte length',
      () => raw({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)),
      /tensor "w": shape \[3\] × F32 needs 12 bytes but data_offsets give 8/,
    ],
    [
      'bad shape',
      () => raw({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)),
      /tensor "w": shape \[-1\] is not a list/,
    ],
    [
      'overlapping tensors',
      () =>
        raw(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
          },
          new Uint8Array(8),
        ),
      /overlaps the previous tensor/,
    ],
    [
      'trailing bytes',
      () => raw({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(8)),
      /4 bytes at the end of the data section belong to no tensor/,
    ],
  ];
  it.each(cases)('refuses: %s', (_label, make, message) => {
    expect(() => parseSafetensors(make(), 'bad.safetensors')).toThrow(message);
  });

  it('refuses a tensor that is not there, and a non-float dtype as weights', () => {
    const f = parseSafetensors(
      raw({ i: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)),
      'm.safetensors',
    );
    expect(() => f.getFloat32('nope')).toThrow(/m\.safetensors: tensor "nope": missing/);
    expect(() => f.getFloat32('i')).toThrow(/tensor "i": dtype I64 cannot be loaded as weights/);
  });
});

const cfg: GPTConfig = {
  vocabSize: 19,
  nPositions: 8,
  nEmbd: 8,
  nLayer: 2,
  nHead: 2,
  layerNormEps: 1e-5,
  tieEmbeddings: true,
  initStd: 0.3,
};

function dir(files: Map<string, Uint8Array>) {
  return memorySource('ckpt', files);
}

/** Files of a GPT-2 checkpoint whose tensor names are rewritten by `rename` (null drops), plus extra tensors. */
function rewritten(
  model: GPT,
  rename: (n: string) => string | null,
  extra: { name: string; shape: number[]; data: Float32Array }[] = [],
  config = model.config,
) {
  const tensors = gptParamSpecs(model.config).flatMap((s) => {
    const n = rename(s.name);
    return n === null ? [] : [{ name: n, shape: s.shape, data: model.params.get(s.name)!.dataSync() as Float32Array }];
  });
  return new Map([
    ['config.json', new TextEncoder().encode(JSON.stringify(configToHF(config)))],
    ['model.safetensors', writeSafetensors([...tensors, ...extra])],
  ]);
}

describe('GPT-2 checkpoint layout', () => {
  beforeAll(() => useBackend('cpu'));

  it('maps both key styles to one name and skips the causal-mask buffers', () => {
    expect(canonicalName('h.0.ln_1.weight')).toBe('transformer.h.0.ln_1.weight');
    expect(canonicalName('wte.weight')).toBe('transformer.wte.weight');
    expect(canonicalName('transformer.h.3.attn.c_attn.bias')).toBe('transformer.h.3.attn.c_attn.bias');
    expect(canonicalName('h.0.attn.bias')).toBeNull();
    expect(canonicalName('transformer.h.0.attn.masked_bias')).toBeNull();
    expect(canonicalName('lm_head.weight')).toBe('lm_head.weight');
  });

  it('saves and reloads (save_pretrained style, untied head) with identical outputs', async () => {
    const model = new GPT({ ...cfg, tieEmbeddings: false }, 5);
    const files = saveGPT2(model, { specialTokens: { '<|bos|>': 1 } });
    const loaded = await loadGPT2(dir(files));
    expect(loaded.config).toEqual(model.config);
    expect(loaded.tabula?.specialTokens).toEqual({ '<|bos|>': 1 });
    expect(await nllOf(loaded.model)).toEqual(await nllOf(model));
    model.dispose();
    loaded.model.dispose();
  });

  it('loads the original gpt2 upload style: bare names, attn.bias / attn.masked_bias buffers', async () => {
    const model = new GPT(cfg, 6);
    const buffers = [0, 1].flatMap((i) => [
      { name: `h.${i}.attn.bias`, shape: [1, 1, 8, 8], data: new Float32Array(64) },
      { name: `h.${i}.attn.masked_bias`, shape: [], data: Float32Array.from([-1e4]) },
    ]);
    const files = rewritten(model, (n) => n.replace(/^transformer\./, ''), buffers);
    const loaded = await loadGPT2(dir(files));
    expect(await nllOf(loaded.model)).toEqual(await nllOf(model));
    model.dispose();
    loaded.model.dispose();
  });

  it('refuses a missing tensor, naming it and the file', async () => {
    const model = new GPT(cfg, 1);
    const files = rewritten(model, (n) => (n === 'transformer.h.1.mlp.c_fc.bias' ? null : n));
    await expect(loadGPT2(dir(files))).rejects.toThrow(
      /ckpt\/model\.safetensors: tensor "transformer\.h\.1\.mlp\.c_fc\.bias": missing/,
    );
    model.dispose();
  });

  it('refuses a config.json that disagrees with the tensors', async () => {
    const model = new GPT(cfg, 1);
    const files = rewritten(model, (n) => n, [], { ...cfg, nEmbd: 16 });
    await expect(loadGPT2(dir(files))).rejects.toThrow(
      /tensor "transformer\.wte\.weight": has shape \[19,8\] but config\.json needs \[19,16\]/,
    );
    const more = rewritten(model, (n) => n, [], { ...cfg, nLayer: 3 });
    await expect(loadGPT2(dir(more))).rejects.toThrow(/tensor "transformer\.h\.2\.ln_1\.weight": missing/);
    const untied = rewritten(model, (n) => n, [], { ...cfg, tieEmbeddings: false });
    await expect(loadGPT2(dir(untied))).rejects.toThrow(/tensor "lm_head\.weight": missing/);
    model.dispose();
  });

  it('refuses unknown tensors, unsupported configs and missing files', async () => {
    const model = new GPT(cfg, 1);
    const extra = rewritten(model, (n) => n, [
      { name: 'transformer.h.0.attn.rotary', shape: [1], data: new Float32Array(1) },
    ]);
    await expect(loadGPT2(dir(extra))).rejects.toThrow(
      /tensor "transformer\.h\.0\.attn\.rotary": is not a GPT2LMHeadModel weight/,
    );
    const xielu = rewritten(model, (n) => n);
    xielu.set(
      'config.json',
      new TextEncoder().encode(JSON.stringify({ ...configToHF(cfg), activation_function: 'xielu' })),
    );
    await expect(loadGPT2(dir(xielu))).rejects.toThrow(
      /ckpt\/config\.json: field "activation_function" is "xielu", which this GPT does not implement; supported: gelu_new, /,
    );
    const noWeights = new Map([['config.json', new TextEncoder().encode(JSON.stringify(configToHF(cfg)))]]);
    await expect(loadGPT2(dir(noWeights))).rejects.toThrow(/ckpt\/model\.safetensors: not found/);
    await expect(loadGPT2(dir(new Map()))).rejects.toThrow(/ckpt\/config\.json: not found/);
    const badJson = new Map([['config.json', new TextEncoder().encode('{nope')]]);
    await expect(loadGPT2(dir(badJson))).rejects.toThrow(/ckpt\/config\.json: is not valid JSON/);
    model.dispose();
  });
});
