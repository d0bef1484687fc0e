// The files people really have (issue 11, kinds 4–7 and 9), each built here byte by byte: EXIF orientation and
// animation decoded in Node as the browser shows them; header size bombs refused before decoding; names that look
// equal (NFC/NFD, legacy zip code pages, backslashes, AppleDouble, symlink loops) matched; encrypted zips refused
// with what to do; Hugging Face imagefolder and COCO caption layouts read with the same row-level messages.
import { describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, strToU8, zipSync, zlibSync } from 'fflate';
import {
  DEFAULT_BYOD_LIMITS,
  formatProblem,
  loadByodFiles,
  loadByodZip,
  type ByodDataset,
  type ImageDecoder,
} from '../../src/core/data/byod';
import { byodSplits } from '../../src/core/experiment/prepare';
import { decodeImageNode, decodePngNode } from '../../src/cli/image-decode';
import { applyOrientation } from '../../src/cli/image-frames';
import { readFolder } from '../../src/cli/data/folder';
import * as F from './helpers/image-files';

const messages = (ds: ByodDataset) => ds.problems.map(formatProblem);
const px = (img: { width: number; data: ArrayLike<number> }, x: number, y: number) =>
  Array.from(img.data).slice((y * img.width + x) * 4, (y * img.width + x) * 4 + 4);
/** A decoder that records what it was asked to decode. */
function spy(): { decode: ImageDecoder; seen: string[] } {
  const seen: string[] = [];
  return { seen, decode: (b, f) => (seen.push(f), decodeImageNode(b, f)) };
}

describe('Node decodes as the browser shows (kind 4)', () => {
  it('applies a PNG eXIf orientation: hand-checked corners for 6 (90° clockwise) and 8 (90° counter-clockwise)', async () => {
    const src = F.pattern(3, 2);
    // pattern(x, y) has red = 255·x/2, green = 255·y: the corners are told apart by (red, green).
    const rg = (img: { width: number; data: ArrayLike<number> }, x: number, y: number) => px(img, x, y).slice(0, 2);
    const r6 = await decodeImageNode(F.pngWith(src, [F.pngChunk('eXIf', F.tiffOrientation(6))]), 'r6.png');
    expect([r6.width, r6.height]).toEqual([2, 3]);
    // Rotating clockwise puts the source's bottom-left at the top-left and its top-left at the top-right.
    expect([rg(r6, 0, 0), rg(r6, 1, 0), rg(r6, 0, 2), rg(r6, 1, 2)]).toEqual([
      [0, 255],
      [0, 0],
      [255, 255],
      [255, 0],
    ]);
    const r8 = await decodeImageNode(F.pngWith(src, [F.pngChunk('eXIf', F.tiffOrientation(8))]), 'r8.png');
    expect([rg(r8, 0, 0), rg(r8, 1, 0), rg(r8, 0, 2), rg(r8, 1, 2)]).toEqual([
      [255, 0],
      [255, 255],
      [0, 0],
      [0, 255],
    ]);
    const plain = await decodeImageNode(F.pngWith(src, [F.pngChunk('eXIf', F.tiffOrientation(1))]), 'r1.png');
    expect(Array.from(plain.data)).toEqual(Array.from(src.data));
  });

  it('applies every JPEG EXIF orientation (1–8) to the decoded pixels', async () => {
    const plain = await F.encodeJpeg(F.photo(24, 16));
    const base = await decodeImageNode(plain, 'plain.jpg');
    expect([base.width, base.height]).toEqual([24, 16]);
    for (let o = 1; o <= 8; o++) {
      const img = await decodeImageNode(F.jpegWithOrientation(plain, o), `o${o}.jpg`);
      expect([img.width, img.height]).toEqual(o >= 5 ? [16, 24] : [24, 16]);
      expect(Array.from(img.data)).toEqual(Array.from(applyOrientation(base, o).data));
    }
  });

  it("reports a damaged JPEG with libjpeg's reason and decodes the next one (the wasm build exits on errors)", async () => {
    const good = await F.encodeJpeg(F.photo(16, 16));
    await expect(decodeImageNode(good.slice(0, 200), 'cut.jpg')).rejects.toThrow(
      /^Bogus Huffman table definition; the file is damaged or truncated$/,
    );
    await expect(decodeImageNode(Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]), 'empty.jpg')).rejects.toThrow(
      /the file is damaged or truncated$/,
    );
    expect((await decodeImageNode(good, 'good.jpg')).width).toBe(16);
  });

  it("ignores a WebP's EXIF orientation, as Chromium does", async () => {
    const src = F.pattern(6, 4);
    const img = await decodeImageNode(F.webpWithOrientation(await F.encodeWebp(src), 6, 4, 6), 'r6.webp');
    expect([img.width, img.height]).toEqual([6, 4]);
    expect(Array.from(img.data)).toEqual(Array.from(src.data));
  });

  it('decodes the first frame of an animated PNG, also when the IDAT image is outside the animation', async () => {
    const [a, b, still] = [F.pattern(6, 4, 1), F.pattern(6, 4, 2), F.pattern(6, 4, 3)];
    expect(Array.from((await decodeImageNode(F.apng([a, b]), 'anim.png')).data)).toEqual(Array.from(a.data));
    expect(Array.from((await decodeImageNode(F.apng([a, b], still), 'anim.png')).data)).toEqual(Array.from(a.data));
    expect(Array.from(decodePngNode(F.apng([a, b], still)).data)).toEqual(Array.from(still.data)); // what a plain PNG reader shows
  });

  it('decodes the first frame of an animated WebP at its offset on a transparent canvas', async () => {
    const first = F.pattern(4, 2, 1);
    const file = F.animatedWebp({ w: 8, h: 6 }, [
      { webp: await F.encodeWebp(first), x: 2, y: 4, w: 4, h: 2 },
      { webp: await F.encodeWebp(F.pattern(8, 6, 2)), x: 0, y: 0, w: 8, h: 6 },
    ]);
    const img = await decodeImageNode(file, 'anim.webp');
    expect([img.width, img.height]).toEqual([8, 6]);
    expect(px(img, 0, 0)).toEqual([0, 0, 0, 0]);
    expect(px(img, 1, 4)).toEqual([0, 0, 0, 0]);
    expect(px(img, 2, 4)).toEqual(px(first, 0, 0));
    expect(px(img, 5, 5)).toEqual(px(first, 3, 1));
  });
});

describe('size bombs are refused from the header, before decoding (kind 5)', () => {
  it('names each PNG, JPEG and WebP whose header claims more than the pixel limit, never decodes it, and keeps the rest', async () => {
    const jpg = await F.encodeJpeg(F.photo(16, 16));
    const webp = await F.encodeWebp(F.pattern(4, 4));
    const s = spy();
    const ds = await loadByodZip(
      'bombs.zip',
      zipSync({
        'captions.csv': strToU8(
          'file,caption\nbig.png,a png bomb\nbig.jpg,a jpeg bomb\nbig.webp,a webp bomb\ncanvas.webp,a webp canvas bomb\nok.png,a small picture\n',
        ),
        'big.png': F.pngClaiming(65535, 65535),
        'big.jpg': F.jpegClaiming(jpg, 65000, 65000),
        'big.webp': F.webpClaiming(webp, 16000, 16000),
        'canvas.webp': F.webpCanvasClaiming(webp, 100000, 100000),
        'ok.png': F.encodePng(F.pattern(8, 8)),
      }),
      s.decode,
    );
    expect(s.seen).toEqual(['ok.png']);
    expect(ds.images.map((i) => i.file)).toEqual(['ok.png']);
    expect(messages(ds)).toEqual([
      'bombs.zip:captions.csv, row 2: big.png is 65535×65535 by its header, over the 40 megapixel limit; it was not decoded — scale it down first',
      'bombs.zip:captions.csv, row 3: big.jpg is 65000×65000 by its header, over the 40 megapixel limit; it was not decoded — scale it down first',
      'bombs.zip:captions.csv, row 4: big.webp is 16000×16000 by its header, over the 40 megapixel limit; it was not decoded — scale it down first',
      'bombs.zip:captions.csv, row 5: canvas.webp is 100000×100000 by its header, over the 40 megapixel limit; it was not decoded — scale it down first',
    ]);
  });

  it('refuses an interlaced PNG whose data inflates past its header (pngjs has no cap there) and decodes a genuine one', async () => {
    const src = F.pattern(11, 7);
    expect(Array.from((await decodeImageNode(F.interlacedPng(src), 'ok.png')).data)).toEqual(Array.from(src.data));
    const bomb = F.interlacedPng(F.pattern(4, 4), zlibSync(new Uint8Array(50_000_000), { level: 9 }));
    expect(bomb.length).toBeLessThan(100_000);
    const ds = await loadByodZip(
      'inflate.zip',
      zipSync({
        'captions.csv': strToU8('file,caption\nbomb.png,zeros\nok.png,fine\n'),
        'bomb.png': bomb,
        'ok.png': F.interlacedPng(src),
      }),
      decodeImageNode,
    );
    expect(ds.images.map((i) => i.file)).toEqual(['ok.png']);
    expect(messages(ds)).toEqual([
      'inflate.zip:captions.csv, row 2: bomb.png cannot be decoded (its image data inflates to more than the 4×4 its header states (a decompression bomb)) — re-save the image; it may be truncated or corrupt',
    ]);
  });

  it('reports an unreadable header by file, and skips zip entries whose size or checksum is wrong (inflated no further than declared)', async () => {
    const ds = await loadByodZip(
      'odd.zip',
      F.rawZip([
        {
          name: 'captions.csv',
          data: strToU8('file,caption\ncut.png,a truncated header\nok.png,fine\nlie.png,lies about its size\n'),
        },
        { name: 'cut.png', data: F.encodePng(F.pattern(4, 4)).slice(0, 20) },
        { name: 'ok.png', data: F.encodePng(F.pattern(4, 4)) },
        { name: 'lie.png', data: F.encodePng(F.pattern(4, 4)), declaredSize: 10 },
        {
          name: 'lie-deflated.png',
          data: deflateSync(F.encodePng(F.pattern(64, 64))),
          method: 8,
          declaredSize: 100,
          crcOf: F.encodePng(F.pattern(64, 64)),
        },
      ]),
      decodeImageNode,
    );
    expect(ds.images.map((i) => i.file)).toEqual(['ok.png']);
    expect(messages(ds)).toEqual([
      `odd.zip:lie.png: holds ${F.encodePng(F.pattern(4, 4)).length} bytes but its header says 10; the entry was skipped — the archive is damaged: zip the folder again`,
      "odd.zip:lie-deflated.png: its contents do not match the archive's checksum (CRC-32), or its declared size is wrong; the entry was skipped — the archive is damaged: zip the folder again",
      expect.stringMatching(
        /^odd\.zip:captions\.csv, row 2: cut\.png cannot be decoded \(its header cannot be read \(.+\)\) — re-save the image/,
      ),
      'odd.zip:captions.csv, row 4: lie.png is not in the dataset — add the image or fix its name (names are case-sensitive)',
    ]);
  });
});

describe('names that look equal are matched (kind 6)', () => {
  const png = F.encodePng(F.pattern(4, 4));
  const nfc = 'café.png';
  const nfd = 'cafe\u0301.png';

  it('matches NFD file names against NFC captions and the other way round, and reports two files that normalise alike', async () => {
    let ds = await loadByodFiles(
      'mine',
      [
        { path: 'captions.csv', bytes: strToU8(`file,caption\n${nfc},a coffee cup\n`) },
        { path: nfd, bytes: png },
      ],
      decodeImageNode,
    );
    expect([ds.images.map((i) => i.file), ds.problems]).toEqual([[nfc], []]);
    ds = await loadByodFiles(
      'mine',
      [
        { path: 'captions.csv', bytes: strToU8(`file,caption\n${nfd},a coffee cup\n`) },
        { path: nfc, bytes: png },
      ],
      decodeImageNode,
    );
    expect([ds.images.length, ds.problems]).toEqual([1, []]);
    ds = await loadByodFiles(
      'mine',
      [
        { path: 'captions.csv', bytes: strToU8(`file,caption\n${nfc},a coffee cup\n`) },
        { path: nfc, bytes: png },
        { path: nfd, bytes: png },
      ],
      decodeImageNode,
    );
    expect(messages(ds)).toEqual([
      `mine/${nfd}: looks the same as ${nfc} but its letters are encoded differently (Unicode NFC vs NFD, as macOS may store names); it was skipped — remove or rename one of the two files`,
    ]);
    expect(ds.images.length).toBe(1);
  });

  it('reads zip names without the UTF-8 flag: CP437 by the standard, other code pages and flagless UTF-8 matched to the caption file', async () => {
    const cp437 = Uint8Array.from([...strToU8('caf'), 0x82, ...strToU8('.png')]); // é is 0x82 in CP437 and CP850
    const sjis = Uint8Array.from([0x93, 0xfa, 0x96, 0x7b, ...strToU8('.png')]); // 日本.png in Shift_JIS
    const cp866 = Uint8Array.from([0xaa, 0xae, 0xe8, 0xaa, 0xa0, ...strToU8('.png')]); // кошка.png in CP866
    const macos = strToU8('naïve.png'); // UTF-8 bytes, flag not set (macOS Archive Utility)
    const winDir = strToU8('pics\\dog.png'); // backslash separators (old Windows tools)
    const ds = await loadByodZip(
      'legacy.zip',
      F.rawZip([
        {
          name: 'captions.csv',
          data: strToU8(
            `file,caption\ncafé.png,a coffee cup\n日本.png,the rising sun\nкошка.png,a cat\nnaïve.png,a naive drawing\npics/dog.png,a dog\nflagged.png,a flagged name\n`,
          ),
        },
        { name: cp437, data: png },
        { name: sjis, data: png },
        { name: cp866, data: png },
        { name: macos, data: png },
        { name: winDir, data: png },
        {
          name: Uint8Array.from([...strToU8('fl'), 0xe4, ...strToU8('gged.png')]),
          data: png,
          extra: F.unicodePathExtra(Uint8Array.from([...strToU8('fl'), 0xe4, ...strToU8('gged.png')]), 'flagged.png'),
        },
      ]),
      decodeImageNode,
    );
    expect(messages(ds)).toEqual([]);
    expect(ds.images.map((i) => i.file)).toEqual([
      'café.png',
      '日本.png',
      'кошка.png',
      'naïve.png',
      'pics/dog.png',
      'flagged.png',
    ]);
  });

  it('accepts Windows backslashes in the caption file and skips AppleDouble and __MACOSX entries silently', async () => {
    const ds = await loadByodZip(
      'finder.zip',
      zipSync({
        'set/captions.csv': strToU8('file,caption\nimg\\a.png,a square\n.\\img\\b.png,another square\n'),
        'set/img/a.png': png,
        'set/img/b.png': png,
        'set/img/._a.png': strToU8('\x00\x05\x16\x07 resource fork'),
        '__MACOSX/set/img/._b.png': strToU8('\x00\x05\x16\x07'),
        'set/.DS_Store': strToU8('Bud1'),
      }),
      decodeImageNode,
    );
    expect([ds.images.map((i) => i.file), messages(ds)]).toEqual([['img/a.png', 'img/b.png'], []]);
  });

  it('reads a folder with a symlink loop and a broken link: both reported and skipped, the rest loaded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'byod-links-'));
    try {
      await mkdir(join(dir, 'set', 'sub'), { recursive: true });
      await writeFile(join(dir, 'set', 'captions.csv'), 'file,caption\nsub/a.png,a square\n');
      await writeFile(join(dir, 'set', 'sub', 'a.png'), png);
      await symlink('..', join(dir, 'set', 'sub', 'up'));
      await symlink('missing.png', join(dir, 'set', 'gone.png'));
      const folder = await readFolder(join(dir, 'set'));
      expect(folder.entries.map((e) => e.path)).toEqual(['captions.csv', 'sub/a.png']);
      const ds = await loadByodFiles('set', folder.entries, decodeImageNode, DEFAULT_BYOD_LIMITS, folder.problems);
      expect(ds.images.map((i) => i.file)).toEqual(['sub/a.png']);
      expect(messages(ds)).toEqual([
        'set/gone.png: a broken symbolic link (its target does not exist); it was skipped — remove the link or point it at a real file',
        'set/sub/up: a symbolic link back to a folder that contains it (a loop); it was not followed — remove the link',
      ]);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('says which name exists when a caption names a file in another case', async () => {
    const ds = await loadByodZip(
      'case.zip',
      zipSync({ 'captions.csv': strToU8('file,caption\ncat.png,a cat\nok.png,fine\n'), 'Cat.PNG': png, 'ok.png': png }),
      decodeImageNode,
    );
    expect(messages(ds)[0]).toBe(
      'case.zip:captions.csv, row 2: cat.png is not in the dataset — the dataset has Cat.PNG: names are case-sensitive',
    );
  });
});

describe('encrypted and unsupported zips (kind 7)', () => {
  const png = F.encodePng(F.pattern(4, 4));
  it.each([
    ['deflated', 8],
    ['stored', 0],
  ])('refuses a password-protected (%s) archive, saying so and what to do', async (_label, method) => {
    const garbage = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 255);
    const ds = await loadByodZip(
      'secret.zip',
      F.rawZip([
        { name: 'captions.csv', data: garbage, flags: 1, method },
        { name: 'a.png', data: garbage, flags: 1, method },
      ]),
      decodeImageNode,
    );
    expect(ds.refused).toBe(
      'secret.zip: the archive is password-protected (every entry encrypted, e.g. captions.csv); encrypted zips are not supported — extract it with its password and zip the folder again without one, or use the folder itself',
    );
  });

  it('skips an entry compressed with a method other than Deflate, naming the method, and keeps the rest', async () => {
    const ds = await loadByodZip(
      'mixed.zip',
      F.rawZip([
        { name: 'captions.csv', data: strToU8('file,caption\na.png,a\nb.png,b\n') },
        { name: 'a.png', data: png },
        { name: 'b.png', data: png, method: 14 },
      ]),
      decodeImageNode,
    );
    expect(ds.images.map((i) => i.file)).toEqual(['a.png']);
    expect(messages(ds)[0]).toBe(
      'mixed.zip:b.png: compressed with LZMA, which cannot be read here; the entry was skipped — re-zip with the standard Deflate method (the default of zip, Finder and Explorer)',
    );
  });
});

describe('Hugging Face imagefolder and COCO captions (kind 9)', () => {
  const png = (seed: number) => F.encodePng(F.pattern(4, 4, seed));

  it('reads metadata.csv (file_name + text, extra columns kept out) with the same row-level messages as captions.csv', async () => {
    const ds = await loadByodZip(
      'hf.zip',
      zipSync({
        'metadata.csv': strToU8(
          'file_name,text,license\na.png,a red square,cc0\ngone.png,missing,cc0\nb.png,,cc0\nimages/c.png,in a sub-folder,cc0\n',
        ),
        'a.png': png(1),
        'b.png': png(2),
        'images/c.png': png(3),
        'extra.png': png(4),
      }),
      decodeImageNode,
    );
    expect(ds.images.map((i) => [i.file, i.caption])).toEqual([
      ['a.png', 'a red square'],
      ['images/c.png', 'in a sub-folder'],
    ]);
    expect(messages(ds)).toEqual([
      'hf.zip:metadata.csv, row 3: gone.png is not in the dataset — add the image or fix its name (names are case-sensitive)',
      'hf.zip:metadata.csv, row 4: the caption of b.png is empty — write a caption or remove the row',
      'hf.zip:extra.png: image not listed in the caption file; it was ignored — add a row with file_name "extra.png" to metadata.csv to use it',
    ]);
  });

  it('reads metadata.jsonl in split folders (train/, test/), with a list of captions, and names bad lines', async () => {
    const ds = await loadByodFiles(
      'hf',
      [
        {
          path: 'train/metadata.jsonl',
          bytes: strToU8(
            '{"file_name": "a.png", "caption": "a square"}\n{"file_name": "b.png", "caption": ["first", "second"]}\nnot json\n',
          ),
        },
        { path: 'train/a.png', bytes: png(1) },
        { path: 'train/b.png', bytes: png(2) },
        {
          path: 'test/metadata.jsonl',
          bytes: strToU8('{"file_name": "c.png", "caption": "held out"}\n{"file_name": 3, "caption": "x"}\n'),
        },
        { path: 'test/c.png', bytes: png(3) },
      ],
      decodeImageNode,
    );
    expect(ds.images.map((i) => [i.file, i.captions])).toEqual([
      ['a.png', ['a square']],
      ['b.png', ['first', 'second']],
      ['c.png', ['held out']],
    ]);
    expect(messages(ds)).toEqual([
      expect.stringMatching(
        /^hf\/train\/metadata\.jsonl, row 3: not valid JSON \(.+\); this line was skipped — write one JSON object per line/,
      ),
      'hf/test/metadata.jsonl, row 2: "file_name" must be a string and "caption" a string or a list of strings; this line was skipped — give each line a "file_name" and a "caption"',
    ]);
  });

  it.each([
    [
      'no file_name column',
      { 'metadata.csv': strToU8('file,text\na.png,x\n') },
      /^m\.zip:metadata\.csv: the header must name the columns "file_name" and "text" \(found: file, text\)/,
    ],
    [
      'no caption column among several',
      { 'metadata.jsonl': strToU8('{"file_name": "a.png", "label": 1, "source": "web"}\n') },
      /^m\.zip:metadata\.jsonl: no caption column \(found: file_name, label, source\); name the column holding the captions "text" or "caption"/,
    ],
    [
      'two kinds of caption file',
      { 'metadata.csv': strToU8('file_name,text\n'), 'captions.csv': strToU8('file,caption\n') },
      /^m\.zip: caption files of 2 kinds found \(captions\.csv, metadata\.csv\); keep one kind/,
    ],
    [
      'not COCO',
      { 'captions_train.json': strToU8('[1, 2]') },
      /^m\.zip:captions_train\.json: not COCO captions: expected \{"images"/,
    ],
  ] as [string, Record<string, Uint8Array>, RegExp][])(
    'refuses %s, naming the file and the fix',
    async (_label, files, reason) => {
      expect((await loadByodZip('m.zip', zipSync(files), decodeImageNode)).refused).toMatch(reason);
    },
  );

  const coco = {
    images: [
      { id: 1, file_name: 'a.png' },
      { id: 2, file_name: 'b.png' },
      { id: 3, file_name: 'c.png' },
      { id: 4, file_name: 'gone.png' },
    ],
    annotations: [
      { image_id: 1, caption: 'a square' },
      { image_id: 2, caption: 'another square' },
      { image_id: 1, caption: 'the same square, said again' },
      { image_id: 9, caption: 'an orphan' },
      { image_id: 4, caption: 'missing file' },
    ],
  };

  it('reads COCO captions_*.json with images in another folder and several captions per image; each caption is an example, split by image', async () => {
    const ds = await loadByodZip(
      'coco.zip',
      zipSync({
        'annotations/captions_train2017.json': strToU8(JSON.stringify(coco)),
        'train2017/a.png': png(1),
        'train2017/b.png': png(2),
        'train2017/c.png': png(3),
        'train2017/d.png': png(4),
      }),
      decodeImageNode,
    );
    expect(ds.images.map((i) => [i.file, i.captions])).toEqual([
      ['a.png', ['a square', 'the same square, said again']],
      ['b.png', ['another square']],
    ]);
    expect(messages(ds)).toEqual([
      'coco.zip:annotations/captions_train2017.json: annotations[3]: image_id 9 is not in images; the caption was skipped — add the image to images[] or fix the image_id',
      'coco.zip:annotations/captions_train2017.json: images[2]: the caption of c.png is empty — write a caption or remove the row',
      'coco.zip:annotations/captions_train2017.json: images[3]: gone.png is not in the dataset — add the image or fix its name (names are case-sensitive)',
      'coco.zip:train2017/d.png: image not listed in the caption file; it was ignored — add it to images[] and its captions to annotations[] of annotations/captions_train2017.json to use it',
    ]);
    const s = byodSplits(ds);
    expect(s.trainCount).toBe(3); // under 10 images: both images train (and validate), one example per caption
    expect([...s.trainCaptions].sort()).toEqual(['a square', 'another square', 'the same square, said again']);
  });

  it('loads both layouts from folders and zips through the command line: check-data and the --dataset loader of replicate, train-vq and vq-eval', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { loadByod } = await import('../../src/cli/data/datasets');
    const dir = await mkdtemp(join(tmpdir(), 'byod-layouts-'));
    try {
      await mkdir(join(dir, 'hf', 'train'), { recursive: true });
      await writeFile(join(dir, 'hf', 'train', 'metadata.csv'), 'file_name,text\na.png,a square\nb.png,\n');
      await writeFile(join(dir, 'hf', 'train', 'a.png'), png(1));
      await writeFile(
        join(dir, 'coco.zip'),
        zipSync({ 'captions_val.json': strToU8(JSON.stringify(coco)), 'val/a.png': png(1), 'val/b.png': png(2) }),
      );
      const r = await promisify(execFile)('node', ['--import', 'tsx', 'src/cli/check-data.ts', join(dir, 'hf')]);
      expect(r.stdout).toMatch(/images: 1 usable/);
      expect(r.stdout).toMatch(
        /hf\/train\/metadata\.csv, row 3: the caption of b\.png is empty — write a caption or remove the row/,
      );
      const z = await promisify(execFile)('node', ['--import', 'tsx', 'src/cli/check-data.ts', join(dir, 'coco.zip')]);
      expect(z.stdout).toMatch(/images: 2 usable \(3 captions/);
      expect(z.stdout).toMatch(/coco\.zip:captions_val\.json: images\[3\]: gone\.png is not in the dataset/);
      expect((await loadByod(join(dir, 'coco.zip'))).images.map((i) => i.captions.length)).toEqual([2, 1]);
      expect((await loadByod(join(dir, 'hf'))).images.map((i) => i.file)).toEqual(['a.png']);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
