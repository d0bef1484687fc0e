// The caption-only scratch LM: it learns a tiny caption language well below the uniform perplexity.
import { describe, expect, it } from 'vitest';
import { captionNll, trainCaptionLM } from '../../src/core/experiment/caption-lm';
import { useBackend } from './helpers/tf';

describe('caption LM', () => {
  it('learns simple captions: held-out perplexity falls far below the vocabulary size', async () => {
    await useBackend('wasm');
    // "a <colour> <shape>" with ids: a=1, colours 2–5, shapes 6–9; bos 10, pad 11.
    const cap = (i: number) => [1, 2 + (i % 4), 6 + ((i >> 2) % 4)];
    const train = Array.from({ length: 64 }, (_, i) => cap(i));
    const model = await trainCaptionLM(train, 12, 4, 10, 11, 80);
    const nll = await captionNll(model, [cap(3), cap(6)], 4, 10, 11);
    // First token is certain; colour and shape are 1 of 4 each: ideal mean NLL = (0 + ln 4 + ln 4)/3 ≈ 0.92.
    expect(nll).toBeLessThan(1.3);
    expect(nll).toBeGreaterThan(0.5);
    model.dispose();
  });
});
