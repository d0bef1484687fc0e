// Caption → image samples: each arm continues `<|bos|> caption <|pad|>… <|boi|>` with image ids only (the
// per-position allowed-id mask), and the VQ decoder turns the sampled codes into pixels.
import * as tf from '../tf';
import type { GPT } from '../nn/gpt';
import type { VQVAE } from '../nn/vqvae';
import { allowedIds, buildSequence, firstImagePosition, type SequenceSpec } from '../data/sequences';

export interface SampleOptions {
  temperature: number;
  topK: number;
  seed: number;
}

/** Images [n, S, S, 3] in [0, 1] sampled for the given caption ids. */
export async function sampleImages(
  model: GPT,
  vq: VQVAE,
  spec: SequenceSpec,
  captions: number[][],
  opts: SampleOptions,
): Promise<{ pixels: Float32Array; codes: number[][] }> {
  const first = firstImagePosition(spec);
  const prompts = captions.map((c) =>
    buildSequence(spec, c, new Array<number>(spec.imageTokens).fill(0)).ids.slice(0, first),
  );
  const out = await model.generate(prompts, spec.imageTokens, {
    temperature: opts.temperature,
    topK: opts.topK,
    seed: opts.seed,
    allowed: allowedIds(spec, model.config.vocabSize),
  });
  const codes = out.map((s) => s.slice(first, first + spec.imageTokens).map((id) => id - spec.imageOffset));
  const g = Math.round(Math.sqrt(spec.imageTokens));
  const img = tf.tidy(() => vq.decode(tf.tensor3d(codes.flat(), [codes.length, g, g], 'int32')));
  const pixels = (await img.data()) as Float32Array;
  img.dispose();
  return { pixels, codes };
}
