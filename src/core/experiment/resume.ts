/**
 * Resumable run state: the run's model as a GPT-2-layout checkpoint, its AdamW moments as `optimizer.safetensors`
 * (tensors `m.<param>` and `v.<param>`), and `run.json` (arm, seed, step, tokens). Restoring replays the seeded batch
 * order up to the saved step, so a resumed run continues exactly as an uninterrupted one.
 */
import { loadGPT2, saveGPT2 } from '../checkpoint/gpt2';
import { parseSafetensors, writeSafetensors } from '../checkpoint/safetensors';
import { memorySource } from '../checkpoint/source';
import type { ExperimentRunner, Run } from './runner';

/** The run's weights alone, as a GPT-2-layout checkpoint whose provenance names arm, seed, step and vocabulary. */
export function saveRunWeights(run: Run, plan: unknown): Map<string, Uint8Array> {
  return saveGPT2(run.model, { provenance: { arm: run.arm.name, seed: run.seed, step: run.step, vocab: plan } });
}

export function saveRun(run: Run, plan: unknown): Map<string, Uint8Array> {
  const files = saveRunWeights(run, plan);
  const state = run.opt.getState();
  const tensors = [...state.m].flatMap(([name, m]) => {
    const shape = run.model.params.get(name)!.shape;
    return [
      { name: `m.${name}`, shape, data: m },
      { name: `v.${name}`, shape, data: state.v.get(name)! },
    ];
  });
  files.set('optimizer.safetensors', writeSafetensors(tensors, { t: String(state.t) }));
  files.set('run.json', new TextEncoder().encode(JSON.stringify({ arm: run.arm.name, seed: run.seed, step: run.step, tokens: run.tokens, stopped: run.stopped }) + '\n'));
  return files;
}

/** Put saved state back into the runner's matching run (same arm and seed), replaying its batch order. */
export async function restoreRun(runner: ExperimentRunner, files: Map<string, Uint8Array>, label = 'checkpoint'): Promise<Run> {
  const info = JSON.parse(new TextDecoder().decode(files.get('run.json') ?? new Uint8Array())) as { arm: string; seed: number; step: number; tokens: number; stopped: string | null };
  const run = runner.runs.find((r) => r.arm.name === info.arm && r.seed === info.seed);
  if (!run) throw new Error(`${label}: run ${info.arm} seed ${info.seed} is not part of this experiment`);
  if (run.step !== 0) throw new Error(`${label}: restore into a fresh runner only`);
  const { model } = await loadGPT2(memorySource(label, files));
  for (const [name, v] of model.params) run.model.assign(name, v.dataSync() as Float32Array);
  model.dispose();
  const opt = parseSafetensors(files.get('optimizer.safetensors')!, `${label}/optimizer.safetensors`);
  const m = new Map<string, Float32Array>();
  const v = new Map<string, Float32Array>();
  for (const name of run.model.params.keys()) {
    if (opt.tensors.has(`m.${name}`)) {
      m.set(name, opt.getFloat32(`m.${name}`));
      v.set(name, opt.getFloat32(`v.${name}`));
    }
  }
  run.opt.setState({ t: Number(opt.metadata.t), m, v });
  for (let s = 0; s < info.step; s++) runner.nextBatch(run); // replay the seeded batch order
  run.step = info.step;
  run.tokens = info.tokens;
  run.stopped = info.stopped;
  return run;
}
