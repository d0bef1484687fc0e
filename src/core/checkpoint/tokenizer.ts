// The text tokenizer of a checkpoint directory: tokenizer.json as it is, else GPT-2's vocab.json + merges.txt pair
// (with tokenizer_config.json's add_prefix_space when there is one), both run by @huggingface/tokenizers (hf.ts).
import { HFTokenizer, type TextTokenizer } from '../tokenize/hf';
import { CheckpointError } from './errors';
import { readText, type FileSource } from './source';

/**
 * Load the directory's tokenizer; `tokenizerJson` may be passed when already read. Throws TokenizerError naming the
 * file for a malformed or unsupported one, CheckpointError when there is none.
 */
export async function checkpointTokenizer(src: FileSource, tokenizerJson?: string | null): Promise<TextTokenizer> {
  const tj = tokenizerJson ?? (await readText(src, 'tokenizer.json'));
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
    return HFTokenizer.fromVocabMerges(vocab, merges, { vocab: `${src.label}/vocab.json`, merges: `${src.label}/merges.txt` }, addPrefixSpace);
  }
  throw new CheckpointError(`${src.label}/tokenizer.json`, 'no tokenizer in the checkpoint (neither tokenizer.json nor vocab.json + merges.txt), so text cannot be encoded; pass --ids-file instead');
}
