// The pre-trained LM's strength on record: tabula.json's held-out figures picked for meta.lmHeldout, the caveat that
// states them (same-data bigram when recorded, else the Austen one named as such; the old sentence only when nothing
// is recorded), and slidingNll, the sliding-window evaluation of scale/pretrain.py, against a per-token reference.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/core/tf';
import { GPT } from '../../src/core/nn/gpt';
import { slidingNll } from '../../src/core/nn/eval';
import { caveats } from '../../src/core/experiment/caveats';
import { lmHeldoutFromProvenance, lmStrengthSentence } from '../../src/core/experiment/lm-strength';
import { useBackend } from './helpers/tf';

const AUSTEN = ['Sense and Sensibility', 'Pride and Prejudice', 'Mansfield Park', 'Emma', 'Northanger Abbey'];
/** tabula.json provenance as pretrain writes it, before (Austen bigram only) and after the same-data bigram. */
const OLD = {
  lmEval: 'sliding windows, stride half the context',
  bigram: { kind: 'interpolated Kneser-Ney', data: AUSTEN },
  heldout: {
    persuasion: { tokens: 153010, nll: 3.7431, ppl: 42.2, bigram_nll: 4.314, bigram_ppl: 74.7, margin: 0.5709 },
    'moby-dick': { tokens: 451674, nll: 4.8754, ppl: 131, bigram_nll: 5.7649, bigram_ppl: 318.9, margin: 0.8895 },
  },
};
const NEW = {
  ...OLD,
  heldout: {
    persuasion: { ...OLD.heldout.persuasion, bigram_same_data_nll: 4.5071 },
    'moby-dick': { ...OLD.heldout['moby-dick'], bigram_same_data_nll: 5.1581 },
  },
};
const lmCaveat = (meta: Record<string, unknown>) =>
  caveats({ config: null, meta, margin: 0.05, power: {} }).find((c) => c.startsWith('Pre-trained LM:'))!;

describe('the LM strength caveat', () => {
  it('states the LM against the same-data bigram when recorded', () => {
    const meta = { lm: 'public/models/lm-english', lmHeldout: lmHeldoutFromProvenance(NEW) };
    expect(lmCaveat(meta)).toBe(
      "Pre-trained LM: public/models/lm-english; its held-out mean NLL from its tabula.json (sliding windows, stride half the context): Persuasion 3.743 nats/token against 4.507 for a Kneser-Ney bigram fitted on the LM's own training corpus (LM better by 0.764); Moby-Dick 4.875 nats/token against 5.158 for a Kneser-Ney bigram fitted on the LM's own training corpus (LM better by 0.283). It is one small LM, so a null result here says little about pre-trained LMs in general.",
    );
  });
  it('falls back to the Austen bigram, naming its data and that the margin mixes model with data', () => {
    const c = lmCaveat({ lm: 'public/models/lm-english', lmHeldout: lmHeldoutFromProvenance(OLD) });
    expect(c).toContain(
      "Persuasion 3.743 nats/token against 4.314 for a Kneser-Ney bigram fitted on the 5 Austen novels (Sense and Sensibility, Pride and Prejudice, Mansfield Park, Emma, Northanger Abbey) only, not on the LM's own training corpus, so the margin (0.571) mixes model strength with data",
    );
    expect(c).toContain('Moby-Dick 4.875 nats/token against 5.765');
    expect(c).not.toContain('holds no measure');
  });
  it('reads perplexities when an older tabula.json recorded only those', () => {
    const h = lmHeldoutFromProvenance({
      heldout: { persuasion: { tokens: 10, ppl: Math.exp(4), bigram_ppl: Math.exp(4.5) } },
    });
    expect(h).toEqual({
      lmEval: null,
      austenData: null,
      texts: { persuasion: { tokens: 10, nll: 4, austenNll: 4.5 } },
    });
    expect(h!.texts.persuasion.nll).toBeCloseTo(4, 12);
    expect(lmStrengthSentence(h)).toBe(
      "its held-out mean NLL from its tabula.json: Persuasion 4.000 nats/token against 4.500 for a Kneser-Ney bigram fitted on the Austen novels only, not on the LM's own training corpus, so the margin (0.500) mixes model strength with data",
    );
  });
  it('keeps the old sentence when nothing is recorded', () => {
    for (const meta of [{ lm: 'x' }, { lm: 'x', lmHeldout: null }, { lm: 'x', lmHeldout: { texts: {} } }])
      expect(lmCaveat(meta)).toBe(
        'Pre-trained LM: x; this report holds no measure of its strength against an n-gram model of the same text, so a null result here says little about pre-trained LMs in general.',
      );
    expect(lmHeldoutFromProvenance(null)).toBeNull();
    expect(lmHeldoutFromProvenance({ heldout: { persuasion: { tokens: 3, nll: 'n/a' } } })).toBeNull();
  });
});

describe('slidingNll', () => {
  beforeAll(() => useBackend('cpu'));
  const T = 8;
  const model = () =>
    new GPT(
      {
        vocabSize: 13,
        nPositions: T,
        nEmbd: 8,
        nLayer: 1,
        nHead: 2,
        layerNormEps: 1e-5,
        tieEmbeddings: true,
        initStd: 0.4,
      },
      3,
      'sliding',
    );
  /** Token t ≥ 1 is scored in the earliest window (starts 0, 4, 8, …, and n − T) that ends after it. */
  function reference(m: GPT, ids: number[]): number {
    const n = ids.length;
    const starts: number[] = [];
    for (let s = 0; s + T <= n; s += T / 2) starts.push(s);
    if (starts[starts.length - 1] + T < n) starts.push(n - T);
    let total = 0;
    for (let t = 1; t < n; t++) {
      const s = starts.find((x) => x + T > t)!;
      const nll = tf.tidy(() => m.nll(tf.tensor2d([ids.slice(s, s + T)], [1, T], 'int32'))).arraySync()[0];
      total += nll[t - s - 1];
    }
    return total / (n - 1);
  }
  it('scores every id after the first once, each with the context of the earliest window that ends after it', async () => {
    const m = model();
    for (const n of [8, 21, 24, 37]) {
      const ids = Array.from({ length: n }, (_, i) => (i * 5 + ((i * i) % 7)) % 13);
      for (const batch of [1, 3]) {
        const r = await slidingNll(m, ids, batch);
        expect(r.predictions).toBe(n - 1);
        expect(r.meanNll).toBeCloseTo(reference(m, ids), 5);
      }
    }
    m.dispose();
  });
  it('refuses too few ids and ids outside the vocabulary', async () => {
    const m = model();
    await expect(slidingNll(m, [1])).rejects.toThrow('need at least 2 ids');
    await expect(slidingNll(m, [1, 2, 13])).rejects.toThrow('id 13 at position 2 is outside the vocabulary [0, 13)');
    m.dispose();
  });
});
