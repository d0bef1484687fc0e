// scripts/lm-baselines.ts --write on a copy of the shipped lm-english checkpoint whose tabula.json lacks the
// same-data bigram (as pretrain wrote it before recording that baseline): the fields it adds are the ones
// lm-strength.ts reads, the Austen figures and everything else in the file stay as they were, and the Austen bigram
// it refits matches the recorded one (the script's own check). Refusals: --write without --lm-nll recorded, and a
// tabula.json whose recorded Austen bigram disagrees (nothing written).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { lmHeldoutFromProvenance, lmStrengthSentence } from '../../src/core/experiment/lm-strength';

const run = promisify(execFile);
// The script fits two bigrams on 3.9M tokens: a harness limit for a busy 2-core machine, not a speed claim.
const TIMEOUT_MS = 300_000;
let dir = '';
type Tabula = { provenance: Record<string, unknown> & { heldout: Record<string, Record<string, number>> } };
const SAME = ['bigram_same_data_nll', 'bigram_same_data_ppl', 'margin_same_data'];

const script = (args: string[]) =>
  run('node', ['--import', 'tsx', 'scripts/lm-baselines.ts', ...args], { maxBuffer: 8 * 2 ** 20 });
const failing = async (args: string[]) => {
  try {
    await script(args);
  } catch (e) {
    return e as { code: number; stdout: string; stderr: string };
  }
  throw new Error('expected a refusal');
};
const readTabula = async (d: string) => JSON.parse(await readFile(join(d, 'tabula.json'), 'utf8')) as Tabula;

/** The shipped tabula.json less the same-data bigram: what the script's --write is for. */
async function stripped(): Promise<Tabula> {
  const t = await readTabula('public/models/lm-english');
  delete t.provenance.bigramSameData;
  delete t.provenance.bigramSameDataAddedBy;
  for (const h of Object.values(t.provenance.heldout)) for (const k of SAME) delete h[k];
  return t;
}

describe('lm-baselines --write', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lm-baselines-'));
    await cp('public/models/lm-english', join(dir, 'lm'), { recursive: true });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(
    'adds the same-data bigram beside the recorded figures, which the report caveat then cites',
    async () => {
      const lm = join(dir, 'lm');
      const before = await stripped();
      await writeFile(join(lm, 'tabula.json'), JSON.stringify(before, null, 2) + '\n');
      expect(lmHeldoutFromProvenance(before.provenance)?.texts.persuasion.sameDataNll).toBeUndefined();

      const { stdout } = await script(['--lm', lm, '--lm-nll', 'recorded', '--write']);
      expect(stdout).toContain('the Austen bigram and token counts match tabula.json to 1e-6');
      const after = await readTabula(lm);
      for (const [id, h] of Object.entries(after.provenance.heldout)) {
        const b = before.provenance.heldout[id];
        for (const k of Object.keys(b)) expect(h[k], `${id}.${k}`).toBe(b[k]);
        expect(h.bigram_same_data_ppl).toBeCloseTo(Math.exp(h.bigram_same_data_nll), 9);
        expect(h.margin_same_data).toBeCloseTo(h.bigram_same_data_nll - b.nll, 12);
      }
      // Figures of the model card (public/models/lm-english/README.md), fitted on 3,941,190 tokens.
      expect(after.provenance.heldout.persuasion.bigram_same_data_nll).toBeCloseTo(4.507, 3);
      expect(after.provenance.heldout['moby-dick'].bigram_same_data_nll).toBeCloseTo(5.158, 3);
      expect(after.provenance.bigramSameData).toMatchObject({ kind: 'interpolated Kneser-Ney', tokens: 3941190 });
      const { heldout: _h, ...restAfter } = after.provenance;
      const { heldout: _b, ...restBefore } = before.provenance;
      expect(Object.keys(restAfter).sort()).toEqual(
        [...Object.keys(restBefore), 'bigramSameData', 'bigramSameDataAddedBy'].sort(),
      );
      const caveat = lmStrengthSentence(lmHeldoutFromProvenance(after.provenance));
      expect(caveat).toContain("against 4.507 for a Kneser-Ney bigram fitted on the LM's own training corpus");
    },
    TIMEOUT_MS,
  );

  it(
    'refuses --write without --lm-nll recorded, and writes nothing when the recorded bigram disagrees',
    async () => {
      const lm = join(dir, 'lm');
      const e1 = await failing(['--lm', lm, '--write']);
      expect(e1.code).toBe(2); // a usage error
      expect(e1.stderr).toContain('--write adds figures beside the recorded LM NLL, so it needs --lm-nll recorded');

      const wrong = await stripped();
      wrong.provenance.heldout.persuasion.bigram_nll += 0.01;
      const text = JSON.stringify(wrong, null, 2) + '\n';
      await writeFile(join(lm, 'tabula.json'), text);
      const e2 = await failing(['--lm', lm, '--lm-nll', 'recorded', '--write']);
      expect(e2.code).toBe(1);
      expect(e2.stdout + e2.stderr).toContain('persuasion: Austen bigram');
      expect(e2.stderr).toContain('disagrees with the figures refitted here');
      expect(e2.stderr).toContain('; not written');
      expect(await readFile(join(lm, 'tabula.json'), 'utf8')).toBe(text);
    },
    TIMEOUT_MS,
  );
});
