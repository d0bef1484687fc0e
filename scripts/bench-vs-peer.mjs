#!/usr/bin/env node
// Interleaved speed comparison with the npm tfjs GPT peer (shared/peer-bench: @genai-fi/nanogpt on wasm through its
// labelled shim) on the same backend and configs: for each round and config, one fresh peer process then one fresh
// process of ours (`npm run -s bench -- --json`). The machine is shared and noisy, so the figure that matters is the
// ratio within a round; the median ratio over rounds is printed last. Prints figures; asserts nothing.
//   PEER_DIR=/path/to/installed/peer-bench node scripts/bench-vs-peer.mjs [--rounds 3] [--configs small,medium]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, configs: { type: 'string', default: 'small,medium' } },
});
const peerDir = process.env.PEER_DIR;
if (!peerDir || !existsSync(join(peerDir, 'bench.mjs')) || !existsSync(join(peerDir, 'node_modules'))) {
  console.error(
    'bench-vs-peer: set PEER_DIR to an installed copy of shared/peer-bench (cp its package*.json and bench.mjs to a folder, npm ci there)',
  );
  process.exit(2);
}
const CONFIGS = { small: { layers: 2, embd: 64 }, medium: { layers: 4, embd: 128 } }; // heads 4, vocab 1024, context 96, batch 16
const lastJson = (out) =>
  JSON.parse(
    out
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop(),
  );
const rows = [];
for (let round = 1; round <= Number(values.rounds); round++) {
  for (const name of values.configs.split(',')) {
    const c = CONFIGS[name];
    const peer = spawnSync(process.execPath, ['bench.mjs', '--config', name, '--wasm-shim', 'full', '--no-fallback'], {
      cwd: peerDir,
      encoding: 'utf8',
    });
    const ours = spawnSync(
      'npm',
      [
        'run',
        '-s',
        'bench',
        '--',
        '--json',
        '--backend',
        'wasm',
        '--layers',
        String(c.layers),
        '--embd',
        String(c.embd),
        '--heads',
        '4',
        '--vocab',
        '1024',
        '--context',
        '96',
        '--batch',
        '16',
      ],
      { encoding: 'utf8' },
    );
    if (peer.status !== 0 || ours.status !== 0) {
      console.error(
        `round ${round} ${name}: ${peer.status !== 0 ? 'peer' : 'ours'} failed: ${(peer.status !== 0 ? peer.stderr : ours.stderr).trim().split('\n').pop()}`,
      );
      continue;
    }
    const p = lastJson(peer.stdout);
    const o = lastJson(ours.stdout);
    const row = {
      round,
      config: name,
      peer_tokens_per_s: Math.round(p.tokens_per_s),
      ours_tokens_per_s: Math.round(o.tokens_per_s),
      ratio: +(o.tokens_per_s / p.tokens_per_s).toFixed(2),
      peer_mfu: +p.mfu.toFixed(3),
      ours_mfu: +o.mfu.toFixed(3),
      ours_matmul_gflops: +o.matmul_gflops.toFixed(1),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}
for (const name of values.configs.split(',')) {
  const r = rows
    .filter((x) => x.config === name)
    .map((x) => x.ratio)
    .sort((a, b) => a - b);
  if (r.length)
    console.log(
      `${name}: ours ÷ peer tokens/s, median over ${r.length} round(s): ${r[Math.floor(r.length / 2)]}× (rounds: ${r.join(', ')})`,
    );
}
