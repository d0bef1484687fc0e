// Every command line answers --help and -h (usage, each flag with its default and one line on what it does, exit 0)
// from the same flag table it parses with, and still refuses an unknown flag with one line and exit 2. The help text
// is common.ts's formatHelp; each package.json script backed by src/cli is run as a child process.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FLAG_HELP, HelpRequest, UsageError, formatHelp, parseFlags, type FlagTable } from '../../src/cli/common';

const ROOT = resolve(__dirname, '../..');
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
  .scripts;
/** [npm script, its entry point] for every script that is `tsx src/cli/….ts` or `tsx scripts/….ts`. */
const CLIS = Object.entries(scripts).flatMap(([name, cmd]) => {
  const m = /^tsx ((?:src\/cli|scripts)\/[\w-]+\.ts)$/.exec(cmd);
  return m ? [[name, m[1]] as const] : [];
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[]): Promise<Ran> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', file, ...args],
      { cwd: ROOT, timeout: 60_000 },
      (err, stdout, stderr) => {
        done({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
      },
    );
  });
}

/** The flags of a --help text: name, whether it takes a value, and the rest of its line. */
function flagLines(help: string): { name: string; takesValue: boolean; text: string }[] {
  const options = help.split('\noptions:\n')[1] ?? '';
  return options
    .split('\n')
    .filter((l) => l.startsWith('  '))
    .map((l) => {
      const m = /^ {2}(?:-\w, )?--([\w-]+)( \S+)?\s{2,}(.*)$/.exec(l);
      if (!m) throw new Error(`not a flag line: ${l}`);
      return { name: m[1], takesValue: m[2] !== undefined, text: m[3] };
    });
}

describe('formatHelp and parseFlags', () => {
  const table: FlagTable = {
    out: { type: 'string', default: 'runs/x', value: 'DIR', description: 'where it goes' },
    steps: { type: 'string', value: 'N', description: 'training steps', defaultText: "the preset's" },
    json: { type: 'boolean', default: false, description: 'one JSON line' },
    backend: { type: 'string', default: 'wasm' },
    checkpoint: { type: 'string', value: 'DIR', description: 'the folder', required: true },
  };

  it('list every flag with its value, its description and its default; shared flags take FLAG_HELP', () => {
    const help = formatHelp(table, 'usage: npm run x -- --checkpoint DIR', 'Does x.');
    expect(help.split('\n').slice(0, 4)).toEqual(['usage: npm run x -- --checkpoint DIR', '', 'Does x.', '']);
    expect(flagLines(help)).toEqual([
      { name: 'out', takesValue: true, text: 'where it goes (default: runs/x)' },
      { name: 'steps', takesValue: true, text: "training steps (default: the preset's)" },
      { name: 'json', takesValue: false, text: 'one JSON line (default: off)' },
      { name: 'backend', takesValue: true, text: `${FLAG_HELP.backend.description} (default: wasm)` },
      { name: 'checkpoint', takesValue: true, text: 'the folder (required)' },
      { name: 'help', takesValue: false, text: 'print this help and exit' },
    ]);
    expect(help).toContain('  --backend wasm|cpu|webgpu  ');
    expect(formatHelp({ mystery: { type: 'string' } }, 'u')).toContain('(no description)');
  });

  it('throw HelpRequest for --help and -h, a one-line UsageError for an unknown flag', () => {
    const argv = process.argv;
    try {
      for (const flag of ['--help', '-h']) {
        process.argv = ['node', 'cli.ts', '--out', 'a', flag];
        expect(() => parseFlags(table, 'usage: npm run x')).toThrow(HelpRequest);
      }
      process.argv = ['node', 'cli.ts', '--nope'];
      expect(() => parseFlags(table, 'usage: npm run x')).toThrow(UsageError);
      expect(() => parseFlags(table, 'usage: npm run x')).toThrow(/^Unknown option '--nope'.*; usage: npm run x$/);
      process.argv = ['node', 'cli.ts', '--out', 'a', '--json'];
      expect(parseFlags(table, 'usage: npm run x').values).toMatchObject({ out: 'a', json: true, backend: 'wasm' });
    } finally {
      process.argv = argv;
    }
  });
});

describe('every command line', () => {
  it('is found in package.json', () => {
    expect(CLIS.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'replicate',
        'export',
        'report',
        'compare',
        'pretrain',
        'train-vq',
        'train-tokenizer',
        'build-data',
        'check-data',
        'lm-eval',
        'vq-eval',
        'bench',
        'bench:browser',
        'bench:play',
        'bench:page',
      ]),
    );
  });

  it.concurrent.each(CLIS)(
    '%s answers --help with every flag, and refuses an unknown flag with one line and exit 2',
    { timeout: 300_000 },
    async (name, file) => {
      const help = await run(file, ['--help']);
      expect(help).toMatchObject({ code: 0, stderr: '' });
      const usage = help.stdout.split('\n')[0];
      expect(usage).toMatch(new RegExp(`^usage: npm run (-s )?${name} `));
      const flags = flagLines(help.stdout);
      for (const f of flags)
        expect(f.text, `--${f.name}`).toMatch(
          /^(?!\(no description\)).{8,} \((default: .+|required)\)$|^print this help and exit$/,
        );
      // Every flag the usage line names is listed…
      const listed = new Set(flags.map((f) => f.name));
      for (const m of usage.matchAll(/--([a-z][\w-]*)/g)) expect(listed, `--${m[1]} of the usage line`).toContain(m[1]);
      // …and every listed flag is one the command parses: given all at once, only the unknown one is refused.
      const all = flags
        .filter((f) => f.name !== 'help')
        .flatMap((f) => (f.takesValue ? [`--${f.name}`, 'x'] : [`--${f.name}`]));
      const bad = await run(file, [...all, '--no-such-flag']);
      expect(bad.code).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toMatch(new RegExp(`^${name}: Unknown option '--no-such-flag'[^\\n]*\\n$`));
    },
  );

  it('answer -h as --help', async () => {
    const [short, long] = await Promise.all([run('src/cli/compare.ts', ['-h']), run('src/cli/compare.ts', ['--help'])]);
    expect(short).toEqual({ ...long, code: 0 });
    expect(short.stdout).toMatch(/^usage: npm run compare -- DIR DIR/);
  });
});
