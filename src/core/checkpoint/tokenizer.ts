// The text tokenizer of a checkpoint directory: tokenizer.json as it is, else GPT-2's vocab.json + merges.txt pair
// (with tokenizer_config.json's add_prefix_space when there is one), both run by @huggingface/tokenizers (hf.ts).
import { HFTokenizer, type TextTokenizer } from '../tokenize/hf';
import { CheckpointError } from './errors';
import { readText, type FileSource } from './source';

/**
 * Refuse a tokenizer with ids the model has no embedding row for (an added token beyond config.json's vocab_size),
 * naming both counts and the tokens: found when the checkpoint is loaded, not when a text happens to contain one.
 */
export function checkTokenizerFits(tok: TextTokenizer, vocabSize: number, file: string): void {
  if (tok.vocabSize <= vocabSize) return;
  const beyond = [...tok.special].filter(([, id]) => id >= vocabSize).sort((a, b) => a[1] - b[1]);
  const which = beyond.length
    ? `; added token${beyond.length === 1 ? '' : 's'} ${beyond
        .slice(0, 3)
        .map(([t, id]) => `${JSON.stringify(t)} (id ${id})`)
        .join(', ')}${beyond.length > 3 ? ', …' : ''} ha${beyond.length === 1 ? 's' : 've'} no embedding row`
    : '';
  throw new CheckpointError(
    file,
    `has ${tok.vocabSize} ids, config.json ${vocabSize}${which}: the tokenizer does not belong to these weights — use the tokenizer saved with the model, or remove the added token${beyond.length === 1 ? '' : 's'} beyond id ${vocabSize - 1} (or resize the model's embeddings and save it again)`,
  );
}

/**
 * Load the directory's tokenizer; `tokenizerJson` may be passed when already read, and `vocabSize` (config.json's)
 * to check the tokenizer fits the model (checkTokenizerFits). Throws TokenizerError naming the file for a malformed
 * or unsupported one, CheckpointError when there is none or it does not fit.
 */
export async function checkpointTokenizer(
  src: FileSource,
  tokenizerJson?: string | null,
  vocabSize?: number,
): Promise<TextTokenizer> {
  const tj = tokenizerJson ?? (await readText(src, 'tokenizer.json'));
  const tok = await readTokenizer(src, tj);
  if (vocabSize !== undefined)
    checkTokenizerFits(tok, vocabSize, `${src.label}/${tj !== null ? 'tokenizer.json' : 'vocab.json'}`);
  return tok;
}

async function readTokenizer(src: FileSource, tj: string | null): Promise<TextTokenizer> {
  if (tj !== null) return HFTokenizer.fromTokenizerJson(tj, `${src.label}/tokenizer.json`);
  const [vocab, merges] = await Promise.all([readText(src, 'vocab.json'), readText(src, 'merges.txt')]);
  if (vocab !== null && merges !== null) {
    const configText = await readText(src, 'tokenizer_config.json');
    let addPrefixSpace = false;
    if (configText !== null) {
      try {
        addPrefixSpace = (JSON.parse(configText) as { add_prefix_space?: unknown }).add_prefix_space === true;
      } catch (e) {
        throw new CheckpointError(`${src.label}/tokenizer_config.json`, `is not valid JSON (${(e as Error).message})`);
      }
    }
    return HFTokenizer.fromVocabMerges(
      vocab,
      merges,
      { vocab: `${src.label}/vocab.json`, merges: `${src.label}/merges.txt` },
      addPrefixSpace,
    );
  }
  throw new CheckpointError(
    `${src.label}/tokenizer.json`,
    'no tokenizer in the checkpoint (neither tokenizer.json nor vocab.json + merges.txt), so text cannot be encoded; pass --ids-file instead',
  );
}
