// Broken images are refused, in Node as in the page (issue 24, kind 4): files built here and cut at many points, or
// with a wrong checksum, are skipped by the shared structural check (src/core/data/image-check.ts, which the page's
// loader runs before createImageBitmap too) with "the file ends early"; JPEG codings the browser's decoder lacks
// (arithmetic-coded, lossless, hierarchical, 12-bit) are named for what they are with the fix; whole files load.
import { describe, expect, it } from 'vitest';
import { strToU8, zipSync } from 'fflate';
import { formatProblem, loadByodZip, sniffImage } from '../../src/core/data/byod';
import { checkImageFile } from '../../src/core/data/image-check';
import { decodeImageNode } from '../../src/cli/image-decode';
import * as F from './helpers/image-files';

const check = (b: Uint8Array) => checkImageFile(b, sniffImage(b)!);
/** The file with its first SOFn marker set to `marker` and its sample precision to `bits`. */
function withSof(jpeg: Uint8Array, marker: number, bits = 8): Uint8Array {
  const out = Uint8Array.from(jpeg);
  for (let o = 2; o + 4 < out.length; o += 2 + ((out[o + 2] << 8) | out[o + 3])) {
    const m = out[o + 1];
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      out[o + 1] = marker;
      out[o + 4] = bits;
      return out;
    }
  }
  throw new Error('no SOF');
}

describe('truncated and damaged images (kind 4)', async () => {
  const src = F.photo(40, 40);
  const files = {
    'baseline.jpg': await F.encodeJpeg(src),
    'progressive.jpg': await F.encodeJpeg(src, 85, 2, true),
    'pic.png': F.encodePng(F.pattern(40, 40)),
    'pic.webp': await F.encodeWebp(F.pattern(40, 40)),
  };

  it('whole files pass the check and decode', async () => {
    for (const [name, b] of Object.entries(files)) {
      expect(check(b), name).toBeNull();
      expect((await decodeImageNode(b, name)).width, name).toBe(40);
    }
  });

  it('every file cut anywhere from 5% to the last byte is refused as truncated', () => {
    for (const [name, b] of Object.entries(files)) {
      for (const frac of [0.05, 0.2, 0.35, 0.5, 0.55, 0.7, 0.85, 0.95]) {
        const p = check(b.subarray(0, Math.max(16, Math.floor(b.length * frac))));
        expect(p?.message, `${name} cut at ${frac}`).toMatch(/^cannot be decoded \(truncated: /);
        expect(p?.fix).toBe(
          'download or export the image again (the file ends early), or re-save it from a copy that opens',
        );
      }
      expect(check(b.subarray(0, b.length - 1))?.message, `${name} less its last byte`).toMatch(
        /^cannot be decoded \(truncated: /,
      );
    }
  });

  it('a PNG whose IDAT checksum is wrong is damaged', () => {
    const png = Uint8Array.from(files['pic.png']);
    const idat = F.pngChunks(png).findIndex((c) => c.type === 'IDAT');
    expect(idat).toBeGreaterThan(0);
    let o = 8;
    for (let i = 0; i < idat; i++) o += 12 + new DataView(png.buffer).getUint32(o);
    png[o + 8] ^= 0xff; // the first data byte of IDAT
    expect(check(png)?.message).toBe(
      `cannot be decoded (damaged: the checksum (CRC-32) of its IDAT chunk at byte ${o} is wrong)`,
    );
  });

  it('names JPEG codings the browser does not read, with "re-save as an 8-bit baseline JPEG"', () => {
    const b = files['baseline.jpg'];
    const cases: [number, number, string][] = [
      [0xc9, 8, 'is an arithmetic-coded (extended sequential) JPEG'],
      [0xca, 8, 'is an arithmetic-coded (progressive) JPEG'],
      [0xc3, 8, 'is a lossless JPEG'],
      [0xc5, 8, 'is a hierarchical (differential sequential) JPEG'],
      [0xc1, 12, 'is a 12-bit extended sequential JPEG'],
    ];
    for (const [m, bits, said] of cases) {
      const p = check(withSof(b, m, bits));
      expect(p?.message.startsWith(said), `${m.toString(16)}: ${p?.message}`).toBe(true);
      expect(p?.fix).toBe('re-save it as an 8-bit baseline JPEG (or as PNG)');
    }
    expect(check(withSof(b, 0xc1, 8))).toBeNull(); // extended sequential, 8-bit Huffman: read by both
  });

  it('check-data and the page loader skip them by file and row, and keep the whole ones', async () => {
    const cutJpeg = files['baseline.jpg'].subarray(0, Math.floor(files['baseline.jpg'].length * 0.55));
    const zip = zipSync({
      'captions.csv': strToU8(
        'file,caption\nok.png,a whole picture\ncut.jpg,a cut photo\narith.jpg,an arithmetic photo\n',
      ),
      'ok.png': files['pic.png'],
      'cut.jpg': cutJpeg,
      'arith.jpg': withSof(files['baseline.jpg'], 0xc9),
    });
    const ds = await loadByodZip('d.zip', zip, decodeImageNode);
    expect(ds.images.map((i) => i.file)).toEqual(['ok.png']);
    expect(ds.problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /^d\.zip:captions\.csv, row 3: cut\.jpg cannot be decoded \(truncated: its image data stops at byte \d+ with no end-of-image marker\) — download or export the image again \(the file ends early\), or re-save it from a copy that opens$/,
      ),
      "d.zip:captions.csv, row 4: arith.jpg is an arithmetic-coded (extended sequential) JPEG, which the browser's decoder does not read (only 8-bit baseline, extended and progressive Huffman JPEGs are read); it was skipped — re-save it as an 8-bit baseline JPEG (or as PNG)",
    ]);
  });
});
