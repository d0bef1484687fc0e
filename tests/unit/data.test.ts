// The built dataset: determinism of build-data, concept splits, caption levels, atlas cells against the source
// sheet, image compositing and resizing by hand, device batches, corpus windows and batch order.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import * as tf from '../../src/core/tf';
import { PNG } from 'pngjs';
import { loadEmojiDataset, type EmojiDataset } from '../../src/core/data/emoji';
import { captionOf, LEVELS, splitIndices } from '../../src/core/data/captions';
import { compositeOnWhite, DeviceImages, resizeRGBA } from '../../src/core/data/images';
import {
  AUSTEN_BOOKS,
  BROAD_ENGLISH,
  MOBY_DICK,
  PRETRAIN_CORPUS,
  SOTU_YEARS,
  batchOrder,
  tokenStream,
  WindowSampler,
} from '../../src/core/data/corpus';
import { article, captionLevels, toneWords } from '../../src/cli/data/captions';
import { decodePngNode } from '../../src/cli/image-decode';
import { readPublicData } from '../../src/cli/data/public-data';
import { useBackend } from './helpers/tf';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

async function hashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, prefix: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name), `${prefix}${e.name}/`);
      else
        out[prefix + e.name] = createHash('sha256')
          .update(await readFile(join(d, e.name)))
          .digest('hex');
    }
  };
  await walk(dir, '');
  return out;
}

describe('build-data', () => {
  it('is byte-identical from run to run, and matches the committed public/data', async () => {
    const a = await mkdtemp(join(tmpdir(), 'data-a-'));
    const b = await mkdtemp(join(tmpdir(), 'data-b-'));
    await run('node', ['--import', 'tsx', 'src/cli/build-data.ts', '--out', a]);
    await run('node', ['--import', 'tsx', 'src/cli/build-data.ts', '--out', b]);
    const [ha, hb, committed] = await Promise.all([hashes(a), hashes(b), hashes('public/data')]);
    expect(Object.keys(ha).length).toBeGreaterThanOrEqual(13);
    expect(hb).toEqual(ha);
    expect(committed).toEqual(ha);
    const manifest = JSON.parse(await readFile(join(a, 'manifest.json'), 'utf8')) as {
      files: Record<string, { sha256: string }>;
    };
    for (const [path, { sha256 }] of Object.entries(manifest.files)) expect(ha[path], path).toBe(sha256);
    await Promise.all([rm(a, { recursive: true }), rm(b, { recursive: true })]);
  });
});

describe('the broader pre-training English', () => {
  const text = async (id: string) =>
    new TextDecoder().decode(await readPublicData(BROAD_ENGLISH.find((s) => s.id === id)!.file));
  it('keeps Persuasion and Moby-Dick out of the pre-training corpus', () => {
    const ids = PRETRAIN_CORPUS.map((s) => s.id);
    expect(ids).not.toContain('persuasion');
    expect(ids).not.toContain(MOBY_DICK.id);
    expect(ids).toEqual([
      ...AUSTEN_BOOKS.filter((b) => b.role === 'train').map((b) => b.id),
      'kjv',
      'sotu',
      'wordnet-glosses',
    ]);
  });
  it('holds the whole King James Bible, one verse per line without numbers', async () => {
    const lines = (await text('kjv')).split('\n');
    expect(lines[0]).toBe('Genesis 1');
    expect(lines[2]).toBe('In the beginning God created the heaven and the earth.');
    expect(lines.at(-2)).toBe('The grace of our Lord Jesus Christ be with you all. Amen.');
    expect(lines.filter((l) => /^\S.* \d+$/.test(l)).length).toBe(1189); // the Bible's 1,189 chapters, one heading each
    expect(lines.filter((l) => /^\d/.test(l)).length).toBe(0);
  });
  it('holds each State of the Union address of the kept years once, oldest first', async () => {
    const years = [...(await text('sotu')).matchAll(/^State of the Union, (\d{4}), /gm)].map((m) => Number(m[1]));
    expect(years.length).toBe(100);
    expect(years[0]).toBe(SOTU_YEARS[0]);
    expect(years.at(-1)).toBe(SOTU_YEARS[1]);
    expect(years).toEqual([...years].sort((a, b) => a - b));
  });
  it('holds WordNet glosses as "lemmas: gloss" lines of all four parts of speech', async () => {
    const lines = (await text('wordnet-glosses')).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'entity: that which is perceived or known or inferred to have its own distinct existence (living or nonliving)',
    );
    for (const l of lines) expect(l, l).toMatch(/^[^:]+: +\S/); // verbatim: one gloss ('present') starts with a space in WordNet itself
    expect(lines.length).toBe(7356); // every 16th of 82,115 noun, 13,767 verb, 18,156 adjective and 3,621 adverb synsets
  });
});

describe('the emoji dataset', () => {
  let twemoji: EmojiDataset;
  beforeAll(async () => {
    twemoji = await loadEmojiDataset(readPublicData, decodePngNode, 'twemoji');
  });

  it('holds every emoji and skin-tone variant with all five caption levels', async () => {
    const items = twemoji.captions.items;
    expect(items.length).toBe(3786); // 1,911 emoji + 1,875 skin-tone variants in emoji-datasource 16.0.0
    expect(new Set(items.map((i) => i.concept)).size).toBe(1911);
    for (const it of items)
      for (const level of LEVELS) expect(captionOf(it, level).length, `${it.code} ${level}`).toBeGreaterThan(0);
    const noto = await loadEmojiDataset(readPublicData, decodePngNode, 'noto');
    expect(noto.captions.items).toEqual(items);
    expect(noto.meta.missing).toEqual([]);
  });

  it('splits by concept: disjoint, variants together, about 10% validation', () => {
    const items = twemoji.captions.items;
    const train = new Set(splitIndices(items, 'train'));
    const val = new Set(splitIndices(items, 'val'));
    expect(train.size + val.size).toBe(items.length);
    for (const i of val) expect(train.has(i)).toBe(false);
    const sideOf = new Map<number, string>();
    for (const it of items) {
      if (sideOf.has(it.concept)) expect(it.split, it.code).toBe(sideOf.get(it.concept));
      sideOf.set(it.concept, it.split);
    }
    const valConcepts = [...sideOf.values()].filter((s) => s === 'val').length;
    expect(valConcepts / sideOf.size).toBeCloseTo(0.1, 2);
  });

  it('cuts each atlas cell from the right place of the source sheet', () => {
    const ds = JSON.parse(require('node:fs').readFileSync(require.resolve('emoji-datasource/emoji.json'), 'utf8')) as {
      unified: string;
      sheet_x: number;
      sheet_y: number;
    }[];
    const sheet = PNG.sync.read(
      require('node:fs').readFileSync(require.resolve('emoji-datasource/img/twitter/sheets/32.png')),
    );
    for (const code of ['1f600', '1f406', '1f693']) {
      const item = twemoji.captions.items.find((i) => i.code === code)!;
      const src = ds.find((e) => e.unified.toLowerCase() === code)!;
      const { cell, cols } = twemoji.meta;
      for (const [dx, dy] of [
        [16, 16],
        [5, 20],
        [31, 0],
      ]) {
        const a =
          ((Math.floor(item.index / cols) * cell + dy) * twemoji.atlas.width + (item.index % cols) * cell + dx) * 4;
        const s = ((src.sheet_y * 34 + 1 + dy) * sheet.width + src.sheet_x * 34 + 1 + dx) * 4;
        expect(Array.from(twemoji.atlas.data.subarray(a, a + 4))).toEqual(Array.from(sheet.data.subarray(s, s + 4)));
      }
    }
  });

  it('gives RGB in [0, 1] with transparent corners white', () => {
    const px = twemoji.pixels([0, 1]);
    expect(px.length).toBe(2 * 32 * 32 * 3);
    expect(Math.min(...px)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...px)).toBeLessThanOrEqual(1);
    expect(Array.from(px.subarray(0, 3))).toEqual([1, 1, 1]); // the grinning face's top-left corner is transparent
  });
});

describe('captions', () => {
  it('builds the five levels as documented', () => {
    const leopard = captionLevels({
      category: 'Animals & Nature',
      subcategory: 'animal-mammal',
      shortName: 'leopard',
      cldrName: 'leopard',
      keywords: ['leopard'],
      tone: null,
    });
    expect(leopard).toEqual([
      'animals & nature, animal mammal',
      'leopard',
      'leopard',
      'an emoji of a leopard, an animal mammal',
      'leopard: leopard',
    ]);
    const police = captionLevels({
      category: 'Travel & Places',
      subcategory: 'transport-ground',
      shortName: 'police_car',
      cldrName: 'police car',
      keywords: ['car', 'cops', 'patrol', 'police'],
      tone: null,
    });
    expect(police[4]).toBe('police car: car, cops, patrol, police');
    expect(police[1]).toBe('police car');
    const wave = captionLevels({
      category: 'People & Body',
      subcategory: 'hand-fingers-open',
      shortName: 'wave',
      cldrName: 'waving hand: dark skin tone',
      keywords: [],
      tone: '1F3FF',
    });
    expect(wave[1]).toBe('wave dark skin tone');
    expect(wave[4]).toBe('waving hand: dark skin tone');
  });
  it('picks articles and tone words', () => {
    expect(article('owl')).toBe('an');
    expect(article('unicorn')).toBe('a');
    expect(article('hourglass')).toBe('an');
    expect(toneWords('1F3FB-1F3FE')).toBe('light skin tone, medium-dark skin tone');
    expect(() => toneWords('1F600')).toThrow(/unknown skin-tone key/);
  });
});

describe('image maths', () => {
  it('composites on white by hand', () => {
    const out = new Float32Array(9);
    compositeOnWhite(
      { width: 3, height: 1, data: Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 255, 0, 0, 255, 51]) },
      out,
    );
    expect(Array.from(out)).toEqual([
      1,
      1,
      1,
      1,
      0,
      0,
      expect.closeTo(0.8, 6),
      expect.closeTo(0.8, 6),
      expect.closeTo(1, 6),
    ]);
  });
  it('shrinks by averaging the area (premultiplied), enlarges bilinearly', () => {
    // 2×2 → 1×1: two opaque pixels (200, 100) and two transparent ones: colour is the opaque mean, alpha halves.
    const img = {
      width: 2,
      height: 2,
      data: Uint8Array.from([200, 0, 0, 255, 100, 0, 0, 255, 9, 9, 9, 0, 9, 9, 9, 0]),
    };
    expect(Array.from(resizeRGBA(img, 1, 1).data)).toEqual([150, 0, 0, 128]);
    const flat = { width: 2, height: 2, data: new Uint8Array(16).fill(77) };
    expect(new Set(resizeRGBA(flat, 5, 5).data)).toEqual(new Set([77]));
    const threeToTwo = resizeRGBA(
      { width: 3, height: 1, data: Uint8Array.from([0, 0, 0, 255, 90, 90, 90, 255, 180, 180, 180, 255]) },
      2,
      1,
    );
    expect(threeToTwo.data[0]).toBe(30); // (0·1 + 90·0.5)/1.5
    expect(threeToTwo.data[4]).toBe(150); // (90·0.5 + 180·1)/1.5
  });
});

describe('device batches and corpora', () => {
  it('gathers image batches on the device without leaking tensors', async () => {
    await useBackend('wasm');
    const px = new Float32Array(4 * 2 * 2 * 3).map((_, i) => i);
    const imgs = new DeviceImages(px, 4, 2);
    const before = tf.memory().numTensors;
    const b = imgs.batch([3, 1]);
    expect(b.shape).toEqual([2, 2, 2, 3]);
    expect(Array.from(await b.data()).slice(0, 3)).toEqual([36, 37, 38]);
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
    imgs.dispose();
  });

  it('samples corpus windows and batches deterministically from a seed', () => {
    const stream = Int32Array.from({ length: 1000 }, (_, i) => i);
    const a = new WindowSampler(stream, 10, 7);
    const b = new WindowSampler(stream, 10, 7);
    const wa = [...a.next(50), ...a.next(60)];
    expect([...b.next(50), ...b.next(60)]).toEqual(wa);
    for (const w of wa) expect(w).toEqual(Array.from({ length: 10 }, (_, k) => w[0] + k)); // contiguous slices
    expect(a.epoch).toBe(1);
    const order = batchOrder([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5, 3);
    const first = [order.next().value!, order.next().value!];
    expect(first.flat().sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const again = batchOrder([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5, 3);
    expect([again.next().value, again.next().value]).toEqual(first);
    expect(tokenStream({ encode: (t) => [...t].map((c) => c.charCodeAt(0)) }, 'ab\n\ncd')).toEqual(
      Int32Array.from([97, 98, 10, 10, 99, 100]),
    );
  });
});
