/**
 * `npm run pretrain -- [--out DIR] [--steps N] [--layers L] [--width D] [--heads H] [--context T] [--batch B] [--vocab V]`
 * Pre-trains the "pre-trained LM" arm: a byte-level BPE and a GPT on the five pre-training Austen novels, then
 * measures held-out perplexity on Persuasion (in-domain) and Moby-Dick (out-of-domain) against a smoothed bigram on
 * the same tokens, and writes a GPT-2-layout checkpoint (config.json, model.safetensors, tokenizer.json,
 * tabula.json with the command, steps, tokens seen and the perplexities).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../core/backend-node';
import { AUSTEN_BOOKS, ENGLISH_TEXTS, WindowSampler, tokenStream } from '../core/data/corpus';
import { trainBPE } from '../core/tokenize/train-bpe';
import { GPT, type GPTConfig } from '../core/nn/gpt';
import { AdamW, DEFAULT_ADAMW } from '../core/nn/optim';
import { readStep, trainStep } from '../core/nn/train';
import { meanNll } from '../core/nn/eval';
import { BigramLM } from '../core/experiment/bigram';
import { saveGPT2 } from '../core/checkpoint/gpt2';
import { HFTokenizer, type TextTokenizer } from '../core/tokenize/hf';
import { readPublicData } from './data/public-data';
import { UsageError, backendArg, dirSource, intArg as int, numberArg, parseFlags, runCli, seedArg, writeFileAtomic } from './common';
import { loadGPT2 } from '../core/checkpoint/gpt2';
import { checkpointTokenizer } from '../core/checkpoint/tokenizer';

async function main(): Promise<void> {
  const usage = 'usage: npm run pretrain -- [--out DIR] [--steps N] [--layers L] [--width D] [--heads H] [--context T] [--batch B] [--vocab V] [--lr LR] [--seed S] [--eval-tokens N] [--backend wasm|cpu|webgpu] [--init DIR]';
  const { values: a } = parseFlags(
    {
      out: { type: 'string', default: 'public/models/lm-austen' },
      steps: { type: 'string', default: '1200' },
      layers: { type: 'string', default: '4' },
      width: { type: 'string', default: '128' },
      heads: { type: 'string', default: '4' },
      context: { type: 'string', default: '96' },
      batch: { type: 'string', default: '16' },
      vocab: { type: 'string', default: '2048' },
      lr: { type: 'string', default: '3e-3' },
      seed: { type: 'string', default: '0' },
      'eval-tokens': { type: 'string', default: '20000' },
      backend: { type: 'string', default: 'wasm' },
      init: { type: 'string' },
    },
    usage,
  );
  const steps = int(a.steps, 'steps', 1, 1e7);
  const T = int(a.context, 'context', 8, 2048);
  const B = int(a.batch, 'batch', 1, 1024);
  const seed = seedArg(a.seed);
  const lr = numberArg(a.lr, 'lr', 0, 1);
  const evalTokens = int(a['eval-tokens'], 'eval-tokens', 100, 1e8);
  const vocab = a.init ? null : int(a.vocab, 'vocab', 512, 8192);
  const choice = await initNodeBackend(backendArg(a.backend));
  const dec = new TextDecoder();
  const texts = new Map(await Promise.all(ENGLISH_TEXTS.map(async (s) => [s.id, dec.decode(await readPublicData(s.file))] as const)));
  const trainTexts = AUSTEN_BOOKS.filter((b) => b.role === 'train').map((b) => texts.get(b.id)!);
  const t0 = performance.now();
  // --init continues training a checkpoint (its tokenizer and weights); otherwise a tokenizer is trained first.
  const init = a.init ? await dirSource(a.init) : null;
  const prior = init ? await loadGPT2(init, 'lm-init') : null;
  // Text is encoded through @huggingface/tokenizers in both cases, as every checkpoint's tokenizer.json is.
  const tok: TextTokenizer = init ? await checkpointTokenizer(init, undefined, prior!.model.config.vocabSize) : HFTokenizer.fromTokenizerJson(trainBPE(trainTexts, { vocabSize: vocab! }).toTokenizerJson(), 'the trained tokenizer');
  if (!init) console.log(`pretrain: BPE with ${tok.vocabSize} ids trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const trainIds = Int32Array.from(trainTexts.flatMap((t) => Array.from(tokenStream(tok, t))));
  const heldout = ENGLISH_TEXTS.filter((s) => s.role !== 'train').map((s) => ({ ...s, ids: Array.from(tokenStream(tok, texts.get(s.id)!)) }));
  const config: GPTConfig = prior ? prior.config : { vocabSize: tok.vocabSize, nPositions: T, nEmbd: int(a.width, 'width', 16, 4096), nLayer: int(a.layers, 'layers', 1, 48), nHead: int(a.heads, 'heads', 1, 64), layerNormEps: 1e-5, tieEmbeddings: true, initStd: 0.02 };
  if (config.nPositions < T) throw new UsageError(`--context ${T} exceeds the checkpoint's ${config.nPositions} positions`);
  const model = prior ? prior.model : new GPT(config, seed, 'lm');
  const opt = new AdamW(model.params, { ...DEFAULT_ADAMW, lr, warmupSteps: Math.min(200, Math.floor(steps / 10)), totalSteps: steps, weightDecay: 0.1, beta2: 0.99 });
  const sampler = new WindowSampler(trainIds, T, seed);
  const quickEval = async () => (await meanNll(model, heldout[0].ids.slice(0, evalTokens))).meanNll;
  console.log(`pretrain: ${(model.numParams() / 1e6).toFixed(2)}M parameters, ${trainIds.length.toLocaleString('en')} training tokens, ${steps} steps of ${B}×${T} on ${choice.backend}`);
  const tTrain = performance.now();
  for (let step = 0; step < steps; step++) {
    const batch = sampler.next(B);
    const ids = tf.tensor2d(batch, [B, T], 'int32');
    const r = trainStep(opt, () => tf.mean(model.nll(ids)) as tf.Scalar);
    ids.dispose();
    if (step % 50 === 49 || step === steps - 1) {
      const { loss, gradNorm } = await readStep(r);
      const msg = `  step ${step + 1}: loss ${loss.toFixed(3)}, grad norm ${gradNorm.toFixed(2)}, lr ${opt.currentLr().toExponential(2)}, ${(((step + 1) * B * T) / ((performance.now() - tTrain) / 1000)).toFixed(0)} tokens/s`;
      console.log(step % 200 === 199 ? `${msg}, Persuasion (first ${evalTokens}) ppl ${Math.exp(await quickEval()).toFixed(1)}` : msg);
    } else tf.dispose([r.loss, r.gradNorm]);
  }
  const trainSeconds = (performance.now() - tTrain) / 1000;
  const bigram = new BigramLM(tok.vocabSize, trainIds);
  const evals: Record<string, { tokens: number; ppl: number; bigram_ppl: number }> = {};
  for (const h of heldout) {
    const lm = await meanNll(model, h.ids);
    evals[h.id] = { tokens: h.ids.length, ppl: Math.exp(lm.meanNll), bigram_ppl: Math.exp(bigram.meanNll(h.ids)) };
    console.log(`  ${h.title} (${h.role}, ${h.ids.length.toLocaleString('en')} tokens): LM perplexity ${evals[h.id].ppl.toFixed(1)}, smoothed bigram ${evals[h.id].bigram_ppl.toFixed(1)}`);
  }
  const specialTokens = Object.fromEntries(tok.special);
  const before = (prior?.tabula?.provenance ?? null) as { tokensSeen?: number } | null;
  const provenance = {
    command: `npm run pretrain -- ${process.argv.slice(2).join(' ')}`.trim(),
    continuedFrom: before,
    totalTokensSeen: (before?.tokensSeen ?? 0) + steps * B * T,
    data: AUSTEN_BOOKS.filter((b) => b.role === 'train').map((b) => b.title),
    steps,
    batch: B,
    context: T,
    tokensSeen: steps * B * T,
    trainingTokens: trainIds.length,
    seconds: Math.round(trainSeconds),
    backend: choice.backend,
    heldout: evals,
  };
  // Each file is replaced whole (temporary file + rename); config.json last, so a reader never pairs new weights with an old config's sizes.
  const files = saveGPT2(model, { specialTokens, provenance }, tok.toTokenizerJson());
  for (const name of [...files.keys()].sort((x, y) => Number(x === 'config.json') - Number(y === 'config.json'))) writeFileAtomic(join(a.out!, name), files.get(name)!);
  console.log(`pretrain: wrote ${a.out} (${(trainSeconds / 60).toFixed(1)} min of training)`);
  opt.dispose();
  model.dispose();
}

runCli('pretrain', main);
