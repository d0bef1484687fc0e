/**
 * The VQ tokenizer's directory layout: `model.safetensors` (parameter names of vqParamSpecs, F32) and `config.json`
 * `{format: "tabula-vq", version: 1, model: VQVAEConfig, provenance, metrics}`. Loading checks every tensor's name,
 * dtype and shape against config.json and refuses mismatches, and NaN or infinite weights, naming the tensor and file.
 */
import { VQVAE, validateVQConfig, vqParamSpecs, type VQVAEConfig } from '../nn/vqvae';
import { CheckpointError } from './errors';
import { FLOAT_DTYPES, parseSafetensors, writeSafetensors } from './safetensors';
import { readText, type FileSource } from './source';
import { assertFinite } from './weights';

export interface VQCheckpointMeta {
  format: 'tabula-vq';
  version: 1;
  model: VQVAEConfig;
  /** How it was made: command, data, steps, seconds. */
  provenance?: Record<string, unknown>;
  /** Final metrics on the validation split. */
  metrics?: Record<string, number>;
}

export function saveVQ(
  model: VQVAE,
  extra: Pick<VQCheckpointMeta, 'provenance' | 'metrics'> = {},
): Map<string, Uint8Array> {
  const tensors = vqParamSpecs(model.config).map((s) => ({
    name: s.name,
    shape: s.shape,
    data: model.params.get(s.name)!.dataSync() as Float32Array,
  }));
  const meta: VQCheckpointMeta = { format: 'tabula-vq', version: 1, model: model.config, ...extra };
  return new Map([
    ['model.safetensors', writeSafetensors(tensors, { format: 'tabula-vq' })],
    ['config.json', new TextEncoder().encode(JSON.stringify(meta, null, 2) + '\n')],
  ]);
}

export async function loadVQ(src: FileSource, scope?: string): Promise<{ model: VQVAE; meta: VQCheckpointMeta }> {
  const at = (f: string) => `${src.label}/${f}`;
  const text = await readText(src, 'config.json');
  if (text === null)
    throw new CheckpointError(
      at('config.json'),
      'not found; a VQ tokenizer directory needs config.json and model.safetensors',
    );
  let meta: VQCheckpointMeta;
  try {
    meta = JSON.parse(text) as VQCheckpointMeta;
  } catch (e) {
    throw new CheckpointError(at('config.json'), `is not valid JSON (${(e as Error).message})`);
  }
  if (meta.format !== 'tabula-vq' || meta.version !== 1 || !meta.model)
    throw new CheckpointError(
      at('config.json'),
      'is not a tabula-vq version 1 config (expected {"format": "tabula-vq", "version": 1, "model": {...}})',
    );
  try {
    validateVQConfig(meta.model);
  } catch (e) {
    throw new CheckpointError(at('config.json'), (e as Error).message);
  }
  const bytes = await src.read('model.safetensors');
  if (bytes === null) throw new CheckpointError(at('model.safetensors'), 'not found');
  const file = parseSafetensors(bytes, at('model.safetensors'));
  const specs = vqParamSpecs(meta.model);
  const names = new Set(specs.map((s) => s.name));
  for (const name of file.tensors.keys())
    if (!names.has(name))
      throw new CheckpointError(at('model.safetensors'), 'is not a parameter of this VQ-VAE config', name);
  for (const s of specs) {
    const t = file.tensors.get(s.name);
    if (!t) throw new CheckpointError(at('model.safetensors'), 'missing', s.name);
    if (!(FLOAT_DTYPES as readonly string[]).includes(t.dtype))
      throw new CheckpointError(at('model.safetensors'), `dtype ${t.dtype} is not a weight dtype`, s.name);
    if (t.shape.join(',') !== s.shape.join(','))
      throw new CheckpointError(
        at('model.safetensors'),
        `has shape [${t.shape}] but config.json needs [${s.shape}]`,
        s.name,
      );
  }
  const values = specs.map((s) => {
    const data = file.getFloat32(s.name);
    assertFinite(data, s.shape, at('model.safetensors'), s.name);
    return data;
  });
  const model = new VQVAE(meta.model, 0, scope);
  specs.forEach((s, i) => model.assign(s.name, values[i]));
  return { model, meta };
}
