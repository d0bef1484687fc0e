// Bring-your-own data: every bad-input case built as a real archive or folder, checked for its message (file, row,
// fix); good rows load, unusable datasets are refused; check-data's summary and exit codes.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { zipSync, strToU8 } from 'fflate';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { DEFAULT_BYOD_LIMITS, formatProblem, loadByodZip, type ByodDataset } from '../../src/core/data/byod';
import { parseCsv } from '../../src/core/data/csv';
import { decodeUtf8Strict, firstInvalidUtf8 } from '../../src/core/data/utf8';
import { decodeImageNode } from '../../src/cli/image-decode';

const run = promisify(execFile);

function png(w: number, h: number, rgba: [number, number, number, number] = [255, 0, 0, 255]): Uint8Array {
  const p = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) p.data.set(rgba, i * 4);
  return new Uint8Array(PNG.sync.write(p));
}
const WEBP_1x1 = Uint8Array.from(Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64'));
const load = (files: Record<string, Uint8Array>, limits = DEFAULT_BYOD_LIMITS) =>
  loadByodZip('mine.zip', zipSync(files), decodeImageNode, limits);
const messages = (ds: ByodDataset) => ds.problems.map(formatProblem);

describe('bring your own data', () => {
  it('loads the good rows of a dataset with one bad row, naming the file and row of the bad one', async () => {
    const ds = await load({
      'captions.csv': strToU8(
        'file,caption\na.png,a red square\nb.png,\nc.png,"a caption, with a comma and ""quotes"""\n',
      ),
      'a.png': png(32, 32),
      'b.png': png(8, 8),
      'c.png': png(64, 48, [0, 0, 255, 255]),
    });
    expect(ds.refused).toBeNull();
    expect(ds.images.map((i) => [i.file, i.caption])).toEqual([
      ['a.png', 'a red square'],
      ['c.png', 'a caption, with a comma and "quotes"'],
    ]);
    expect(messages(ds)).toEqual([
      'mine.zip:captions.csv, row 3: the caption of b.png is empty — write a caption or remove the row',
    ]);
    const c = ds.images[1].image;
    expect([c.width, c.height]).toEqual([32, 32]); // centre-cropped 48×48, then area-averaged to 32×32
    expect(Array.from(c.data.subarray(0, 4))).toEqual([0, 0, 255, 255]);
  });

  it('reports missing, duplicated, over-long, unreadable, non-image and unlisted files', async () => {
    const ds = await load(
      {
        'data/captions.csv': strToU8(
          [
            'file,caption',
            'ok.png,fine',
            'gone.png,missing file',
            'ok.png,again',
            'long.png,' + 'x'.repeat(40),
            'broken.png,truncated',
            'text.png,not an image',
            'photo.jpg,a grey photo',
            'pic.webp,a webp',
          ].join('\r\n'),
        ),
        'data/ok.png': png(4, 4),
        'data/long.png': png(4, 4),
        'data/broken.png': png(4, 4).slice(0, 40),
        'data/text.png': strToU8('hello'),
        'data/photo.jpg': new Uint8Array(jpeg.encode({ width: 6, height: 6, data: Buffer.alloc(144, 128) }, 90).data),
        'data/pic.webp': WEBP_1x1,
        'data/extra.png': png(2, 2),
      },
      { ...DEFAULT_BYOD_LIMITS, maxCaptionChars: 30 },
    );
    expect(ds.refused).toBeNull();
    expect(ds.images.map((i) => i.file)).toEqual(['ok.png', 'photo.jpg', 'pic.webp']);
    expect(messages(ds)).toEqual([
      'mine.zip:data/captions.csv, row 3: gone.png is not in the dataset — add the image or fix its name (names are case-sensitive)',
      'mine.zip:data/captions.csv, row 4: ok.png is listed twice (first at row 2); this row was skipped — keep one row per image',
      'mine.zip:data/captions.csv, row 5: the caption of long.png has 40 characters, over the limit of 30 — shorten the caption',
      expect.stringMatching(
        /^mine\.zip:data\/captions\.csv, row 6: broken\.png cannot be decoded \(.+\) — (re-save the image|download or export the image again)/,
      ),
      'mine.zip:data/captions.csv, row 7: text.png is not a PNG, JPEG or WebP image — convert it to PNG, JPEG or WebP',
      'mine.zip:data/extra.png: image not listed in the caption file; it was ignored — add a row "extra.png,<caption>" to use it',
    ]);
  });

  it('skips unsafe paths, reads captions.json, keeps a UTF-8 corpus and reports a non-UTF-8 one', async () => {
    const ds = await load({
      'captions.json': strToU8(JSON.stringify([{ file: 'a.png', caption: 'ünïcödé square' }, { file: 'b.png' }])),
      'a.png': png(4, 4),
      '../evil.png': png(2, 2),
      '/etc/passwd': strToU8('root'),
      'notes.txt': strToU8('Plain English prose.'),
      'latin1.txt': Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x0a]),
    });
    expect(ds.images.map((i) => i.caption)).toEqual(['ünïcödé square']);
    expect(ds.corpora.map((c) => c.file)).toEqual(['notes.txt']);
    expect(messages(ds)).toEqual([
      'mine.zip:../evil.png: unsafe path (absolute, or containing ..); the entry was skipped — rebuild the archive with relative paths inside the dataset folder',
      'mine.zip:/etc/passwd: unsafe path (absolute, or containing ..); the entry was skipped — rebuild the archive with relative paths inside the dataset folder',
      'mine.zip:captions.json, row 2: the caption of b.png is empty — write a caption or remove the row',
      'mine.zip:latin1.txt: not valid UTF-8 at byte 3 (line 1); the corpus was skipped — save the text as UTF-8',
    ]);
  });

  it('caps the number of images', async () => {
    const rows = ['file,caption', ...[0, 1, 2, 3].map((i) => `${i}.png,square ${i}`)].join('\n');
    const ds = await load(
      { 'captions.csv': strToU8(rows), ...Object.fromEntries([0, 1, 2, 3].map((i) => [`${i}.png`, png(2, 2)])) },
      { ...DEFAULT_BYOD_LIMITS, maxImages: 2 },
    );
    expect(ds.images).toHaveLength(2);
    expect(messages(ds)[0]).toBe(
      'mine.zip:captions.csv, row 4: 4 rows is more than the limit of 2 images; rows from here on were skipped — split the dataset or remove rows',
    );
  });

  it.each([
    ['no caption file', { 'a.png': png(2, 2) }, /^mine\.zip: no captions\.csv or captions\.json found/],
    [
      'two caption files',
      { 'captions.csv': strToU8('file,caption\n'), 'x/captions.json': strToU8('[]') },
      /2 caption files found/,
    ],
    [
      'a non-UTF-8 caption file',
      { 'captions.csv': Uint8Array.from([0x66, 0x69, 0x6c, 0x65, 0x2c, 0x63, 0x0a, 0xff]) },
      /^mine\.zip:captions\.csv: not valid UTF-8 at byte 7 \(line 2\); save the file as UTF-8/,
    ],
    [
      'a header without a caption column',
      { 'captions.csv': strToU8('name,text\na.png,x\n') },
      /the header must name the columns "file" and "caption"/,
    ],
    [
      'an unterminated quote',
      { 'captions.csv': strToU8('file,caption\na.png,"never closed\n'), 'a.png': png(2, 2) },
      /line 2: a quoted field is never closed/,
    ],
    [
      'no usable image',
      { 'captions.csv': strToU8('file,caption\na.png,\n') },
      /^mine\.zip: no usable image \(1 problem: mine\.zip:captions\.csv, row 2: the caption of a\.png is empty/,
    ],
  ] as [string, Record<string, Uint8Array>, RegExp][])('refuses %s with the reason', async (_label, files, reason) => {
    const ds = await load(files);
    expect(ds.refused).toMatch(reason);
  });

  it('refuses zip bombs and oversized archives before inflating, and files that are not zips', async () => {
    const bomb = zipSync(
      { 'captions.csv': strToU8('file,caption\n'), 'zeros.png': new Uint8Array(8 * 2 ** 20) },
      { level: 9 },
    );
    expect(bomb.length).toBeLessThan(100_000);
    let ds = await loadByodZip('bomb.zip', bomb, decodeImageNode);
    expect(ds.refused).toMatch(/^bomb\.zip: entry zeros\.png expands \d+× \(limit 200×\); this looks like a zip bomb/);
    ds = await loadByodZip('big.zip', bomb, decodeImageNode, { ...DEFAULT_BYOD_LIMITS, maxTotalBytes: 2 ** 20 });
    expect(ds.refused).toMatch(/^big\.zip: uncompressed size exceeds 1 MiB/);
    ds = await loadByodZip('fake.zip', strToU8('not a zip at all'), decodeImageNode);
    expect(ds.refused).toMatch(/^fake\.zip: not a readable \.zip archive/);
  });
});

describe('CSV and UTF-8 helpers', () => {
  it('parse RFC 4180: quoted commas, doubled quotes, newlines inside quotes, CRLF', () => {
    const recs = parseCsv('file,caption\r\na.png,"line one\nline two"\r\nb.png,"say ""hi"""\n\nc.png,plain');
    expect(recs).toEqual([
      { line: 1, fields: ['file', 'caption'] },
      { line: 2, fields: ['a.png', 'line one\nline two'] },
      { line: 4, fields: ['b.png', 'say "hi"'] },
      { line: 6, fields: ['c.png', 'plain'] },
    ]);
    expect(() => parseCsv('a,"b"c\n')).toThrow(/line 1: unexpected character after a closing quote/);
  });
  it('find the first invalid UTF-8 byte', () => {
    expect(firstInvalidUtf8(strToU8('héllo 👋'))).toBe(strToU8('héllo 👋').length);
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xc0, 0x80]))).toBe(1); // overlong
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xed, 0xa0, 0x80]))).toBe(1); // surrogate
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0x62, 0xe2, 0x82]))).toBe(2); // truncated
    expect(decodeUtf8Strict(Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]))).toBe('a'); // BOM dropped
  });
});

describe('npm run check-data', () => {
  it('summarises a folder with problems (exit 0) and refuses an unusable one (exit 1)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'byod-'));
    await mkdir(join(dir, 'good'));
    await writeFile(join(dir, 'good', 'captions.csv'), 'file,caption\na.png,a red square\nb.png,\n');
    await writeFile(join(dir, 'good', 'a.png'), png(10, 10));
    let r = await run('node', ['--import', 'tsx', 'src/cli/check-data.ts', join(dir, 'good')]);
    expect(r.stdout).toMatch(/images: 1 usable/);
    expect(r.stdout).toMatch(/good\/captions\.csv, row 3: the caption of b\.png is empty/);
    expect(r.stdout).toMatch(/verdict: usable \(1 image; 1 problem skipped\)/);
    await mkdir(join(dir, 'empty'));
    const failed = await run('node', ['--import', 'tsx', 'src/cli/check-data.ts', join(dir, 'empty')]).catch(
      (e) => e as { code: number; stderr: string },
    );
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toMatch(
      /check-data: unusable: empty: no captions\.csv or captions\.json found/,
    );
    await writeFile(join(dir, 'bad.txt'), Uint8Array.from([0x61, 0xff]));
    r = await run('node', ['--import', 'tsx', 'src/cli/check-data.ts', join(dir, 'bad.txt')]).catch((e) => e);
    expect((r as unknown as { stderr: string }).stderr).toMatch(/bad\.txt: not valid UTF-8 at byte 1 \(line 1\)/);
    await rm(dir, { recursive: true });
  });
});
