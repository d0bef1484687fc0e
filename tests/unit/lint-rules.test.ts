// The house's layer rules (eslint.config.js, docs/architecture.md §1) refuse what they must and let the legal
// imports through: each probe is linted in memory through ESLint's Node API, as if it were a file in that folder.
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

/** Rule id and message of every problem ESLint reports for `code` as the file `filePath`. */
async function problems(filePath: string, code: string): Promise<{ rule: string | null; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => ({ rule: m.ruleId, message: m.message }));
}

const IMPORTS = '@typescript-eslint/no-restricted-imports';

describe('layer rules', () => {
  it('tfjs: refused in src/app (static and dynamic), src/browser and src/cli; allowed in src/core and src/worker', async () => {
    const tfCore = `import * as tf from '@tensorflow/tfjs-core';\nexport const t = tf;\n`;
    expect(await problems('src/app/probe.ts', tfCore)).toEqual([
      { rule: IMPORTS, message: expect.stringContaining('The app never imports tfjs') },
    ]);
    expect(
      await problems('src/app/probe.tsx', `export const m = import('@tensorflow/tfjs-backend-webgpu');\n`),
    ).toEqual([{ rule: 'no-restricted-syntax', message: expect.stringContaining('The app never imports tfjs') }]);
    for (const file of ['src/cli/probe.ts', 'src/cli/data/probe.ts', 'src/browser/probe.ts'])
      expect(await problems(file, tfCore)).toEqual([
        { rule: IMPORTS, message: expect.stringContaining('Only src/core and src/worker import tfjs') },
      ]);
    expect(await problems('src/core/nn/probe.ts', tfCore)).toEqual([]);
    expect(await problems('src/worker/probe.ts', tfCore)).toEqual([]);
    expect(await problems('src/core/probe.ts', `export const m = import('@tensorflow/tfjs-backend-webgl');\n`)).toEqual(
      [],
    );
  });

  it('the umbrella @tensorflow/tfjs: refused everywhere, tests included (tfjs comes through src/core/tf.ts)', async () => {
    const umbrella = `import * as tf from '@tensorflow/tfjs';\nexport const t = tf;\n`;
    for (const file of ['src/core/probe.ts', 'src/worker/probe.ts', 'tests/unit/probe.test.ts'])
      expect(await problems(file, umbrella)).toEqual([
        { rule: IMPORTS, message: expect.stringContaining('Import tfjs through src/core/tf.ts') },
      ]);
    expect(
      await problems('tests/unit/probe.test.ts', `import * as tf from '../../src/core/tf';\nexport const t = tf;\n`),
    ).toEqual([]);
  });

  it('src/core: no React, no Node built-ins, no other layer, no DOM or worker globals', async () => {
    expect(
      await problems('src/core/probe.ts', `import { useState } from 'react';\nexport const u = useState;\n`),
    ).toEqual([{ rule: IMPORTS, message: expect.stringContaining('React and its libraries belong in src/app') }]);
    expect(
      await problems(
        'src/core/x/probe.ts',
        `import { createRoot } from 'react-dom/client';\nexport const c = createRoot;\n`,
      ),
    ).toEqual([{ rule: IMPORTS, message: expect.stringContaining('React') }]);
    expect(
      await problems('src/core/probe.ts', `import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n`),
    ).toEqual([{ rule: IMPORTS, message: expect.stringContaining('Node built-ins belong in src/cli') }]);
    for (const other of ['../worker/protocol', '../../app/store/config', '../browser/persist', '../cli/common'])
      expect(
        await problems('src/core/experiment/probe.ts', `import type { X } from '${other}';\nexport type Y = X;\n`),
      ).toEqual([{ rule: IMPORTS, message: expect.stringContaining('src/core imports no other layer') }]);
    const dom = `export const a = document.title;\nexport const b = (x: unknown) => x instanceof HTMLElement;\nexport const c = window.innerWidth + navigator.hardwareConcurrency;\nself.close();\npostMessage('x');\n`;
    const found = await problems('src/core/probe.ts', dom);
    expect(found.map((p) => p.rule)).toEqual(Array(6).fill('no-restricted-globals'));
    expect(found.map((p) => p.message.match(/\(([A-Za-z]+)\)/)![1])).toEqual([
      'document',
      'HTMLElement',
      'window',
      'navigator',
      'self',
      'postMessage',
    ]);
    // Within core, and its libraries: allowed.
    expect(
      await problems(
        'src/core/experiment/probe.ts',
        `import { METRICS } from '../metrics';\nimport { Tokenizer } from '@huggingface/tokenizers';\nexport const m = [METRICS, Tokenizer];\n`,
      ),
    ).toEqual([]);
  });

  it('src/app: from src/worker only the protocol, and only its types; src/browser is open to it', async () => {
    for (const internal of ['../worker/persist', '../../worker/run-saver', '../worker/backend-env'])
      expect(await problems('src/app/probe.ts', `import { f } from '${internal}';\nexport const g = f;\n`)).toEqual([
        {
          rule: IMPORTS,
          message: expect.stringContaining('Only the worker protocol (type-only) crosses from src/worker'),
        },
      ]);
    expect(
      await problems(
        'src/app/store/probe.ts',
        `import { WorkerEvent } from '../../worker/protocol';\nexport const e = WorkerEvent;\n`,
      ),
    ).toEqual([{ rule: IMPORTS, message: expect.stringContaining('use `import type` for the worker protocol') }]);
    expect(
      await problems(
        'src/app/store/probe.ts',
        `import type { WorkerEvent } from '../../worker/protocol';\nimport type { BenchReply } from '../../worker/bench-protocol';\nimport { saveNewRun } from '../../browser/persist';\nexport type E = WorkerEvent | BenchReply;\nexport const s = saveNewRun;\n`,
      ),
    ).toEqual([]);
    expect(
      await problems(
        'src/app/probe.ts',
        `import { initNodeBackend } from '../cli/backend-node';\nexport const i = initNodeBackend;\n`,
      ),
    ).toEqual([{ rule: IMPORTS, message: expect.stringContaining('src/cli is Node-only') }]);
  });

  it('src/worker, src/browser and src/cli keep to their own neighbours', async () => {
    expect(
      await problems('src/worker/probe.ts', `import { useStore } from '../app/store';\nexport const u = useStore;\n`),
    ).toEqual([
      {
        rule: IMPORTS,
        message: expect.stringContaining('src/worker imports src/core, src/browser and its own modules only'),
      },
    ]);
    expect(
      await problems(
        'src/worker/probe.ts',
        `import { appendMetrics } from '../browser/persist';\nimport * as tf from '../core/tf';\nexport const a = [appendMetrics, tf];\n`,
      ),
    ).toEqual([]);
    expect(
      await problems(
        'src/browser/probe.ts',
        `import { RunSaver } from '../worker/run-saver';\nexport const r = RunSaver;\n`,
      ),
    ).toEqual([{ rule: IMPORTS, message: expect.stringContaining('Only the worker protocol (type-only) crosses') }]);
    expect(
      await problems(
        'src/cli/probe.ts',
        `import { saveNewRun } from '../browser/persist';\nexport const s = saveNewRun;\n`,
      ),
    ).toEqual([{ rule: IMPORTS, message: expect.stringContaining('src/app and src/browser are browser-only') }]);
    expect(
      await problems(
        'src/cli/probe.ts',
        `import { writeFileSync } from 'node:fs';\nimport * as tf from '../core/tf';\nimport type { BrowserBenchResult } from '../worker/bench-protocol';\nexport const w = [writeFileSync, tf];\nexport type B = BrowserBenchResult;\n`,
      ),
    ).toEqual([]);
  });
});
