/**
 * `npm run pretrain -- [--corpus austen|english] [--engine tfjs|torch] [--out DIR] [--steps N] [--layers L] [--width D] …`
 * Pre-trains the "pre-trained LM" arm: a byte-level BPE (src/core/tokenize/train-bpe.ts) and a GPT on the corpus —
 * `austen`, the five pre-training Austen novels (public/models/lm-austen), or `english`, those five and the broader
 * English of corpus.ts BROAD_ENGLISH (public/models/lm-english) — then measures the held-out mean NLL on Persuasion
 * (in-domain) and Moby-Dick (out-of-domain) against two interpolated Kneser-Ney bigrams with the same tokenizer —
 * one on the five Austen training novels, one on the LM's own whole training corpus (src/cli/pretrain-data.ts) — and
 * writes a GPT-2-layout checkpoint (config.json, model.safetensors, tokenizer.json, tabula.json with the command,
 * corpus, steps, tokens seen and the LM's and both bigrams' figures for both texts).
 * `--engine tfjs` trains here (--backend); `--engine torch` hands the encoded corpora to scale/pretrain.py
 * (transformers' GPT2LMHeadModel, one thread; --python) and checks that this side reads its checkpoint with the
 * same NLL. The held-out LM figure is by sliding windows (stride half the context) with torch, by windows that
 * overlap by one id with tfjs.
 */
import { join } from 'node:path';
import * as tf from '../core/tf';
import { initNodeBackend } from './backend-node';
import { WindowSampler } from '../core/data/corpus';
import { trainBPE } from '../core/tokenize/train-bpe';
import { GPT, type GPTConfig } from '../core/nn/gpt';
import { AdamW, DEFAULT_ADAMW } from '../core/nn/optim';
import { readStep, trainStep } from '../core/nn/train';
import { meanNll } from '../core/nn/eval';
import { saveGPT2 } from '../core/checkpoint/gpt2';
import { HFTokenizer, type TextTokenizer } from '../core/tokenize/hf';
import {
  AUSTEN_TRAIN,
  bigramBaselines,
  concat,
  heldoutEval,
  heldoutLine,
  heldoutStreams,
  pretrainCorpus,
  readPretrainTexts,
  trainStreams,
  type HeldoutEval,
} from './pretrain-data';
import {
  UsageError,
  backendArg,
  dirSource,
  intArg as int,
  numberArg,
  parseFlags,
  runCli,
  seedArg,
  writeFileAtomic,
} from './common';
import { runTorchPretrain, type TorchResult } from './pretrain-torch';
import { TABULA_FILE, loadGPT2 } from '../core/checkpoint/gpt2';
import { checkpointTokenizer } from '../core/checkpoint/tokenizer';

async function main(): Promise<void> {
  const usage =
    'usage: npm run pretrain -- [--corpus austen|english] [--engine tfjs|torch] [--out DIR] [--steps N] [--layers L] [--width D] [--heads H] [--context T] [--batch B] [--vocab V] [--lr LR] [--seed S] [--eval-tokens N] [--backend wasm|cpu|webgpu] [--init DIR] [--austen-share S] [--python PY]';
  const { values: a } = parseFlags(
    {
      out: {
        type: 'string',
        default: 'public/models/lm-austen',
        value: 'DIR',
        description: 'where the GPT-2-layout checkpoint goes',
      },
      steps: { type: 'string', default: '1200', value: 'N', description: 'training steps' },
      layers: { type: 'string', default: '4', value: 'L', description: 'transformer blocks' },
      width: { type: 'string', default: '128', value: 'D', description: 'embedding width' },
      heads: { type: 'string', default: '4', value: 'H', description: 'attention heads' },
      context: { type: 'string', default: '96', value: 'T', description: 'context length in tokens, 8 to 2048' },
      batch: { type: 'string', default: '16', value: 'B', description: 'sequences per step' },
      vocab: {
        type: 'string',
        default: '2048',
        value: 'V',
        description: 'BPE vocabulary size, 512 to 8192 (ignored with --init)',
      },
      lr: { type: 'string', default: '3e-3', value: 'LR', description: 'peak learning rate, in (0, 1]' },
      seed: { type: 'string', default: '0' },
      'eval-tokens': {
        type: 'string',
        default: '20000',
        value: 'N',
        description: 'held-out tokens of each text for the perplexities',
      },
      backend: { type: 'string', default: 'wasm' },
      init: {
        type: 'string',
        value: 'DIR',
        description: 'continue training this GPT-2-layout checkpoint (its tokenizer and weights)',
        defaultText: 'a new BPE and random weights',
      },
      corpus: {
        type: 'string',
        default: 'austen',
        value: 'austen|english',
        description:
          'pre-training text: the five Austen novels, or broader English (Austen + KJV + SOTU 1790–1889 + WordNet glosses)',
      },
      engine: {
        type: 'string',
        default: 'tfjs',
        value: 'tfjs|torch',
        description: 'train with tfjs here, or with PyTorch through scale/pretrain.py',
      },
      'austen-share': {
        type: 'string',
        default: '0.4',
        value: 'X',
        description: 'with --corpus english: share of each batch drawn from the Austen novels',
      },
      python: {
        type: 'string',
        default: process.env.TABULA_PYTHON ?? 'python3',
        value: 'PATH',
        description: 'with --engine torch: a Python with scale/requirements.txt',
      },
    },
    usage,
    false,
    'Pre-trains the BPE and the GPT on the five Austen novels; held-out perplexity on Persuasion and Moby-Dick beside a smoothed bigram.',
  );
  const steps = int(a.steps, 'steps', 1, 1e7);
  const T = int(a.context, 'context', 8, 2048);
  const B = int(a.batch, 'batch', 1, 1024);
  const seed = seedArg(a.seed);
  const lr = numberArg(a.lr, 'lr', 0, 1);
  const evalTokens = int(a['eval-tokens'], 'eval-tokens', 100, 1e8);
  const vocab = a.init ? null : int(a.vocab, 'vocab', 512, 8192);
  if (a.corpus !== 'austen' && a.corpus !== 'english')
    throw new UsageError(`--corpus must be austen or english, got ${a.corpus}; ${usage}`);
  if (a.engine !== 'tfjs' && a.engine !== 'torch')
    throw new UsageError(`--engine must be tfjs or torch, got ${a.engine}; ${usage}`);
  if (a.engine === 'torch' && a.init) throw new UsageError('--init continues a checkpoint with --engine tfjs only');
  const austenShare = numberArg(a['austen-share'], 'austen-share', 0, 1);
  const choice = await initNodeBackend(backendArg(a.backend));
  const corpus = pretrainCorpus(a.corpus);
  const texts = await readPretrainTexts(corpus);
  const trainTexts = corpus.map((b) => texts.get(b.id)!);
  const t0 = performance.now();
  // --init continues training a checkpoint (its tokenizer and weights); otherwise a tokenizer is trained first.
  const init = a.init ? await dirSource(a.init) : null;
  const prior = init ? await loadGPT2(init, 'lm-init') : null;
  // Text is encoded through @huggingface/tokenizers in both cases, as every checkpoint's tokenizer.json is.
  const tok: TextTokenizer = init
    ? await checkpointTokenizer(init, undefined, prior!.model.config.vocabSize)
    : HFTokenizer.fromTokenizerJson(
        trainBPE(trainTexts, { vocabSize: vocab! }).toTokenizerJson(),
        'the trained tokenizer',
      );
  if (!init)
    console.log(`pretrain: BPE with ${tok.vocabSize} ids trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const streams = trainStreams(tok, corpus, texts);
  const trainIds = concat(streams.map((s) => s.ids));
  const heldout = heldoutStreams(tok, texts);
  // The baselines: a Kneser-Ney bigram on the five Austen training novels, whatever the LM's corpus (the one recorded
  // since the first checkpoint), and one on the LM's whole training corpus, so a margin measures the model, not its data.
  const bigrams = bigramBaselines(tok.vocabSize, streams);
  const config: GPTConfig = prior
    ? prior.config
    : {
        vocabSize: tok.vocabSize,
        nPositions: T,
        nEmbd: int(a.width, 'width', 16, 4096),
        nLayer: int(a.layers, 'layers', 1, 48),
        nHead: int(a.heads, 'heads', 1, 64),
        layerNormEps: 1e-5,
        tieEmbeddings: true,
        initStd: 0.02,
      };
  if (config.nPositions < T)
    throw new UsageError(`--context ${T} exceeds the checkpoint's ${config.nPositions} positions`);
  const specialTokens = Object.fromEntries(tok.special);
  const warmup = Math.min(200, Math.floor(steps / 10));
  console.log(
    `pretrain: ${streams.map((s) => `${s.title} ${s.ids.length.toLocaleString('en')}`).join(', ')} tokens; ${steps} steps of ${B}×${T} with ${a.engine}`,
  );

  let lmNll: Record<string, number>;
  let trainSeconds: number;
  let engine: Record<string, unknown>;
  if (a.engine === 'torch') {
    // Each stream's last 1% is kept out of training for the convergence curve; Austen's streams share `austenShare`.
    const share = (s: (typeof streams)[number]) => {
      const group = streams.filter((x) => x.austen === s.austen);
      const otherShare = streams.some((x) => !x.austen) ? 1 - austenShare : 0;
      return (
        ((s.austen ? (otherShare === 0 ? 1 : austenShare) : otherShare) * s.ids.length) /
        group.reduce((n, x) => n + x.ids.length, 0)
      );
    };
    const cut = (s: (typeof streams)[number]) => Math.floor(s.ids.length * 0.99);
    const r: TorchResult = runTorchPretrain(
      {
        config,
        special: specialTokens,
        seed,
        steps,
        batch: B,
        lr,
        warmup,
        evalEvery: Math.max(1, Math.round(steps / 12)),
        train: streams.map((s) => ({ id: s.id, ids: s.ids.subarray(0, cut(s)), weight: share(s) })),
        val: streams.map((s) => ({ id: s.id, ids: s.ids.subarray(cut(s)) })),
        heldout: heldout.map((h) => ({ id: h.id, ids: Int32Array.from(h.ids) })),
      },
      a.out!,
      a.python!,
    );
    writeFileAtomic(join(a.out!, 'tokenizer.json'), tok.toTokenizerJson());
    // Parity: this side reads the checkpoint and scores each text's first window as transformers did.
    const { model } = await loadGPT2(await dirSource(a.out!), 'lm-check');
    const parity: Record<string, { transformers: number; tabula: number }> = {};
    for (const h of heldout)
      parity[h.id] = {
        transformers: r.heldout[h.id].first_window_nll,
        tabula: (await meanNll(model, h.ids.slice(0, T))).meanNll,
      };
    model.dispose();
    const worst = Math.max(...Object.values(parity).map((p) => Math.abs(p.transformers - p.tabula)));
    console.log(
      `pretrain: this side reads the checkpoint: first-window NLL ${Object.entries(parity)
        .map(([k, p]) => `${k} ${p.tabula.toFixed(5)} vs transformers ${p.transformers.toFixed(5)}`)
        .join(', ')} (largest difference ${worst.toExponential(1)})`,
    );
    if (!(worst < 1e-3))
      throw new Error(
        `the checkpoint in ${a.out} scores differently here than in transformers (difference ${worst}); not recording it`,
      );
    lmNll = Object.fromEntries(heldout.map((h) => [h.id, r.heldout[h.id].lm_nll]));
    trainSeconds = r.seconds;
    engine = {
      engine: 'torch',
      script: 'scale/pretrain.py',
      torch: r.torch,
      threads: r.threads,
      lmEval: 'sliding windows, stride half the context',
      shares: Object.fromEntries(streams.map((s) => [s.id, Number(share(s).toFixed(4))])),
      curve: r.curve,
      weightScale: r.weight_scale,
      parity,
    };
  } else {
    const model = prior ? prior.model : new GPT(config, seed, 'lm');
    const opt = new AdamW(model.params, {
      ...DEFAULT_ADAMW,
      lr,
      warmupSteps: warmup,
      totalSteps: steps,
      weightDecay: 0.1,
      beta2: 0.99,
    });
    const sampler = new WindowSampler(trainIds, T, seed);
    const quickEval = async () => (await meanNll(model, heldout[0].ids.slice(0, evalTokens))).meanNll;
    console.log(`pretrain: ${(model.numParams() / 1e6).toFixed(2)}M parameters on ${choice.backend}`);
    const tTrain = performance.now();
    for (let step = 0; step < steps; step++) {
      const batch = sampler.next(B);
      const ids = tf.tensor2d(batch, [B, T], 'int32');
      const r = trainStep(opt, () => tf.mean(model.nll(ids)) as tf.Scalar);
      ids.dispose();
      if (step % 50 === 49 || step === steps - 1) {
        const { loss, gradNorm } = await readStep(r);
        const msg = `  step ${step + 1}: loss ${loss.toFixed(3)}, grad norm ${gradNorm.toFixed(2)}, lr ${opt.currentLr().toExponential(2)}, ${(((step + 1) * B * T) / ((performance.now() - tTrain) / 1000)).toFixed(0)} tokens/s`;
        console.log(
          step % 200 === 199
            ? `${msg}, Persuasion (first ${evalTokens}) ppl ${Math.exp(await quickEval()).toFixed(1)}`
            : msg,
        );
      } else tf.dispose([r.loss, r.gradNorm]);
    }
    trainSeconds = (performance.now() - tTrain) / 1000;
    lmNll = {};
    for (const h of heldout) lmNll[h.id] = (await meanNll(model, h.ids)).meanNll;
    engine = { engine: 'tfjs', backend: choice.backend, lmEval: 'windows of the context overlapping by one id' };
    // Each file is replaced whole (temporary file + rename); config.json last, so a reader never pairs new weights with an old config's sizes.
    const files = saveGPT2(model, { specialTokens }, tok.toTokenizerJson());
    for (const name of [...files.keys()].sort((x, y) => Number(x === 'config.json') - Number(y === 'config.json')))
      writeFileAtomic(join(a.out!, name), files.get(name)!);
    opt.dispose();
    model.dispose();
  }

  const evals: Record<string, HeldoutEval> = {};
  for (const h of heldout) {
    evals[h.id] = heldoutEval(h.ids, lmNll[h.id], bigrams);
    console.log(heldoutLine(h.title, h.role, evals[h.id]));
  }
  const before = (prior?.tabula?.provenance ?? null) as { tokensSeen?: number } | null;
  const provenance = {
    command: `npm run pretrain -- ${process.argv.slice(2).join(' ')}`.trim(),
    continuedFrom: before,
    totalTokensSeen: (before?.tokensSeen ?? 0) + steps * B * T,
    corpus: a.corpus,
    data: corpus.map((b) => b.title),
    steps,
    batch: B,
    context: T,
    lr,
    tokensSeen: steps * B * T,
    trainingTokens: trainIds.length,
    seconds: Math.round(trainSeconds),
    ...engine,
    bigram: {
      kind: 'interpolated Kneser-Ney',
      discount: bigrams.austen.discount,
      data: AUSTEN_TRAIN.map((b) => b.title),
    },
    bigramSameData: {
      kind: 'interpolated Kneser-Ney',
      discount: bigrams.sameData.discount,
      data: corpus.map((b) => b.title),
      tokens: trainIds.length,
    },
    heldout: evals,
  };
  writeFileAtomic(
    join(a.out!, TABULA_FILE),
    JSON.stringify({ format: 'tabula-gpt2', version: 1, specialTokens, provenance }, null, 2) + '\n',
  );
  console.log(`pretrain: wrote ${a.out} (${(trainSeconds / 60).toFixed(1)} min of training)`);
}

runCli('pretrain', main);
