/**
 * The pre-trained LM's strength as its checkpoint records it: the held-out figures `npm run pretrain` writes into
 * tabula.json (provenance.heldout: the LM's mean NLL on Persuasion and Moby-Dick beside a Kneser-Ney bigram's),
 * picked out for a report's meta (`meta.lmHeldout`) and stated as one sentence in its caveats (caveats.ts). The
 * bigram fitted on the LM's own training corpus is preferred; the older one, fitted on the five Austen novels
 * only, is named as such, since a margin over a bigram that saw less data mixes model strength with data.
 */
import { ENGLISH_TEXTS } from '../data/corpus';

/** One held-out text's figures, mean NLL in nats/token; a bigram figure is absent when not recorded. */
export interface LmHeldoutText {
  tokens: number | null;
  nll: number;
  /** The bigram on the LM's whole training corpus. */
  sameDataNll?: number;
  /** The bigram on `austenData`. */
  austenNll?: number;
}

/** What `meta.lmHeldout` holds. */
export interface LmHeldout {
  /** How the LM's NLL was measured (provenance.lmEval), or null when not recorded. */
  lmEval: string | null;
  /** The texts the Austen bigram was fitted on (provenance.bigram.data), or null. */
  austenData: string[] | null;
  /** By held-out text id (persuasion, moby-dick). */
  texts: Record<string, LmHeldoutText>;
}

const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
/** A recorded mean NLL, or the log of a recorded perplexity (older checkpoints recorded perplexities only). */
const nllOf = (r: Record<string, unknown>, nll: string, ppl: string): number | undefined =>
  num(r[nll]) ?? (num(r[ppl]) !== undefined && num(r[ppl])! > 0 ? Math.log(num(r[ppl])!) : undefined);

/**
 * The held-out figures of a checkpoint's tabula.json provenance (any shape; nothing is trusted), or null when it
 * records no LM figure for any text.
 */
export function lmHeldoutFromProvenance(provenance: unknown): LmHeldout | null {
  if (!provenance || typeof provenance !== 'object') return null;
  const p = provenance as Record<string, unknown>;
  const heldout = p.heldout && typeof p.heldout === 'object' ? (p.heldout as Record<string, unknown>) : {};
  const texts: Record<string, LmHeldoutText> = {};
  for (const [id, v] of Object.entries(heldout)) {
    if (!v || typeof v !== 'object') continue;
    const r = v as Record<string, unknown>;
    const nll = nllOf(r, 'nll', 'ppl');
    if (nll === undefined) continue;
    const sameDataNll = nllOf(r, 'bigram_same_data_nll', 'bigram_same_data_ppl');
    const austenNll = nllOf(r, 'bigram_nll', 'bigram_ppl');
    texts[id] = {
      tokens: num(r.tokens) ?? null,
      nll,
      ...(sameDataNll !== undefined ? { sameDataNll } : {}),
      ...(austenNll !== undefined ? { austenNll } : {}),
    };
  }
  if (Object.keys(texts).length === 0) return null;
  const bigram = p.bigram && typeof p.bigram === 'object' ? (p.bigram as Record<string, unknown>) : {};
  const data = Array.isArray(bigram.data) && bigram.data.every((d) => typeof d === 'string') ? bigram.data : null;
  return { lmEval: typeof p.lmEval === 'string' ? p.lmEval : null, austenData: data as string[] | null, texts };
}

const f3 = (x: number) => x.toFixed(3);
const titleOf = (id: string) => ENGLISH_TEXTS.find((t) => t.id === id)?.title ?? id;

/**
 * The caveat's sentence on the LM's strength from `meta.lmHeldout` (lmHeldoutFromProvenance's shape), or null when
 * the meta records none. Per text: the LM's NLL against the same-data bigram when recorded, else against the
 * Austen bigram, saying which data that bigram saw.
 */
export function lmStrengthSentence(recorded: unknown): string | null {
  if (!recorded || typeof recorded !== 'object') return null;
  const h = recorded as Partial<LmHeldout>;
  if (!h.texts || typeof h.texts !== 'object') return null;
  const austen = h.austenData?.length
    ? `the ${h.austenData.length} Austen novels (${h.austenData.join(', ')})`
    : 'the Austen novels';
  const parts: string[] = [];
  for (const [id, t] of Object.entries(h.texts)) {
    if (!t || num(t.nll) === undefined) continue;
    const lm = `${titleOf(id)} ${f3(t.nll)} nats/token`;
    if (num(t.sameDataNll) !== undefined)
      parts.push(
        `${lm} against ${f3(t.sameDataNll!)} for a Kneser-Ney bigram fitted on the LM's own training corpus (LM better by ${f3(t.sameDataNll! - t.nll)})`,
      );
    else if (num(t.austenNll) !== undefined)
      parts.push(
        `${lm} against ${f3(t.austenNll!)} for a Kneser-Ney bigram fitted on ${austen} only, not on the LM's own training corpus, so the margin (${f3(t.austenNll! - t.nll)}) mixes model strength with data`,
      );
    else parts.push(`${lm} (no bigram recorded)`);
  }
  if (parts.length === 0) return null;
  return `its held-out mean NLL from its tabula.json${h.lmEval ? ` (${h.lmEval})` : ''}: ${parts.join('; ')}`;
}
