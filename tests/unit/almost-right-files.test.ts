// Archives and formats that are almost right (issue 24, kind 5), each built here: a zip inside the zip, a zip cut
// short, a zip of empty folders, a safetensors header padded with NUL bytes (refused as huggingface/safetensors
// refuses it, saying what the bytes are), a nanoGPT state dict (torch.compile's "_orig_mod." names, nn.Linear
// [out, in] weights, a ckpt.pt) named with its converter, and a tokenizer.json with an added token beyond the
// model's vocabulary — all refused when the file is loaded. The converter is checked where Python has torch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { loadByodFiles, loadByodZip } from '../../src/core/data/byod';
import { loadGPT2, saveGPT2 } from '../../src/core/checkpoint/gpt2';
import { parseSafetensors, writeSafetensors } from '../../src/core/checkpoint/safetensors';
import { memorySource } from '../../src/core/checkpoint/source';
import { checkpointTokenizer } from '../../src/core/checkpoint/tokenizer';
import { trainBPE } from '../../src/core/tokenize/train-bpe';
import { GPT, type GPTConfig } from '../../src/core/nn/gpt';
import { decodeImageNode } from '../../src/cli/image-decode';
import { dirSource } from '../../src/cli/common';
import { useBackend } from './helpers/tf';
import * as F from './helpers/image-files';

beforeAll(() => useBackend('cpu'));
const png = () => F.encodePng(F.pattern(4, 4));
const dataset = () => zipSync({ 'captions.csv': strToU8('file,caption\na.png,a square\n'), 'a.png': png() });

describe('archives (kind 5)', () => {
  it('a zip inside the zip: says the captions are inside it and to extract it', async () => {
    const outer = zipSync({ 'shapes.zip': dataset(), 'README.txt': strToU8('the data') });
    const ds = await loadByodZip('outer.zip', outer, decodeImageNode);
    expect(ds.refused).toBe(
      'outer.zip: the captions are inside shapes.zip, an archive within this one: extract shapes.zip and give its folder (or shapes.zip itself)',
    );
    // The same in a folder holding the zip; and an inner archive without captions is still named.
    const folder = await loadByodFiles(
      'data',
      [{ path: 'inner/more.zip', bytes: zipSync({ 'x.txt': strToU8('x') }) }],
      decodeImageNode,
    );
    expect(folder.refused).toBe(
      'data: no caption file here, but it holds another archive (inner/more.zip); extract it and give the folder with the images and their captions.csv',
    );
  });
  it('a zip cut short: the file is incomplete, download it again (at every cut point)', async () => {
    const whole = zipSync(
      {
        'captions.csv': strToU8('file,caption\na.png,a square\n'),
        'a.png': png(),
        'b.png': F.encodePng(F.pattern(9, 9, 2)),
      },
      { level: 0 },
    );
    for (const frac of [0.2, 0.5, 0.9, 0.99]) {
      const ds = await loadByodZip('cut.zip', whole.subarray(0, Math.floor(whole.length * frac)), decodeImageNode);
      expect(ds.refused, `cut at ${frac}`).toMatch(
        /^cut\.zip: the file is incomplete \(.*\): download it again, or zip the folder again$/,
      );
    }
    expect((await loadByodZip('whole.zip', whole, decodeImageNode)).images).toHaveLength(1);
    expect((await loadByodZip('e.zip', new Uint8Array(0), decodeImageNode)).refused).toMatch(
      /^e\.zip: the file is empty \(0 bytes\)/,
    );
  });
  it('a zip of empty folders: no files, only empty folders', async () => {
    const ds = await loadByodZip('f.zip', zipSync({ shapes: { images: {} } }), decodeImageNode);
    expect(ds.refused).toBe(
      'f.zip: no files, only empty folders (shapes/, shapes/images/); zip the folder with its images and caption file in it',
    );
  });
});

describe('safetensors with a NUL-padded header (kind 5)', () => {
  it('is refused as huggingface/safetensors refuses it, naming the NUL bytes and the fix; space padding loads', () => {
    const good = writeSafetensors([{ name: 'a', shape: [3], data: Float32Array.from([1, 2, 3]) }]);
    const n = Number(new DataView(good.buffer).getBigUint64(0, true));
    const head = new TextDecoder().decode(good.subarray(8, 8 + n));
    const json = head.trimEnd();
    // Rebuild with 5 bytes of padding: spaces (valid) and NULs (what a zero-filled buffer gives).
    const build = (pad: number) => {
      const out = new Uint8Array(8 + json.length + 5 + 12);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length + 5), true);
      out.set(strToU8(json), 8);
      out.fill(pad, 8 + json.length, 8 + json.length + 5);
      out.set(good.subarray(8 + n), 8 + json.length + 5);
      return out;
    };
    expect(Array.from(parseSafetensors(build(0x20), 'm.safetensors').getFloat32('a'))).toEqual([1, 2, 3]);
    expect(() => parseSafetensors(build(0), 'm.safetensors')).toThrow(
      `m.safetensors: the header ends in 5 NUL bytes (0x00) of padding (bytes ${8 + json.length}–${8 + json.length + 4} of the file); safetensors pads its header with spaces (0x20) and its reference reader refuses NUL padding, so this one does too: re-save the file with the safetensors library, or replace those 5 bytes with 0x20`,
    );
    // A header that is damaged otherwise keeps the JSON parser's reason.
    const broken = build(0);
    broken[8] = 0x78; // 'x' where the header's '{' was
    expect(() => parseSafetensors(broken, 'm.safetensors')).toThrow(/the header is not valid UTF-8 JSON/);
  });
});

const cfg: GPTConfig = {
  vocabSize: 300,
  nPositions: 8,
  nEmbd: 8,
  nLayer: 1,
  nHead: 2,
  layerNormEps: 1e-5,
  tieEmbeddings: true,
  initStd: 0.3,
};

describe('a nanoGPT state dict (kind 5)', () => {
  const files = () => saveGPT2(new GPT(cfg, 1));
  /** The checkpoint with its tensors renamed and/or transposed as nanoGPT saves them. */
  function nano(prefix: string, transpose: boolean): Map<string, Uint8Array> {
    const f = files();
    const st = parseSafetensors(f.get('model.safetensors')!, 'm');
    const tensors = [...st.tensors.values()].map((t) => {
      const data = st.getFloat32(t.name);
      if (!transpose || t.shape.length !== 2 || !/\.(c_attn|c_fc|c_proj)\.weight$/.test(t.name))
        return { name: prefix + t.name, shape: t.shape, data };
      const [r, c] = t.shape;
      const out = new Float32Array(data.length);
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = data[i * c + j];
      return { name: prefix + t.name, shape: [c, r], data };
    });
    f.set('model.safetensors', writeSafetensors(tensors));
    return f;
  }
  it('torch.compile names ("_orig_mod.") are named with the converter', async () => {
    await expect(loadGPT2(memorySource('ck', nano('_orig_mod.', true)))).rejects.toThrow(
      /^ck\/model\.safetensors: tensor "_orig_mod\.[^"]+": a nanoGPT state dict, not a Hugging Face GPT2LMHeadModel: .*\[out, in\]; convert it with python scale\/convert_nanogpt\.py ckpt\.pt OUT_DIR/,
    );
  });
  it('nn.Linear [out, in] weights are named as the transpose of Conv1D [in, out]', async () => {
    await expect(loadGPT2(memorySource('ck', nano('', true)))).rejects.toThrow(
      /tensor "transformer\.h\.0\.attn\.c_attn\.weight": has shape \[24,8\], the transpose of GPT-2's Conv1D \[8,24\] \(in, out\): an nn\.Linear \[out, in\] state dict such as nanoGPT's, not a Hugging Face GPT2LMHeadModel; convert it with python scale\/convert_nanogpt\.py/,
    );
    expect((await loadGPT2(memorySource('ck', nano('', false)))).config.nEmbd).toBe(8);
  });
  it("a ckpt.pt without model.safetensors is named as nanoGPT's", async () => {
    const f = files();
    f.delete('model.safetensors');
    f.set('ckpt.pt', new Uint8Array([0x80, 2]));
    await expect(loadGPT2(memorySource('ck', f))).rejects.toThrow(
      'ck/ckpt.pt: a nanoGPT checkpoint (a pickled state dict), not a Hugging Face model.safetensors: convert it with python scale/convert_nanogpt.py ckpt.pt OUT_DIR and give OUT_DIR',
    );
  });
});

describe('a tokenizer with ids beyond the model (kind 5)', () => {
  it('is refused when loaded, naming both counts and the added token', async () => {
    const json = JSON.parse(
      trainBPE('the cat sat on the mat. the dog sat on the log. '.repeat(20), { vocabSize: 300 }).toTokenizerJson(),
    ) as { added_tokens: { id: number; content: string }[] };
    const n = (
      await checkpointTokenizer(
        memorySource('ck', new Map([['tokenizer.json', strToU8(JSON.stringify(json))]])),
        undefined,
        300,
      )
    ).vocabSize;
    // The model has exactly the tokenizer's ids; one more added token has no embedding row.
    json.added_tokens.push({ ...json.added_tokens[0], id: n, content: '<|extra|>' });
    const src = memorySource('ck', new Map([['tokenizer.json', strToU8(JSON.stringify(json))]]));
    await expect(checkpointTokenizer(src, undefined, n)).rejects.toThrow(
      `ck/tokenizer.json: has ${n + 1} ids, config.json ${n}; added token "<|extra|>" (id ${n}) has no embedding row: the tokenizer does not belong to these weights`,
    );
    // Without the model's size (a tokenizer alone), or with a model that has the rows, it loads.
    expect((await checkpointTokenizer(src)).vocabSize).toBe(n + 1);
    expect((await checkpointTokenizer(src, undefined, n + 1)).vocabSize).toBe(n + 1);
  });
});

const PY =
  process.env.SCALE_PYTHON ??
  (spawnSync('/work/venv/bin/python', ['--version']).status === 0 ? '/work/venv/bin/python' : 'python3');
const torchCheck = spawnSync(PY, ['-c', 'import torch, transformers, safetensors'], { encoding: 'utf8' });
const WHY = `${PY} cannot import torch, transformers and safetensors (${(torchCheck.stderr ?? String(torchCheck.error ?? '')).trim().split('\n').pop()}); set SCALE_PYTHON to a python with scale/requirements.txt to run this test`;
describe.skipIf(torchCheck.status !== 0)(
  `scale/convert_nanogpt.py${torchCheck.status !== 0 ? ` — skipped: ${WHY}` : ''}`,
  () => {
    const tmp: string[] = [];
    afterAll(async () => Promise.all(tmp.map((d) => rm(d, { recursive: true, force: true }))));
    it("turns a torch.compile'd nanoGPT ckpt.pt into a checkpoint with the same logits in transformers, which loads here", async () => {
      const d = await mkdtemp(join(tmpdir(), 'nanogpt-'));
      tmp.push(d);
      // A GPT2LMHeadModel saved as nanoGPT saves (prefix, nn.Linear [out, in]); its logits are the reference.
      const script = `
import sys, json, torch
from transformers import GPT2Config, GPT2LMHeadModel
torch.manual_seed(0)
m = GPT2LMHeadModel(GPT2Config(vocab_size=50, n_positions=16, n_embd=12, n_layer=2, n_head=3, activation_function="gelu")).eval()
T = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
sd = {"_orig_mod." + k: (v.t().contiguous() if k.endswith(T) else v) for k, v in m.state_dict().items() if not k.endswith((".attn.bias", "masked_bias"))}
torch.save({"model": sd, "model_args": dict(n_layer=2, n_head=3, n_embd=12, block_size=16, bias=True, vocab_size=50, dropout=0.0)}, sys.argv[1] + "/ckpt.pt")
ids = torch.tensor([[1, 5, 7, 9]])
ref = m(ids).logits[0].tolist()
import subprocess
assert subprocess.run([sys.executable, "scale/convert_nanogpt.py", sys.argv[1] + "/ckpt.pt", sys.argv[1] + "/out"]).returncode == 0
got = GPT2LMHeadModel.from_pretrained(sys.argv[1] + "/out").eval()(ids).logits[0].tolist()
print(json.dumps(max(abs(a - b) for r, g in zip(ref, got) for a, b in zip(r, g))))`;
      const r = spawnSync(PY, ['-c', script, d], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(Number(r.stdout.trim().split('\n').pop())).toBe(0);
      const loaded = await loadGPT2(await dirSource(join(d, 'out')));
      expect([loaded.config.vocabSize, loaded.config.nLayer, loaded.config.activation]).toEqual([50, 2, 'gelu']);
      loaded.model.dispose();
      expect(JSON.parse(await readFile(join(d, 'out', 'config.json'), 'utf8')).n_positions).toBe(16);
    }, 120_000);
  },
);
