/**
 * The interface every text tokenizer implements (hf.ts's HFTokenizer, bpe.ts's BPETokenizer) and the rest of the
 * project uses. In its own module so that bpe.ts and hf.ts need not import each other (hf.ts re-exports it).
 */

/** What the rest of the project needs of a text tokenizer. */
export interface TextTokenizer {
  /** Number of ids (largest id + 1), added tokens included. */
  readonly vocabSize: number;
  /** Added tokens (text → id), e.g. `<|bos|>`; their text in input becomes their id. */
  readonly special: ReadonlyMap<string, number>;
  /** Text → ids. `addSpecialTokens` applies the post-processor's template (e.g. a leading BOS), as transformers' `tokenizer(text)` does. */
  encode(text: string, opts?: { addSpecialTokens?: boolean }): number[];
  /** Ids → text (special tokens kept, no clean-up of spaces). Throws on an id outside [0, vocabSize). */
  decode(ids: number[]): string;
  /** Id of an added token; throws when this tokenizer lacks it. */
  specialId(name: string): number;
  /** The tokenizer as a Hugging Face tokenizer.json. */
  toTokenizerJson(): string;
}
