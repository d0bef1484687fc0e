// The text tokenizer of a checkpoint directory: tokenizer.json, else GPT-2's vocab.json + merges.txt pair.
import { BPETokenizer } from '../tokenize/bpe';
import { CheckpointError } from './errors';
import { readText, type FileSource } from './source';

/** Load the directory's tokenizer; `tokenizerJson` may be passed when already read. */
export async function checkpointTokenizer(src: FileSource, tokenizerJson?: string | null): Promise<BPETokenizer> {
  const tj = tokenizerJson ?? (await readText(src, 'tokenizer.json'));
  if (tj !== null) return BPETokenizer.fromTokenizerJson(tj, `${src.label}/tokenizer.json`);
  const [vocab, merges] = await Promise.all([readText(src, 'vocab.json'), readText(src, 'merges.txt')]);
  if (vocab !== null && merges !== null) return BPETokenizer.fromVocabMerges(vocab, merges, { vocab: `${src.label}/vocab.json`, merges: `${src.label}/merges.txt` });
  throw new CheckpointError(`${src.label}/tokenizer.json`, 'no tokenizer in the checkpoint (neither tokenizer.json nor vocab.json + merges.txt), so text cannot be encoded; pass --ids-file instead');
}
