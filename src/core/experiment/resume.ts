/**
 * Resumable run state: the run's model as a GPT-2-layout checkpoint, its AdamW moments as `optimizer.safetensors`
 * (tensors `m.<param>` and `v.<param>`, metadata `t` and `step`), and `run.json` (arm, seed, step, tokens, stopped).
 * Restoring checks the files before touching the run — each present and well-formed, every field there, moments for
 * every parameter, and the three files from the same save (the step each records agrees) — then replays the seeded
 * batch order up to the saved step, so a resumed run continues exactly as an uninterrupted one.
 */
import { loadGPT2, saveGPT2 } from '../checkpoint/gpt2';
import { CheckpointError } from '../checkpoint/errors';
import { parseSafetensors, writeSafetensors } from '../checkpoint/safetensors';
import { memorySource } from '../checkpoint/source';
import { assertFinite } from '../checkpoint/weights';
import type { VocabPlan } from './extend';
import type { ExperimentRunner, Run } from './runner';

/** What run.json holds. */
export interface RunInfo {
  arm: string;
  seed: number;
  step: number;
  tokens: number;
  stopped: string | null;
}

/**
 * The run's weights alone, as a GPT-2-layout checkpoint whose provenance names arm, seed, step and vocabulary; with
 * the LM's `tokenizerJson`, the hub files too (hub-files.ts: the tokenizer extended by the image codes and its configs).
 */
export function saveRunWeights(run: Run, plan: VocabPlan, tokenizerJson?: string): Map<string, Uint8Array> {
  const s = plan.special;
  return saveGPT2(
    run.model,
    {
      specialTokens: { '<|bos|>': s.bos, '<|boi|>': s.boi, '<|eoi|>': s.eoi, '<|pad|>': s.pad },
      imageTokens: { offset: plan.imageOffset, count: plan.imageCodes },
      provenance: { arm: run.arm.name, seed: run.seed, step: run.step, vocab: plan },
    },
    tokenizerJson,
  );
}

export function saveRun(run: Run, plan: VocabPlan, tokenizerJson?: string): Map<string, Uint8Array> {
  const files = saveRunWeights(run, plan, tokenizerJson);
  const state = run.opt.getState();
  const tensors = [...state.m].flatMap(([name, m]) => {
    const shape = run.model.params.get(name)!.shape;
    return [
      { name: `m.${name}`, shape, data: m },
      { name: `v.${name}`, shape, data: state.v.get(name)! },
    ];
  });
  files.set('optimizer.safetensors', writeSafetensors(tensors, { t: String(state.t), step: String(run.step) }));
  const info: RunInfo = { arm: run.arm.name, seed: run.seed, step: run.step, tokens: run.tokens, stopped: run.stopped };
  files.set('run.json', new TextEncoder().encode(JSON.stringify(info) + '\n'));
  return files;
}

const FIX =
  "the checkpoint is damaged or from an interrupted save; delete this run's checkpoint folder to redo the run from step 0";

/** run.json's fields, checked one by one. Throws CheckpointError naming the file and field. */
export function parseRunInfo(bytes: Uint8Array | undefined, file: string): RunInfo {
  if (!bytes) throw new CheckpointError(file, `not found; ${FIX}`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new CheckpointError(file, `is not valid JSON (${(e as Error).message}); ${FIX}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new CheckpointError(file, `is not a JSON object; ${FIX}`);
  const r = raw as Record<string, unknown>;
  const need = (key: string, ok: (v: unknown) => boolean, what: string) => {
    if (!ok(r[key]))
      throw new CheckpointError(
        file,
        `field "${key}" ${r[key] === undefined ? 'is missing' : `is ${JSON.stringify(r[key])}`}; it must be ${what}; ${FIX}`,
      );
  };
  const count = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  need('arm', (v) => typeof v === 'string' && v !== '', 'the arm name');
  need('seed', count, 'a non-negative integer');
  need('step', count, 'a non-negative integer');
  need('tokens', count, 'a non-negative integer');
  need('stopped', (v) => v === null || v === undefined || typeof v === 'string', 'null or the reason the run stopped');
  return {
    arm: r.arm as string,
    seed: r.seed as number,
    step: r.step as number,
    tokens: r.tokens as number,
    stopped: (r.stopped as string | null | undefined) ?? null,
  };
}

/**
 * Put saved state back into the runner's matching run (same arm and seed), replaying its batch order. `label` names
 * the checkpoint (its folder) in messages. Throws CheckpointError, before changing the run, for a missing or
 * malformed file, missing moments, non-finite values, or files whose steps disagree.
 */
export async function restoreRun(
  runner: ExperimentRunner,
  files: Map<string, Uint8Array>,
  label = 'checkpoint',
): Promise<Run> {
  const info = parseRunInfo(files.get('run.json'), `${label}/run.json`);
  const run = runner.runs.find((r) => r.arm.name === info.arm && r.seed === info.seed);
  if (!run)
    throw new CheckpointError(
      `${label}/run.json`,
      `run ${info.arm} seed ${info.seed} is not part of this experiment (arms ${[...new Set(runner.runs.map((r) => r.arm.name))].join(', ')}, seeds ${[...new Set(runner.runs.map((r) => r.seed))].join(', ')})`,
    );
  if (run.step !== 0) throw new Error(`${label}: restore into a fresh runner only`);
  const optBytes = files.get('optimizer.safetensors');
  if (!optBytes)
    throw new CheckpointError(
      `${label}/optimizer.safetensors`,
      `not found: the weights alone cannot continue a run (AdamW's moments are needed); ${FIX}`,
    );
  const opt = parseSafetensors(optBytes, `${label}/optimizer.safetensors`);
  const { model, tabula } = await loadGPT2(memorySource(label, files));
  try {
    // The three files must come from one save.
    const steps: [string, unknown][] = [
      ['run.json', info.step],
      ['tabula.json (provenance.step)', (tabula?.provenance as { step?: unknown } | undefined)?.step],
      [
        'optimizer.safetensors (metadata step)',
        opt.metadata.step === undefined ? undefined : Number(opt.metadata.step),
      ],
    ];
    const known = steps.filter(([, s]) => s !== undefined);
    if (known.some(([, s]) => s !== info.step))
      throw new CheckpointError(
        label,
        `files from different saves: ${known.map(([f, s]) => `${f} says step ${JSON.stringify(s)}`).join(', ')}; ${FIX}`,
      );
    const t = Number(opt.metadata.t);
    if (!Number.isInteger(t) || t < 0)
      throw new CheckpointError(
        `${label}/optimizer.safetensors`,
        `metadata "t" is ${JSON.stringify(opt.metadata.t)}; it must be the optimizer's step count; ${FIX}`,
      );
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const [name, p] of run.model.params) {
      for (const [kind, into] of [
        ['m', m],
        ['v', v],
      ] as const) {
        const key = `${kind}.${name}`;
        const entry = opt.tensors.get(key);
        if (!entry)
          throw new CheckpointError(
            `${label}/optimizer.safetensors`,
            `missing (every parameter needs its AdamW moments m and v); ${FIX}`,
            key,
          );
        if (entry.shape.join(',') !== p.shape.join(','))
          throw new CheckpointError(
            `${label}/optimizer.safetensors`,
            `has shape [${entry.shape}] but the parameter is [${p.shape}]; ${FIX}`,
            key,
          );
        const data = opt.getFloat32(key);
        assertFinite(data, entry.shape, `${label}/optimizer.safetensors`, key, FIX);
        into.set(name, data);
      }
    }
    if (model.config.vocabSize !== run.model.config.vocabSize || model.numParams() !== run.model.numParams())
      throw new CheckpointError(
        `${label}/config.json`,
        `describes a model of ${model.numParams()} parameters (vocab ${model.config.vocabSize}); this experiment's ${info.arm} arm has ${run.model.numParams()} (vocab ${run.model.config.vocabSize}); ${FIX}`,
      );
    for (const [name, p] of model.params) run.model.assign(name, p.dataSync() as Float32Array);
    run.opt.setState({ t, m, v });
  } finally {
    model.dispose();
  }
  for (let s = 0; s < info.step; s++) runner.nextBatch(run); // replay the seeded batch order
  run.step = info.step;
  run.tokens = info.tokens;
  run.stopped = info.stopped;
  return run;
}
