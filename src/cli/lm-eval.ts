/**
 * `npm run lm-eval -- --checkpoint DIR (--ids-file F | --text-file F) [--json] [--backend wasm|cpu|webgpu]`
 * Loads a GPT-2-layout checkpoint and prints the mean next-token NLL of the given ids (contract,
 * docs/architecture.md §6): with --json one line `{"ids":[...],"mean_nll":x}`. --text-file is encoded with the
 * checkpoint's tokenizer as transformers' `tokenizer(text)` does (post-processor template included).
 */
import { readFile } from 'node:fs/promises';
import { initNodeBackend } from './backend-node';
import { loadGPT2 } from '../core/checkpoint/gpt2';
import { meanNll } from '../core/nn/eval';
import { UsageError, backendArg, dirSource, parseFlags, parseIds, runCli } from './common';
import { decodeUtf8Strict } from '../core/data/utf8';
import { checkpointTokenizer } from '../core/checkpoint/tokenizer';

const USAGE =
  'usage: npm run lm-eval -- --checkpoint DIR (--ids-file F | --text-file F) [--json] [--backend wasm|cpu|webgpu]';

async function main(): Promise<void> {
  const args = parseFlags(
    {
      checkpoint: {
        type: 'string',
        value: 'DIR',
        required: true,
        description: 'a GPT-2-layout checkpoint folder (config.json, model.safetensors, its tokenizer)',
      },
      'ids-file': {
        type: 'string',
        value: 'F',
        description: 'token ids to score: a JSON array or whitespace-separated integers (or --text-file)',
      },
      'text-file': {
        type: 'string',
        value: 'F',
        description: "UTF-8 text to score, encoded with the checkpoint's tokenizer (or --ids-file)",
      },
      json: { type: 'boolean', default: false, description: 'print {"ids":[...],"mean_nll":x} on one line' },
      backend: { type: 'string', default: 'wasm' },
    },
    USAGE,
    false,
    'Mean next-token NLL (nats per token) of the ids or text under a GPT-2-layout checkpoint.',
  ).values;
  if (!args.checkpoint) throw new UsageError(`--checkpoint is required; ${USAGE}`);
  if (!args['ids-file'] === !args['text-file'])
    throw new UsageError(`give exactly one of --ids-file and --text-file; ${USAGE}`);
  const backend = backendArg(args.backend);
  const src = await dirSource(args.checkpoint);
  const inputFile = (args['ids-file'] ?? args['text-file'])!;
  let bytes: Buffer;
  try {
    bytes = await readFile(inputFile);
  } catch (e) {
    throw new UsageError(`${inputFile}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  await initNodeBackend(backend);
  const { model, tokenizerJson } = await loadGPT2(src);
  let ids: number[];
  // A checkpoint's tokenizer is checked against its model when loaded, even when ids are given directly.
  if (args['ids-file'] && tokenizerJson) await checkpointTokenizer(src, tokenizerJson, model.config.vocabSize);
  if (args['ids-file']) ids = parseIds(bytes.toString('utf8'), inputFile);
  else {
    let text: string;
    try {
      text = decodeUtf8Strict(bytes);
    } catch (e) {
      throw new UsageError(`${inputFile}: ${(e as Error).message}; save it as UTF-8`);
    }
    const tokenizer = await checkpointTokenizer(src, tokenizerJson, model.config.vocabSize);
    ids = tokenizer.encode(text, { addSpecialTokens: true }); // as transformers' tokenizer(text): the post-processor's template applies
  }
  let result;
  try {
    result = await meanNll(model, ids);
  } catch (e) {
    throw new UsageError(`${inputFile}: ${(e as Error).message}`);
  }
  if (args.json) process.stdout.write(JSON.stringify({ ids, mean_nll: result.meanNll }) + '\n');
  else
    process.stdout.write(
      `mean NLL ${result.meanNll.toFixed(4)} nats over ${result.predictions} predictions (perplexity ${Math.exp(result.meanNll).toFixed(2)})\n`,
    );
  model.dispose();
}

runCli('lm-eval', main);
