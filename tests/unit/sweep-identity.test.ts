// scale/sweep_run.py's model_identity: the part of a resumable sweep's identity (its sweep-cells.jsonl header) that
// names the LM and VQ. Documenting a model (a model card, tabula.json's provenance gaining a baseline) must not orphan
// a sweep's finished runs; what changes numbers — the weights, the tokenizer, the special tokens' ids — must.
// Needs a python with numpy (scale/export_reader.py imports it): SCALE_PYTHON, /work/venv or python3.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PY =
  process.env.SCALE_PYTHON ??
  (spawnSync('/work/venv/bin/python', ['--version']).status === 0 ? '/work/venv/bin/python' : 'python3');
const ok = spawnSync(PY, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'sweep-identity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TABULA = {
  format: 'tabula-gpt2',
  version: 1,
  specialTokens: { '<|bos|>': 2044, '<|pad|>': 2047 },
  provenance: { corpus: 'english', heldout: { persuasion: { nll: 3.743, bigram_nll: 4.314 } } },
};

/** model_identity of an LM folder holding `tabula` whose export listed `files` (name → SHA-256). */
function identity(tabula: object, files: Record<string, string>): Record<string, string> {
  const lm = mkdtempSync(join(dir, 'lm-'));
  writeFileSync(join(lm, 'tabula.json'), JSON.stringify(tabula, null, 2));
  const code = `import sys, json; sys.path.insert(0, 'scale'); import sweep_run as s
print(json.dumps(s.model_identity({"path": sys.argv[1], "files": json.loads(sys.argv[2])}, s._LM_FILES)))`;
  const r = spawnSync(PY, ['-c', code, lm, JSON.stringify(files)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Record<string, string>;
}

const FILES = {
  'config.json': 'c1',
  'model.safetensors': 'w1',
  'tokenizer.json': 't1',
  'tabula.json': 'whole-file',
  'generation_config.json': 'g1',
};

describe.skipIf(!ok)('scale/sweep_run.py model_identity', () => {
  it('ignores the model card and tabula.json provenance, keeps weights, tokenizer and special tokens', () => {
    const base = identity(TABULA, FILES);
    expect(Object.keys(base).sort()).toEqual(
      ['config.json', 'model.safetensors', 'tabula.json less provenance', 'tokenizer.json'].sort(),
    );
    // A model card added, the provenance gaining the same-data bigram, the keys reordered: the same identity.
    const documented = {
      provenance: { ...TABULA.provenance, bigramSameData: { tokens: 3941190 } },
      specialTokens: TABULA.specialTokens,
      version: 1,
      format: 'tabula-gpt2',
    };
    expect(identity(documented, { ...FILES, 'README.md': 'r1', 'tabula.json': 'other-whole-file' })).toEqual(base);
    // What changes numbers changes it.
    expect(identity({ ...TABULA, specialTokens: { '<|bos|>': 2043, '<|pad|>': 2047 } }, FILES)).not.toEqual(base);
    expect(identity(TABULA, { ...FILES, 'model.safetensors': 'w2' })).not.toEqual(base);
    expect(identity(TABULA, { ...FILES, 'tokenizer.json': 't2' })).not.toEqual(base);
  });

  it('keeps the whole-file hash when the folder cannot be read, so a sweep of another file is refused', () => {
    const code = `import sys, json; sys.path.insert(0, 'scale'); import sweep_run as s
print(json.dumps(s.model_identity({"path": "/nonexistent/lm", "files": {"tabula.json": "h", "model.safetensors": "w"}}, s._LM_FILES)))`;
    const r = spawnSync(PY, ['-c', code], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ 'model.safetensors': 'w', 'tabula.json': 'h' });
  });
});
