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
import { unreadCard, type LeftOut } from '../core/experiment/left-out';
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
 * The cards named by `paths`, in order, and every one that could not be read: a file is read as a card; a folder
 * gives its `*.tabula.json` (a run folder holds one). A path that is missing or holds no card, and a card parseCard
 * refuses, each become an unread LeftOut naming it (its seat from its file name or its text, left-out.ts). Throws
 * only what is not a CardError (a folder that cannot be listed).
 */
export function collectCards(paths: string[]): { cards: NamedCard[]; unread: LeftOut[] } {
  const cards: NamedCard[] = [];
  const unread: LeftOut[] = [];
  for (const p of paths) {
    if (!existsSync(p)) {
      unread.push(unreadCard(p, `${p}: no such file or folder`));
      continue;
    }
    const files = statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.endsWith(CARD_SUFFIX))
          .sort()
          .map((f) => join(p, f))
      : [p];
    if (!files.length)
      unread.push(
        unreadCard(
          p,
          `${p}: holds no result card (*${CARD_SUFFIX}); a run folder gets one when npm run replicate finishes`,
        ),
      );
    for (const f of files) {
      try {
        cards.push({ name: f, card: readCardFile(f) });
      } catch (e) {
        if (!(e instanceof CardError)) throw e;
        const size = statSync(f).size;
        unread.push(unreadCard(f, e.message, size <= MAX_CARD_BYTES ? readFileSync(f, 'utf8') : undefined));
      }
    }
  }
  return { cards, unread };
}

/** The cards named by `paths` (collectCards), all of them readable: else a CardError listing every one that is not. */
export function readCards(paths: string[]): NamedCard[] {
  const { cards, unread } = collectCards(paths);
  if (unread.length) throw new CardError(unread.map((r) => r.message).join('; '));
  return cards;
}
