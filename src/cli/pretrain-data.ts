/**
 * The texts of `npm run pretrain` and its bigram baselines, shared by src/cli/pretrain.ts and
 * scripts/lm-baselines.ts so that both rebuild the same training corpus, held-out texts and Kneser-Ney bigrams:
 * the corpus by name, its texts read from public/data, each encoded as one token stream (tokenStream), and the two
 * bigrams — one on the five Austen training novels (the baseline recorded since the first checkpoint), one on the
 * LM's whole training corpus (the same data the LM saw).
 */
import { AUSTEN_BOOKS, ENGLISH_TEXTS, PRETRAIN_CORPUS, tokenStream, type TextSource } from '../core/data/corpus';
import { KneserNeyBigram } from '../core/experiment/bigram';
import type { Encoder } from '../core/data/corpus';
import { readPublicData } from './data/public-data';

export type PretrainCorpusName = 'austen' | 'english';

/** The five Austen training novels: the `austen` corpus, and the data of the Austen bigram whatever the corpus. */
export const AUSTEN_TRAIN: TextSource[] = AUSTEN_BOOKS.filter((b) => b.role === 'train');

/** The training texts of a corpus name, in the order pretrain encodes and concatenates them. */
export function pretrainCorpus(name: PretrainCorpusName): TextSource[] {
  return name === 'english' ? PRETRAIN_CORPUS : AUSTEN_TRAIN;
}

/** The held-out texts every pretrain run is measured on: Persuasion (in-domain) and Moby-Dick (out-of-domain). */
export const HELDOUT_TEXTS: TextSource[] = ENGLISH_TEXTS.filter((s) => s.role !== 'train');

/** Reads the corpus's and the held-out texts from public/data as strings, by id. */
export async function readPretrainTexts(corpus: TextSource[]): Promise<Map<string, string>> {
  const dec = new TextDecoder();
  return new Map(
    await Promise.all(
      [...ENGLISH_TEXTS, ...corpus].map(async (s) => [s.id, dec.decode(await readPublicData(s.file))] as const),
    ),
  );
}

/** One encoded training text; `austen` marks the five Austen training novels. */
export interface TrainStream {
  id: string;
  title: string;
  austen: boolean;
  ids: Int32Array;
}

/** Each corpus text encoded as one token stream (texts: readPretrainTexts's map). */
export function trainStreams(tok: Encoder, corpus: TextSource[], texts: Map<string, string>): TrainStream[] {
  const austenIds = new Set(AUSTEN_BOOKS.map((b) => b.id));
  return corpus.map((b) => ({
    id: b.id,
    title: b.title,
    austen: austenIds.has(b.id),
    ids: tokenStream(tok, texts.get(b.id)!),
  }));
}

/** The held-out texts encoded as token streams (plain arrays, as meanNll takes them). */
export function heldoutStreams(tok: Encoder, texts: Map<string, string>): (TextSource & { ids: number[] })[] {
  return HELDOUT_TEXTS.map((s) => ({ ...s, ids: Array.from(tokenStream(tok, texts.get(s.id)!)) }));
}

/** The streams end to end, in order (the LM's training tokens; a bigram's training stream). */
export function concat(parts: Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * The two interpolated Kneser-Ney bigram baselines (discount estimated from each one's counts), over V ids:
 * `austen` on the five Austen training novels' streams end to end, `sameData` on every training stream end to end
 * (for the `austen` corpus the two are fitted on the same stream).
 * @throws when the streams hold no Austen novel (the Austen bigram has nothing to fit)
 */
export function bigramBaselines(
  vocabSize: number,
  streams: TrainStream[],
): { austen: KneserNeyBigram; sameData: KneserNeyBigram } {
  const austen = streams.filter((s) => s.austen);
  if (austen.length === 0) throw new Error('bigramBaselines: no Austen training novel among the streams');
  return {
    austen: new KneserNeyBigram(vocabSize, concat(austen.map((s) => s.ids))),
    sameData: new KneserNeyBigram(vocabSize, concat(streams.map((s) => s.ids))),
  };
}

/** One held-out text's figures in tabula.json: LM and both bigrams, mean NLL in nats/token, margins bigram − LM. */
export interface HeldoutEval {
  tokens: number;
  nll: number;
  ppl: number;
  /** The Austen bigram (provenance.bigram.data). */
  bigram_nll: number;
  bigram_ppl: number;
  margin: number;
  /** The bigram fitted on the LM's whole training corpus. */
  bigram_same_data_nll: number;
  bigram_same_data_ppl: number;
  margin_same_data: number;
}

/** The figures of one held-out text from its ids, the LM's mean NLL and the two bigrams. */
export function heldoutEval(
  ids: ArrayLike<number>,
  lmNll: number,
  bigrams: { austen: KneserNeyBigram; sameData: KneserNeyBigram },
): HeldoutEval {
  const b = bigrams.austen.meanNll(ids);
  const s = bigrams.sameData.meanNll(ids);
  return {
    tokens: ids.length,
    nll: lmNll,
    ppl: Math.exp(lmNll),
    bigram_nll: b,
    bigram_ppl: Math.exp(b),
    margin: b - lmNll,
    bigram_same_data_nll: s,
    bigram_same_data_ppl: Math.exp(s),
    margin_same_data: s - lmNll,
  };
}

/** One line of a held-out text's figures, LM beside both bigrams. */
export function heldoutLine(title: string, role: string, e: HeldoutEval): string {
  const f = (x: number) => x.toFixed(3);
  return `  ${title} (${role}, ${e.tokens.toLocaleString('en')} tokens): LM ${f(e.nll)} nats/token (perplexity ${e.ppl.toFixed(1)}); Kneser-Ney bigram on the Austen novels ${f(e.bigram_nll)} (${e.bigram_ppl.toFixed(1)}): LM better by ${f(e.margin)}; on the LM's own training corpus ${f(e.bigram_same_data_nll)} (${e.bigram_same_data_ppl.toFixed(1)}): LM better by ${f(e.margin_same_data)} nats/token`;
}
