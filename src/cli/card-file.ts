/**
 * Result cards on disk (docs/class.md): the card `npm run replicate` writes into its run folder at the finish, and
 * the cards `npm run pool` reads — a card file itself, or the one card of a run folder — each checked for size before
 * it is read and by the core's parseCard after (core/experiment/card.ts). A refused card is a bad file (exit 1).
 */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MAX_CARD_BYTES,
  CardError,
  cardFileName,
  makeCard,
  parseCard,
  type CardInput,
  type ResultCard,
} from '../core/experiment/card';
import type { NamedCard } from '../core/experiment/pool';

export const CARD_SUFFIX = '.tabula.json';

/** Write a run's card into `dir`; returns its path. */
export function writeCard(dir: string, input: CardInput): string {
  const card = makeCard(input);
  const file = join(dir, cardFileName(card));
  writeFileSync(file, JSON.stringify(card) + '\n');
  return file;
}

/** Read and check one card file; throws CardError naming it. */
export function readCardFile(file: string): ResultCard {
  const size = statSync(file).size;
  if (size > MAX_CARD_BYTES)
    throw new CardError(
      `${file}: ${(size / 1e6).toFixed(1)} MB, over the ${MAX_CARD_BYTES / 1e6} MB a result card may be; it is not a card this code made`,
    );
  return parseCard(readFileSync(file, 'utf8'), file);
}

/**
 * The cards named by `paths`, in order: a file is read as a card; a folder gives its `*.tabula.json` (a run folder
 * holds one). Throws CardError naming the first path that is missing, holds no card, or holds a card refused.
 */
export function readCards(paths: string[]): NamedCard[] {
  const out: NamedCard[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new CardError(`${p}: no such file or folder`);
    const files = statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.endsWith(CARD_SUFFIX))
          .sort()
          .map((f) => join(p, f))
      : [p];
    if (!files.length)
      throw new CardError(
        `${p}: holds no result card (*${CARD_SUFFIX}); a run folder gets one when npm run replicate finishes`,
      );
    for (const f of files) out.push({ name: f, card: readCardFile(f) });
  }
  return out;
}
