/**
 * `npx tsx scripts/lm-baselines.ts --lm public/models/lm-english [--json] [--lm-nll compute|recorded] [--backend wasm|cpu]`
 * A pre-trained LM's held-out figures against two interpolated Kneser-Ney bigrams: (a) the one pretrain has always
 * recorded, fitted on the five Austen training novels, and (b) one fitted on the LM's own whole training corpus, so
 * that a margin measures the model rather than the data it saw. For a GPT-2-layout folder with tabula.json
 * provenance (`corpus`, or `data` naming the texts), it rebuilds the training corpus and the held-out texts as
 * src/cli/pretrain.ts does (src/cli/pretrain-data.ts), encodes them with the checkpoint's tokenizer, and prints per
 * held-out text the tokens, the LM's mean NLL (computed by sliding windows with stride half the context, as
 * scale/pretrain.py; or with --lm-nll recorded read from tabula.json), both bigrams' NLL and perplexity and both
 * margins. It checks (a) against tabula.json's bigram_nll (or ln bigram_ppl) and the token counts against the
 * recorded ones, and exits 1 naming the text when one differs by more than 1e-6.
 *
 * `--write` (with `--lm-nll recorded`) adds the same-data bigram to a checkpoint pretrained before pretrain recorded
 * it: tabula.json's provenance gains `bigramSameData` and, per held-out text, `bigram_same_data_nll`,
 * `bigram_same_data_ppl` and `margin_same_data` (against the recorded LM NLL), as pretrain writes them, and
 * `bigramSameDataAddedBy` naming this command. Nothing else in the file changes; the LM's parameters and tokenizer
 * (what the setup fingerprint hashes) are untouched. Refused when the check above fails.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../src/cli/durable';
import { UsageError, backendArg, dirSource, parseFlags, runCli } from '../src/cli/common';
import { initNodeBackend } from '../src/cli/backend-node';
import { TABULA_FILE, loadGPT2 } from '../src/core/checkpoint/gpt2';
import { checkpointTokenizer } from '../src/core/checkpoint/tokenizer';
import { slidingNll } from '../src/core/nn/eval';
import {
  bigramBaselines,
  concat,
  heldoutEval,
  heldoutLine,
  heldoutStreams,
  pretrainCorpus,
  readPretrainTexts,
  trainStreams,
  type HeldoutEval,
  type PretrainCorpusName,
} from '../src/cli/pretrain-data';

const USAGE =
  'usage: npx tsx scripts/lm-baselines.ts --lm DIR [--json] [--lm-nll compute|recorded] [--write] [--backend wasm|cpu]';

interface Recorded {
  corpus?: string;
  data?: string[];
  trainingTokens?: number;
  heldout?: Record<string, { tokens?: number; nll?: number; ppl?: number; bigram_nll?: number; bigram_ppl?: number }>;
}

/** The corpus the provenance names: its `corpus`, else the one whose titles its `data` lists. */
function corpusOf(p: Recorded, file: string): PretrainCorpusName {
  if (p.corpus === 'austen' || p.corpus === 'english') return p.corpus;
  if (p.corpus !== undefined)
    throw new UsageError(`${file}: provenance.corpus is ${JSON.stringify(p.corpus)}; expected austen or english`);
  const titles = JSON.stringify(p.data ?? null);
  for (const name of ['austen', 'english'] as const)
    if (JSON.stringify(pretrainCorpus(name).map((s) => s.title)) === titles) return name;
  throw new UsageError(
    `${file}: provenance has no corpus and its data ${titles} is neither pretrain corpus; give a checkpoint made by npm run pretrain`,
  );
}

async function main(): Promise<void> {
  const { values: a } = parseFlags(
    {
      lm: { type: 'string', value: 'DIR', required: true, description: 'a GPT-2-layout checkpoint made by pretrain' },
      json: { type: 'boolean', default: false, description: 'print one JSON object instead of lines' },
      'lm-nll': {
        type: 'string',
        default: 'compute',
        value: 'compute|recorded',
        description: "the LM's held-out NLL: by sliding windows here, or tabula.json's figure",
      },
      write: {
        type: 'boolean',
        default: false,
        description: "add the same-data bigram's figures to tabula.json (needs --lm-nll recorded)",
      },
      backend: { type: 'string', default: 'wasm' },
    },
    USAGE,
    false,
    "A pre-trained LM's held-out NLL against Kneser-Ney bigrams on the Austen novels and on its own training corpus.",
  );
  if (!a.lm) throw new UsageError(`--lm is required; ${USAGE}`);
  if (a['lm-nll'] !== 'compute' && a['lm-nll'] !== 'recorded')
    throw new UsageError(`--lm-nll must be compute or recorded, got ${a['lm-nll']}; ${USAGE}`);
  if (a.write && a['lm-nll'] !== 'recorded')
    throw new UsageError(
      `--write adds figures beside the recorded LM NLL, so it needs --lm-nll recorded (the LM here is computed by another engine); ${USAGE}`,
    );
  const tabulaFile = join(a.lm, TABULA_FILE);
  let file: { provenance?: Recorded } & Record<string, unknown>;
  let p: Recorded;
  try {
    file = JSON.parse(readFileSync(tabulaFile, 'utf8')) as { provenance?: Recorded };
    p = file.provenance ?? {};
  } catch (e) {
    throw new UsageError(`${tabulaFile}: cannot be read as JSON (${(e as Error).message})`);
  }
  const corpusName = corpusOf(p, tabulaFile);
  await initNodeBackend(backendArg(a.backend));
  const src = await dirSource(a.lm);
  const { model, tokenizerJson } = await loadGPT2(src, 'lm-baselines');
  const tok = await checkpointTokenizer(src, tokenizerJson, model.config.vocabSize);
  const corpus = pretrainCorpus(corpusName);
  const texts = await readPretrainTexts(corpus);
  const streams = trainStreams(tok, corpus, texts);
  const trainingTokens = concat(streams.map((s) => s.ids)).length;
  const bigrams = bigramBaselines(tok.vocabSize, streams);
  const problems: string[] = [];
  if (p.trainingTokens !== undefined && p.trainingTokens !== trainingTokens)
    problems.push(`training tokens ${trainingTokens}, recorded ${p.trainingTokens}`);
  const rows: (HeldoutEval & { id: string; title: string; role: string; lmNll: string })[] = [];
  for (const h of heldoutStreams(tok, texts)) {
    const rec = p.heldout?.[h.id];
    const recNll = rec?.nll ?? (rec?.ppl !== undefined ? Math.log(rec.ppl) : undefined);
    let lmNll: number;
    if (a['lm-nll'] === 'recorded') {
      if (recNll === undefined) throw new UsageError(`${tabulaFile}: no LM figure for ${h.id}; use --lm-nll compute`);
      lmNll = recNll;
    } else lmNll = (await slidingNll(model, h.ids)).meanNll;
    const e = heldoutEval(h.ids, lmNll, bigrams);
    const recBigram = rec?.bigram_nll ?? (rec?.bigram_ppl !== undefined ? Math.log(rec.bigram_ppl) : undefined);
    if (rec?.tokens !== undefined && rec.tokens !== e.tokens)
      problems.push(`${h.id}: ${e.tokens} tokens, recorded ${rec.tokens}`);
    if (recBigram !== undefined && !(Math.abs(recBigram - e.bigram_nll) <= 1e-6))
      problems.push(`${h.id}: Austen bigram ${e.bigram_nll}, recorded ${recBigram}`);
    rows.push({
      id: h.id,
      title: h.title,
      role: h.role,
      lmNll: a['lm-nll'] === 'compute' ? 'sliding windows, stride half the context (computed here)' : 'tabula.json',
      ...e,
      ...(recNll !== undefined ? { recorded_nll: recNll } : {}),
      ...(recBigram !== undefined ? { recorded_bigram_nll: recBigram } : {}),
    });
  }
  model.dispose();
  const out = {
    lm: a.lm,
    corpus: corpusName,
    trainingTokens,
    austenTokens: concat(streams.filter((s) => s.austen).map((s) => s.ids)).length,
    discount: { austen: bigrams.austen.discount, sameData: bigrams.sameData.discount },
    heldout: rows,
    check: problems.length ? problems : 'the Austen bigram and token counts match tabula.json to 1e-6',
  };
  if (a.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  else {
    console.log(
      `${a.lm}: corpus ${corpusName}, ${trainingTokens.toLocaleString('en')} training tokens (Austen bigram on ${out.austenTokens.toLocaleString('en')}); LM NLL from ${rows[0]?.lmNll}`,
    );
    for (const r of rows) console.log(heldoutLine(r.title, r.role, r));
    console.log(`check: ${Array.isArray(out.check) ? out.check.join('; ') : out.check}`);
  }
  // Thrown, not process.exitCode: runCli exits 0 once main resolves.
  if (problems.length)
    throw new Error(
      `${tabulaFile} disagrees with the figures refitted here (${problems.join('; ')})${a.write ? '; not written' : ''}`,
    );
  if (a.write) {
    const prov = file.provenance as Recorded & Record<string, unknown>;
    prov.bigramSameData = {
      kind: 'interpolated Kneser-Ney',
      discount: bigrams.sameData.discount,
      data: corpus.map((b) => b.title),
      tokens: trainingTokens,
    };
    for (const r of rows)
      Object.assign(prov.heldout![r.id], {
        bigram_same_data_nll: r.bigram_same_data_nll,
        bigram_same_data_ppl: r.bigram_same_data_ppl,
        margin_same_data: r.margin_same_data,
      });
    prov.bigramSameDataAddedBy = `npx tsx scripts/lm-baselines.ts --lm ${a.lm} --lm-nll recorded --write`;
    writeFileAtomic(tabulaFile, JSON.stringify(file, null, 2) + '\n');
    console.log(`lm-baselines: added the same-data bigram's figures to ${tabulaFile}`);
  }
}

runCli('lm-baselines', main);
