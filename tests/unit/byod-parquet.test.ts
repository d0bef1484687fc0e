// Hub-style Parquet image–caption datasets (issue 25): data/<split>-*.parquet with an `image` {bytes, path} struct and a
// text column load through the bring-your-own loader with the same row-level messages as the other layouts; files
// written here by hyparquet-writer, and — where Python has `datasets` (SCALE_PYTHON, default python3; else skipped with
// the reason) — by datasets itself (Snappy-compressed, the Image feature), as the Hub serves them.
import { afterAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { zipSync, strToU8 } from 'fflate';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { PNG } from 'pngjs';
import { formatProblem, loadByodFiles, loadByodZip, type ByodDataset } from '../../src/core/data/byod';
import { decodeImageNode } from '../../src/cli/image-decode';

const run = promisify(execFile);
const PY = process.env.SCALE_PYTHON ?? 'python3';
const pyCheck = spawnSync(PY, ['-c', 'import datasets, PIL'], { encoding: 'utf8' });
const WHY = `${PY} cannot import datasets and PIL (${(pyCheck.stderr ?? String(pyCheck.error ?? '')).trim().split('\n').pop()}); set SCALE_PYTHON to a python with datasets to run this check`;

function png(w: number, h: number, rgba: [number, number, number, number]): Uint8Array {
  const p = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) p.data.set(rgba, i * 4);
  return new Uint8Array(PNG.sync.write(p));
}

/** A Parquet file as `datasets` writes an Image + text table: image struct<bytes: binary, path: string>, text string. */
function hubParquet(
  rows: { image: { bytes: Uint8Array | null; path: string | null } | null; text: unknown }[],
  textName = 'text',
): Uint8Array {
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'image', data: rows.map((r) => r.image) },
        { name: textName, data: rows.map((r) => r.text) },
      ],
      schema: [
        { name: 'root', num_children: 2 },
        { name: 'image', repetition_type: 'OPTIONAL', num_children: 2 },
        { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
        { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
        { name: textName, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      ],
    }),
  );
}

const load = (files: Record<string, Uint8Array>) => loadByodZip('hub.zip', zipSync(files), decodeImageNode);
const messages = (ds: ByodDataset) => ds.problems.map(formatProblem);
let dir = '';
afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

describe('Hub-style Parquet datasets', () => {
  it("loads every split's good rows and names the file and row of each bad one", async () => {
    const ds = await load({
      'README.md': strToU8('---\nconfigs: []\n---\n'),
      'data/train-00000-of-00001.parquet': hubParquet([
        { image: { bytes: png(16, 16, [255, 0, 0, 255]), path: 'red.png' }, text: 'a red square' },
        { image: { bytes: png(8, 8, [0, 255, 0, 255]), path: 'green.png' }, text: '' },
        { image: null, text: 'no picture' },
        { image: { bytes: strToU8('not an image'), path: null }, text: 'text bytes' },
        { image: { bytes: png(8, 8, [0, 0, 255, 255]), path: 'red.png' }, text: 'same path, other row' },
      ]),
      'data/test-00000-of-00001.parquet': hubParquet([
        { image: { bytes: png(40, 20, [0, 0, 0, 255]), path: null }, text: 'a black band' },
      ]),
    });
    expect(ds.refused).toBeNull();
    expect(ds.images.map((i) => [i.file, i.caption, i.image.width])).toEqual([
      ['image of row 1', 'a black band', 32], // data/test-… sorts first in the zip's listing
      ['red.png', 'a red square', 32],
      ['red.png', 'same path, other row', 32],
    ]);
    expect(Array.from(ds.images[1].image.data.subarray(0, 4))).toEqual([255, 0, 0, 255]);
    expect(messages(ds)).toEqual([
      // what reading the file finds comes first, then each row's checks (as with metadata.jsonl)
      'hub.zip:data/train-00000-of-00001.parquet, row 3: "image" has no image bytes; this row was skipped — store the image file\'s bytes in the row (datasets\' Image feature does)',
      'hub.zip:data/train-00000-of-00001.parquet, row 2: the caption of green.png is empty — write a caption or remove the row',
      'hub.zip:data/train-00000-of-00001.parquet, row 4: image of row 4 is not a PNG, JPEG or WebP image — convert it to PNG, JPEG or WebP',
    ]);
  });

  it('finds a caption column by name or as the only text column, and refuses a file it cannot use, naming it', async () => {
    const one = (p: Uint8Array) => load({ 'data/train-00000-of-00001.parquet': p });
    const byOther = await one(
      hubParquet([{ image: { bytes: png(4, 4, [9, 9, 9, 255]), path: 'a.png' }, text: 'grey' }], 'description'),
    );
    expect(byOther.images.map((i) => i.caption)).toEqual(['grey']);
    const noImage = await one(
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'text', data: ['a'], type: 'STRING' },
            { name: 'label', data: [1], type: 'INT32' },
          ],
        }),
      ),
    );
    expect(noImage.refused).toBe(
      'hub.zip:data/train-00000-of-00001.parquet: no image column (found: text, label); a Hub image dataset stores each image as {bytes, path} in a column "image"',
    );
    const noText = await one(
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'image', data: [png(4, 4, [0, 0, 0, 255])], type: 'BYTE_ARRAY' },
            { name: 'label', data: [1], type: 'INT32' },
          ],
        }),
      ),
    );
    expect(noText.refused).toBe(
      'hub.zip:data/train-00000-of-00001.parquet: no caption column (found: image, label); name the column holding the captions "text" or "caption"',
    );
    const broken = await one(strToU8('PAR1 this is not parquet'));
    expect(broken.refused).toMatch(
      /^hub\.zip:data\/train-00000-of-00001\.parquet: cannot be read as Parquet \(.+\); re-save it with pyarrow or datasets/,
    );
    const mixed = await load({ 'captions.csv': strToU8('file,caption\n'), 'data/train.parquet': hubParquet([]) });
    expect(mixed.refused).toBe(
      'hub.zip: caption files of 2 kinds found (captions.csv, data/train.parquet); keep one kind: captions.csv/captions.json or Hugging Face Parquet (data/train-*.parquet)',
    );
  });

  it('reads the Parquet files datasets writes (Snappy, the Image feature), as check-data does', async (ctx) => {
    if (pyCheck.status !== 0) ctx.skip(WHY);
    dir ||= await mkdtemp(join(tmpdir(), 'byod-pq-'));
    const script = [
      'import sys, datasets, PIL.Image as I',
      'imgs = [I.new("RGB", (24, 24), c) for c in [(255, 0, 0), (0, 128, 255), (10, 200, 30)]]',
      'ds = datasets.Dataset.from_dict({"image": imgs, "text": ["red", "sky blue", "green"]}, features=datasets.Features({"image": datasets.Image(), "text": datasets.Value("string")}))',
      'ds.to_parquet(sys.argv[1] + "/hub/data/train-00000-of-00001.parquet")',
    ].join('\n');
    const py = spawnSync(PY, ['-c', script, dir], {
      encoding: 'utf8',
      env: { ...process.env, HF_DATASETS_OFFLINE: '1' },
    });
    expect(py.status, py.stderr).toBe(0);
    const path = join(dir, 'hub', 'data', 'train-00000-of-00001.parquet');
    expect(await readdir(join(dir, 'hub', 'data'))).toEqual(['train-00000-of-00001.parquet']);
    const ds = await loadByodFiles(
      'hub',
      [{ path: 'data/train-00000-of-00001.parquet', bytes: new Uint8Array(await readFile(path)) }],
      decodeImageNode,
    );
    expect(ds.problems).toEqual([]);
    expect(ds.images.map((i) => i.caption)).toEqual(['red', 'sky blue', 'green']);
    expect(Array.from(ds.images[1].image.data.subarray(0, 4))).toEqual([0, 128, 255, 255]);
    const r = await run('node', ['--import', 'tsx', 'src/cli/check-data.ts', join(dir, 'hub')]);
    expect(r.stdout).toMatch(/3 images/);
  });
});
