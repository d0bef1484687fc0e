// What the layer lint rules cannot see, because they look at one import at a time: no import cycle anywhere in src/
// (bpe.ts ↔ hf.ts was one), and no module of the page (src/app, src/browser) reaching tfjs through the modules it
// imports. The graph is read with TypeScript's parser (tests/unit/helpers/import-graph.ts).
import { describe, expect, it } from 'vitest';
import { cycles, importGraph, runtimeClosure, type ModuleImports } from './helpers/import-graph';

const graph = importGraph(process.cwd());
const loadsTfjs = (m: string) =>
  graph.get(m)!.runtime.some((s) => s.startsWith('@tensorflow/') || s === '#tfjs-register');

describe('import graph of src/', () => {
  it('is read whole: the tfjs door, its importers and a type-only import are where they should be', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('src/core/tf.ts')!.runtime).toEqual(['#tfjs-register', '@tensorflow/tfjs-core']);
    expect(graph.get('src/core/nn/gpt.ts')!.runtime).toContain('src/core/tf.ts');
    expect(graph.get('src/core/tokenize/bpe.ts')!.types).toEqual(['src/core/tokenize/text-tokenizer.ts']);
    expect(graph.get('src/core/backend.ts')!.runtime).toEqual(
      expect.arrayContaining(['@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-webgl']),
    );
  });

  it('has no import cycle, type imports included', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('lets no module of src/app or src/browser reach tfjs at run time', () => {
    const page = [...graph.keys()].filter((m) => m.startsWith('src/app/') || m.startsWith('src/browser/'));
    expect(page.length).toBeGreaterThan(30);
    const reached = page.flatMap((m) => [...runtimeClosure(graph, m)].filter(loadsTfjs).map((t) => `${m} → ${t}`));
    expect(reached).toEqual([]);
    // The worker does reach it, through the same walk.
    expect([...runtimeClosure(graph, 'src/worker/trainer.worker.ts')].filter(loadsTfjs)).toContain('src/core/tf.ts');
  });

  it('finds a cycle made of a type import, and does not follow type imports at run time', () => {
    const g = new Map<string, ModuleImports>([
      ['a.ts', { runtime: ['b.ts'], types: [] }],
      ['b.ts', { runtime: ['c.ts'], types: ['a.ts'] }],
      ['c.ts', { runtime: ['@tensorflow/tfjs-core'], types: [] }],
    ]);
    expect(cycles(g)).toEqual([['a.ts', 'b.ts']]);
    expect([...runtimeClosure(g, 'b.ts')].sort()).toEqual(['b.ts', 'c.ts']);
  });
});
