// The setup fingerprint (core/experiment/fingerprint.ts): it changes with every field that changes a seed's numbers —
// each fingerprinted config field, the dataset, the LM, the VQ tokenizer, the rules version — and with nothing else
// (seeds, first seed, preset name, checkpoint interval, input names, arm order, an lr every arm overrides).
import { describe, expect, it } from 'vitest';
import { PRESETS, type ExperimentConfig } from '../../src/core/experiment/config';
import {
  FINGERPRINT_FIELDS,
  fingerprintOf,
  identityDiff,
  setupIdentity,
  type SetupIdentity,
} from '../../src/core/experiment/fingerprint';

const inputs = {
  dataset: { name: 'emoji', digest: 'd'.repeat(64) },
  lm: { name: 'lm', digest: 'e'.repeat(64) },
  vq: { name: 'vq', digest: 'f'.repeat(64) },
};
const base: ExperimentConfig = {
  ...PRESETS.lesson,
  arms: ['pretrained', 'scratch', 'pretrained-mix'],
  lrByArm: { pretrained: 0.015 },
};
const fp = (cfg: ExperimentConfig, inp = inputs) => fingerprintOf(setupIdentity(cfg, inp));

/** A different value of the same kind for each field. */
function changed(cfg: ExperimentConfig, field: keyof ExperimentConfig): ExperimentConfig {
  const v = cfg[field];
  const out = { ...cfg } as Record<string, unknown>;
  if (field === 'arms') out.arms = [...cfg.arms, 'pretrained-frozen'];
  else if (field === 'lrByArm') out.lrByArm = { ...cfg.lrByArm, scratch: 0.02 };
  else if (field === 'captionLevel') out.captionLevel = cfg.captionLevel === 'L4' ? 'L2' : 'L4';
  else if (field === 'schedule') out.schedule = cfg.schedule === 'wsd' ? 'cosine' : 'wsd';
  else if (field === 'rowInit') out.rowInit = cfg.rowInit === 'mean' ? 'random' : 'mean';
  else if (field === 'preset') out.preset = 'custom';
  else if (typeof v === 'number') out[field] = Number.isInteger(v) ? v + 1 : v * 1.5;
  else if (v === undefined) out[field] = 3;
  else throw new Error(`no change written for ${field}`);
  return out as unknown as ExperimentConfig;
}

describe('the setup fingerprint', () => {
  it('is 12 hex digits and the same for the same setup', () => {
    expect(fp(base)).toMatch(/^[0-9a-f]{12}$/);
    expect(fp({ ...base, lrByArm: { ...base.lrByArm } })).toBe(fp(base));
  });

  it('changes with every number-changing config field and with no other field', () => {
    const fields = Object.keys(FINGERPRINT_FIELDS) as (keyof ExperimentConfig)[];
    // Every field of a real config is decided (the Record type forces it at compile time; this checks the presets).
    for (const preset of Object.values(PRESETS)) for (const k of Object.keys(preset)) expect(fields, k).toContain(k);
    for (const field of fields) {
      const after = fp(changed(base, field));
      if (FINGERPRINT_FIELDS[field]) expect(after, field).not.toBe(fp(base));
      else expect(after, field).toBe(fp(base));
    }
    expect(fields.filter((f) => !FINGERPRINT_FIELDS[f]).sort()).toEqual([
      'checkpointEvery',
      'firstSeed',
      'preset',
      'seeds',
    ]);
  });

  it('changes with the dataset, the LM, the VQ tokenizer and the rules version, not with their names', () => {
    for (const key of ['dataset', 'lm', 'vq'] as const) {
      expect(fp(base, { ...inputs, [key]: { name: inputs[key].name, digest: '0'.repeat(64) } }), key).not.toBe(
        fp(base),
      );
      expect(fp(base, { ...inputs, [key]: { name: 'renamed', digest: inputs[key].digest } }), key).toBe(fp(base));
    }
    const newer: SetupIdentity = { ...setupIdentity(base, inputs), rules: 2 };
    expect(fingerprintOf(newer)).not.toBe(fp(base));
  });

  it('reads the numbers, not their spelling: arm order, an lr every arm overrides, the mix share without the mix arm', () => {
    expect(fp({ ...base, arms: [...base.arms].reverse() })).toBe(fp(base));
    const all = { ...base, lrByArm: { pretrained: 0.015, scratch: 0.006, 'pretrained-mix': 0.01 } };
    expect(fp({ ...all, lr: 0.5 })).toBe(fp(all));
    const noMix: ExperimentConfig = { ...base, arms: ['pretrained', 'scratch'] };
    expect(fp({ ...noMix, mixShare: 0.5 })).toBe(fp(noMix));
    expect(fp({ ...base, mixShare: 0.5 })).not.toBe(fp(base));
  });

  it("says what differs, in the setup form's words", () => {
    const a = setupIdentity({ ...base, captionLevel: 'L4' }, inputs);
    const b = setupIdentity(
      { ...base, captionLevel: 'L2' },
      { ...inputs, lm: { name: 'other-lm', digest: '1'.repeat(64) } },
    );
    expect(identityDiff(a, b)).toEqual(['caption level L4 vs L2', `LM lm (eeeeeeee) vs other-lm (11111111)`]);
    expect(identityDiff(a, a)).toEqual([]);
  });

  it('says a dataset of one name but other contents is that, and why when the caption level differs', () => {
    const other = { ...inputs, dataset: { name: inputs.dataset.name, digest: '2'.repeat(64) } };
    const name = inputs.dataset.name;
    const d = inputs.dataset.digest.slice(0, 8);
    const l2: ExperimentConfig = { ...base, captionLevel: 'L2' };
    expect(identityDiff(setupIdentity(l2, inputs), setupIdentity(l2, other))).toEqual([
      `dataset ${name} with other contents (${d} vs 22222222)`,
    ]);
    expect(identityDiff(setupIdentity({ ...base, captionLevel: 'L4' }, inputs), setupIdentity(l2, other))).toEqual([
      'caption level L4 vs L2',
      `dataset ${name} with other contents (${d} vs 22222222: its captions are taken at the caption level)`,
    ]);
  });
});
