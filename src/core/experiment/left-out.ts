/**
 * The cards a pooling leaves out (docs/class.md), in words a teacher can act on: each refused card with the seat or
 * seeds it claims (so a good card for the same seat, pooled later, can be said to replace it), where a card was made
 * (the page or the command line, when the card says) and what tells two copies of one seat apart (when each was
 * made, the last step it reached, the start of its checksum). Pure: pool.ts, pool-html.ts, `npm run pool` and the
 * teacher view share it.
 */
import type { CardOrigin, ResultCard } from './card';

/** A card refused: what it claims to be, and why it was left out. */
export interface LeftOut {
  /** The card's name (its file name). */
  name: string;
  /** The seat it claims (from the card, or from a `-seat<k>` file name when the card cannot be read), or null. */
  seat: number | null;
  /** The seeds it claims (likewise), ascending; empty when unknown. */
  seeds: number[];
  /** "NAME: why; what to do". */
  message: string;
  /** The pooled card(s) that bring its seat's seeds, when one does (set by poolCards). */
  replacedBy?: string;
}

/** A card that was read, refused for `message`. */
export const refusedCard = (name: string, card: ResultCard, message: string): LeftOut => ({
  name,
  seat: card.seat,
  seeds: [...card.seeds],
  message,
});

const wholeNumber = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1e6;

/**
 * A card that could not be read (damaged, cut short, a failed checksum …; `message` is parseCard's): its seat and
 * seeds are taken from its file name (`-seat<k>`, `-seed<k>`, `-seeds<a>-<b>` before `.tabula.json`), else from its
 * text when that is JSON with a whole-number `seat` or `seeds`. Nothing else of the text is read.
 */
export function unreadCard(name: string, message: string, text?: string): LeftOut {
  const out: LeftOut = { name, seat: null, seeds: [], message };
  const m = /-(seat|seed|seeds)(\d{1,6})(?:-(\d{1,6}))?\.tabula\.json$/.exec(name);
  if (m) {
    const a = Number(m[2]);
    if (m[1] === 'seat') out.seat = a;
    else if (m[1] === 'seed') out.seeds = [a];
    else if (m[3] !== undefined && Number(m[3]) >= a && Number(m[3]) - a < 10_000)
      out.seeds = Array.from({ length: Number(m[3]) - a + 1 }, (_, i) => a + i);
    return out;
  }
  if (text === undefined) return out;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null) return out;
    const { seat, seeds } = v as { seat?: unknown; seeds?: unknown };
    if (wholeNumber(seat)) out.seat = seat;
    if (Array.isArray(seeds) && seeds.length <= 10_000 && seeds.every(wholeNumber))
      out.seeds = [...new Set(seeds)].sort((x, y) => x - y);
  } catch {
    // Not JSON: nothing more to learn from it.
  }
  return out;
}

/** Where a card was made: its `origin`, else 'page' when it has a seat (only the page gives one), else null. */
export const originOf = (card: Pick<ResultCard, 'origin' | 'seat'>): CardOrigin | null =>
  card.origin ?? (card.seat !== null ? 'page' : null);

/**
 * Where a card was made, for a refusal: "a page card, seat 2, tfjs/webgpu", "a command-line card, tfjs/wasm", or —
 * for a version-1 card, which does not record it — "a card from the page or the command line (it does not say),
 * tfjs/wasm" ("a page card" when it has a seat: only the page gives one).
 */
export function cardOrigin(card: Pick<ResultCard, 'origin' | 'seat' | 'engine' | 'backend'>): string {
  const where = originOf(card);
  const what =
    where === 'page'
      ? 'a page card'
      : where === 'cli'
        ? 'a command-line card'
        : 'a card from the page or the command line (it does not say)';
  return `${what}${card.seat !== null ? `, seat ${card.seat}` : ''}, ${card.engine}/${card.backend}`;
}

/**
 * What tells a copy of a card apart from another: "made 2026-01-01T00:00:00.000Z, last step 120, checksum
 * 1a2b3c4d" (the card's creation time, the last step all its runs reached, the first 8 hex digits of its checksum).
 */
export const copyTag = (card: Pick<ResultCard, 'made' | 'step' | 'checksum'>): string =>
  `made ${card.made}, last step ${card.step}, checksum ${card.checksum.slice(0, 8)}`;

/** A refusal as the report lists it: its message, and "— replaced by NAME" once a pooled card brings its seat. */
export const leftOutLine = (r: LeftOut): string =>
  r.replacedBy ? `${r.message} — replaced by ${r.replacedBy}` : r.message;

/**
 * Mark each refusal whose claimed seeds (its seeds, else its seat's seed `seedOf(seat)`) are all pooled: `owner` maps
 * a pooled seed to the card that brought it. A refusal that claims nothing stays unreplaced.
 */
export function markReplaced(refused: LeftOut[], owner: Map<number, string>, seedOf: (seat: number) => number): void {
  for (const r of refused) {
    const claimed = r.seeds.length ? r.seeds : r.seat !== null ? [seedOf(r.seat)] : [];
    if (claimed.length && claimed.every((s) => owner.has(s)))
      r.replacedBy = [...new Set(claimed.map((s) => owner.get(s)!))].join(', ');
  }
}

/**
 * The report's "Left out" list, as the teacher view and report.html show it: every refused card (the unread ones
 * first) with why — a refusal since replaced saying by which card — then each repeated seed (the first copy kept).
 */
export const leftOutList = (p: { refused: LeftOut[]; duplicates: string[] }): string[] => [
  ...p.refused.map((r) => `Refused ${leftOutLine(r)}`),
  ...p.duplicates.map((d) => `Repeated ${d}`),
];
