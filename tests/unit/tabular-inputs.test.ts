// Tabular inputs checked row by row (issue 24, kinds 3 and 6), each built here: a captions.csv/metadata.csv row with
// an extra or missing field (an unquoted comma) is named with its line and skipped, not loaded cut at the comma; COCO
// ids of the wrong type are named; metrics.csv refuses values that are not numbers, non-finite values outside a
// training loss and the same (arm, seed, step, metric) with two values, and reads an identical repeat once; one
// Unicode-aware rule for empty text.
import { describe, expect, it } from 'vitest';
import { strToU8, zipSync } from 'fflate';
import { formatProblem, loadByodZip, type ByodDataset } from '../../src/core/data/byod';
import { cleanText, isEmptyText } from '../../src/core/data/text';
import { metricsCsv, parseMetricsCsv } from '../../src/core/experiment/metrics-csv';
import { byodSplits, sameImagesNote } from '../../src/core/experiment/prepare';
import { buildReport } from '../../src/core/experiment/report';
import { decodeImageNode } from '../../src/cli/image-decode';
import * as F from './helpers/image-files';

const messages = (ds: ByodDataset) => ds.problems.map(formatProblem);
const png = (seed: number) => F.encodePng(F.pattern(4, 4, seed));

describe('caption tables: every row has the header field count (kind 3)', () => {
  it('skips rows with an unquoted comma or a quote after a space, naming the line; quoted commas load whole', async () => {
    const csv =
      'file, caption\na.png, a red circle\nb.png,a brown dog, sitting on grass\nc.png, "a blue, round thing"\nd.png,"a dog, sitting"\ne.png\n';
    const ds = await loadByodZip(
      'd.zip',
      zipSync({
        'captions.csv': strToU8(csv),
        'a.png': png(1),
        'b.png': png(2),
        'c.png': png(3),
        'd.png': png(4),
        'e.png': png(5),
      }),
      decodeImageNode,
    );
    expect(ds.images.map((i) => [i.file, i.caption])).toEqual([
      ['a.png', 'a red circle'],
      ['d.png', 'a dog, sitting'],
    ]);
    // b, c and e are listed (so not also "not listed"): their rows are the problem.
    expect(messages(ds)).toEqual([
      expect.stringMatching(
        /^d\.zip:captions\.csv, row 3: has 3 fields but the header has 2; this row was skipped — quote captions that contain commas/,
      ),
      expect.stringMatching(/^d\.zip:captions\.csv, row 4: has 3 fields but the header has 2/),
      expect.stringMatching(
        /^d\.zip:captions\.csv, row 6: has 1 field but the header has 2; this row was skipped — give every row 2 fields \(file,caption\)$/,
      ),
    ]);
  });

  it('skips a row with text after a closing quote, naming it, and reads the rows after it', async () => {
    const csv = 'file,caption\na.png,"a dog" sitting\nb.png,"a ""big"" cat"\n';
    const ds = await loadByodZip(
      'q.zip',
      zipSync({ 'captions.csv': strToU8(csv), 'a.png': png(1), 'b.png': png(2) }),
      decodeImageNode,
    );
    expect(ds.images.map((i) => [i.file, i.caption])).toEqual([['b.png', 'a "big" cat']]);
    expect(messages(ds)).toEqual([
      'q.zip:captions.csv, row 2: unexpected character after a closing quote; this row was skipped — quote the whole caption and double any quote inside it ("a ""big"" dog")',
    ]);
  });

  it('checks a Hugging Face metadata.csv the same way', async () => {
    const csv = 'file_name,text,license\na.png,a red square,cc0\nb.png,a dog, sitting,cc0\n';
    const ds = await loadByodZip(
      'hf.zip',
      zipSync({ 'metadata.csv': strToU8(csv), 'a.png': png(1), 'b.png': png(2) }),
      decodeImageNode,
    );
    expect(ds.images.map((i) => i.file)).toEqual(['a.png']);
    expect(messages(ds)).toEqual([
      expect.stringMatching(/^hf\.zip:metadata\.csv, row 3: has 4 fields but the header has 3/),
    ]);
  });

  it('names COCO ids written as strings on one side and numbers on the other', async () => {
    const coco = {
      images: [
        { id: 1, file_name: 'a.png' },
        { id: 2, file_name: 'b.png' },
      ],
      annotations: [
        { image_id: 1, caption: 'a red square' },
        { image_id: '2', caption: 'a green square' },
      ],
    };
    const ds = await loadByodZip(
      'coco.zip',
      zipSync({ 'captions_train.json': strToU8(JSON.stringify(coco)), 'a.png': png(1), 'b.png': png(2) }),
      decodeImageNode,
    );
    expect(ds.images.map((i) => i.file)).toEqual(['a.png']);
    expect(messages(ds).join('\n')).toMatch(
      /annotations\[1\]: image_id "2" is a string but images\[\] has the id 2 as a number; the caption was skipped — write the ids with one type/,
    );
  });
});

describe('metrics.csv is checked row by row (kind 3)', () => {
  const H = 'arm,seed,step,tokens,metric,value\n';
  const rows = (...r: string[]) => H + r.join('\n') + '\n';
  it('refuses the same (arm, seed, step, metric) with two values, naming both lines and values', () => {
    const text = rows(
      'pretrained,0,5,100,val/image_loss,2.5',
      'scratch,0,5,100,val/image_loss,2.7',
      'pretrained,0,5,100,val/image_loss,3.5',
    );
    expect(() => parseMetricsCsv(text, 'm.csv')).toThrow(
      "m.csv: pretrained seed 0 step 5 val/image_loss is 2.5 at line 2 and 3.5 at line 4; the file holds two runs' records (or a resume wrote a step twice) — keep one run's rows",
    );
  });
  it('reads an identical repeat once and says so', () => {
    const notes: string[] = [];
    const r = parseMetricsCsv(
      rows(
        'pretrained,0,5,100,val/image_loss,2.5',
        'pretrained,0,5,100,val/image_loss,2.5',
        'pretrained,0,6,120,val/image_loss,2.4',
      ),
      'm.csv',
      notes,
    );
    expect(r.map((x) => x.value)).toEqual([2.5, 2.4]);
    expect(notes).toEqual([
      'm.csv: 1 row repeated an earlier row with the same value (line 3 repeats line 2) and was read once.',
    ]);
  });
  it('refuses a value that is not a number, and a non-finite value outside a training loss', () => {
    expect(() => parseMetricsCsv(rows('pretrained,0,5,100,val/image_loss,n/a'), 'm.csv')).toThrow(
      'm.csv, line 2: the value of val/image_loss is "n/a", not a number',
    );
    expect(() => parseMetricsCsv(rows('pretrained,0,5,100,val/image_loss,'), 'm.csv')).toThrow(
      /line 2: the value of val\/image_loss is "", not a number/,
    );
    expect(() => parseMetricsCsv(rows('pretrained,0,5,100,val/image_loss,0x10'), 'm.csv')).toThrow(/not a number/);
    expect(() => parseMetricsCsv(rows('pretrained,0,5,100,val/image_loss,NaN'), 'm.csv')).toThrow(
      /line 2: val\/image_loss is NaN; only a training loss may be non-finite/,
    );
    expect(() => parseMetricsCsv(rows('pretrained,0,5,100,val/image_loss,1,2'), 'm.csv')).toThrow(
      /line 2: 7 fields but the header has 6/,
    );
    expect(() => parseMetricsCsv(rows('pretrained,0,5.5,100,val/image_loss,1'), 'm.csv')).toThrow(
      /line 2: expected .* integer seed, step and tokens/,
    );
  });
  it('reads a non-finite training loss (a divergence) as JS and Python write it, and round-trips', () => {
    const r = parseMetricsCsv(
      rows(
        'pretrained,0,5,100,train/loss,NaN',
        'pretrained,0,6,120,train/loss,inf',
        'scratch,0,5,100,train/image_loss,-Infinity',
      ),
    );
    expect(r.map((x) => x.value)).toEqual([NaN, Infinity, -Infinity]);
    expect(parseMetricsCsv(metricsCsv(r))).toEqual(r);
  });
});

describe('one rule for empty text, and datasets too small to hold images out (kind 6)', () => {
  it('trims white space (NBSP, U+3000) and invisible format characters (U+200B, U+2060, U+FEFF) alike', () => {
    for (const s of ['', ' ', '\u00a0', '\u200b', '\u2060\u2060', '\ufeff', ' \u00a0\u200b\u3000\t'])
      expect(isEmptyText(s), JSON.stringify(s)).toBe(true);
    expect(isEmptyText('a')).toBe(false);
    expect(cleanText('\u200b a\u00a0 red\n circle \u2060')).toBe('a red circle');
    // A joiner inside an emoji sequence is kept.
    expect(cleanText(' \u{1f469}\u200d\u{1f52c} ')).toBe('\u{1f469}\u200d\u{1f52c}');
  });
  it('reports captions of invisible characters as empty, as NBSP-only ones, and skips an empty corpus', async () => {
    const csv = 'file,caption\na.png,a red square\nb.png,\u200b\u2060\nc.png,\u00a0\u00a0\n';
    const ds = await loadByodZip(
      'e.zip',
      zipSync({
        'captions.csv': strToU8(csv),
        'a.png': png(1),
        'b.png': png(2),
        'c.png': png(3),
        'blank.txt': strToU8('\ufeff \u200b\n'),
      }),
      decodeImageNode,
    );
    expect(ds.images.map((i) => i.file)).toEqual(['a.png']);
    expect(ds.corpora).toEqual([]);
    expect(messages(ds)).toEqual([
      expect.stringMatching(/row 3: the caption of b\.png is empty/),
      expect.stringMatching(/row 4: the caption of c\.png is empty/),
      expect.stringMatching(/^e\.zip:blank\.txt: the corpus is empty/),
    ]);
  });
  it('under 10 images the split says the validation images are the training images, and the report says it first', async () => {
    const files: Record<string, Uint8Array> = {
      'captions.csv': strToU8('file,caption\n' + [0, 1, 2].map((i) => `${i}.png,shape ${i}`).join('\n')),
    };
    for (const i of [0, 1, 2]) files[`${i}.png`] = png(i);
    const small = byodSplits(await loadByodZip('s.zip', zipSync(files), decodeImageNode));
    expect(small.valIsTrain).toBe(true);
    expect(small.indices.val).toEqual(small.indices.train);
    const note = sameImagesNote(small)!;
    expect(note).toMatch(
      /^The dataset has 3 images, under 10: none is held out, so the validation images ARE the training images/,
    );
    const recs = ['pretrained', 'scratch'].flatMap((arm) =>
      ['val/image_loss', 'val/text_loss', 'val/english_loss'].map((metric) => ({
        arm,
        seed: 0,
        step: 0,
        tokens: 0,
        metric,
        value: 1,
      })),
    );
    const small3 = buildReport(null, recs, { validationIsTraining: note });
    expect(small3.notes[0]).toBe(note);
    // The headline sentences (A and B, printed in the log and on the report's first screen) say it too.
    for (const eff of [small3.effects.image_loss, small3.effects.caption_gap]) {
      expect(eff.sentence).toMatch(/^Measured on the training images \(too few images to hold any out/);
      expect(eff.sentence).not.toMatch(/held-out/);
    }
    expect(small3.effects.caption_gap.tokensSaved.sentence).not.toMatch(/held-out/);
    const whole = buildReport(null, recs, {});
    expect(whole.effects.image_loss.sentence).not.toMatch(/training images/);
    const big: Record<string, Uint8Array> = {
      'captions.csv': strToU8('file,caption\n' + [...Array(10).keys()].map((i) => `${i}.png,shape ${i}`).join('\n')),
    };
    for (let i = 0; i < 10; i++) big[`${i}.png`] = png(i);
    const split = byodSplits(await loadByodZip('b.zip', zipSync(big), decodeImageNode));
    expect([split.valIsTrain, split.valCount, split.trainCount]).toEqual([false, 1, 9]);
    expect(sameImagesNote(split)).toBeNull();
  });
});
