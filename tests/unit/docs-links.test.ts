// The documentation's links hold: every relative link and image in README.md, docs/*.md, public/runs/README.md and
// scale/README.md points at a file that exists, and every #anchor at a heading of its target, slugged as GitHub does
// (github-slugger, duplicates numbered). The README stays a front door (≤ 160 lines) whose recorded answer quotes
// public/runs/cpu/report.json (and the budget axis, public/runs/budget/report.json), and every docs/*.md a source
// comment cites exists.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import GithubSlugger from 'github-slugger';
import { Lexer, type Token, type Tokens } from 'marked';
import { armDiff } from '../../scripts/arm-diff';
import { parseMetricsCsv } from '../../src/core/experiment/metrics-csv';

const ROOT = resolve(__dirname, '../..');
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  'public/runs/README.md',
  'scale/README.md',
];

/** Every token below `t`, itself included (inline tokens, list items, table cells). */
function* walk(t: Token): Generator<Token> {
  yield t;
  const any = t as Token & {
    tokens?: Token[];
    items?: Token[];
    header?: Tokens.TableCell[];
    rows?: Tokens.TableCell[][];
  };
  for (const c of any.tokens ?? []) yield* walk(c);
  for (const c of any.items ?? []) yield* walk(c);
  for (const cell of [...(any.header ?? []), ...(any.rows ?? []).flat()]) for (const c of cell.tokens) yield* walk(c);
}

/** A heading's text as GitHub renders it (markup dropped, code spans' text kept), before slugging. */
function plainText(tokens: Token[]): string {
  return tokens
    .map((t) => {
      const any = t as Token & { tokens?: Token[]; text?: string };
      if (any.tokens && t.type !== 'text') return plainText(any.tokens);
      if (t.type === 'html') return '';
      return any.text ?? '';
    })
    .join('');
}

/** The link targets and heading anchors of one Markdown text. */
export function scan(markdown: string): { links: string[]; anchors: Set<string> } {
  const slugger = new GithubSlugger();
  const links: string[] = [];
  const anchors = new Set<string>();
  for (const top of new Lexer().lex(markdown)) {
    for (const t of walk(top)) {
      if (t.type === 'link' || t.type === 'image') links.push((t as Tokens.Link).href);
      if (t.type === 'heading') anchors.add(slugger.slug(plainText((t as Tokens.Heading).tokens)));
    }
  }
  return { links, anchors };
}

/** What is wrong with each relative link of `file` (repository-relative), one line per broken link. */
export function brokenLinks(file: string, markdown = readFileSync(join(ROOT, file), 'utf8')): string[] {
  const problems: string[] = [];
  for (const href of scan(markdown).links) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue; // https:, mailto: — not ours to check offline
    const [path, anchor] = href.split('#') as [string, string | undefined];
    const target =
      path === ''
        ? join(ROOT, file)
        : path.startsWith('/')
          ? join(ROOT, path)
          : resolve(dirname(join(ROOT, file)), decodeURI(path));
    if (!existsSync(target)) {
      problems.push(`${file}: ${href} — no file ${relative(ROOT, target)}`);
      continue;
    }
    if (anchor === undefined) continue;
    if (statSync(target).isDirectory() || !target.endsWith('.md')) {
      problems.push(`${file}: ${href} — an anchor into something that is not a Markdown file`);
      continue;
    }
    const { anchors } = scan(path === '' ? markdown : readFileSync(target, 'utf8'));
    if (!anchors.has(decodeURIComponent(anchor)))
      problems.push(`${file}: ${href} — no heading #${anchor} in ${relative(ROOT, target)}`);
  }
  return problems;
}

describe('documentation links', () => {
  it('slug headings as GitHub does', () => {
    const { anchors } = scan(
      '# Results: what *the* small `replication` found\n\n## tfjs-backend-wasm 4.22: slow paths\n\n## Speed\n\n## Speed\n',
    );
    expect([...anchors]).toEqual([
      'results-what-the-small-replication-found',
      'tfjs-backend-wasm-422-slow-paths',
      'speed',
      'speed-1',
    ]);
  });

  it('find a missing file, a missing heading and an anchor into a non-Markdown file', () => {
    const md =
      '[a](docs/nope.md) [b](docs/speed.md#no-such-heading) ![c](docs/screenshot-playground.png#x) [d](#speed)\n\n## Speed\n';
    expect(brokenLinks('README.md', md)).toEqual([
      'README.md: docs/nope.md — no file docs/nope.md',
      'README.md: docs/speed.md#no-such-heading — no heading #no-such-heading in docs/speed.md',
      'README.md: docs/screenshot-playground.png#x — an anchor into something that is not a Markdown file',
    ]);
  });

  it.each(DOCS)('%s: every relative link and anchor resolves', (file) => {
    expect(brokenLinks(file)).toEqual([]);
  });

  it('every docs/*.md a source comment cites exists', () => {
    const cited = new Set<string>();
    const visit = (dir: string) => {
      for (const f of readdirSync(join(ROOT, dir))) {
        const p = `${dir}/${f}`;
        if (statSync(join(ROOT, p)).isDirectory()) visit(p);
        else if (/\.(ts|tsx|mjs|py)$/.test(f) && !p.endsWith('docs-links.test.ts'))
          for (const m of readFileSync(join(ROOT, p), 'utf8').matchAll(/docs\/[\w.-]+\.md/g)) cited.add(m[0]);
      }
    };
    for (const dir of ['src', 'scripts', 'vite', 'scale', 'tests']) visit(dir);
    expect(cited.size).toBeGreaterThan(3);
    expect([...cited].filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });
});

describe('the README is a front door', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('is at most 160 lines and keeps the screenshot, the two commands and the Twemoji attribution', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(160);
    expect(readme).toContain('](docs/screenshot-playground.png)');
    expect(readme).toContain('npm install && npm start');
    expect(readme).toMatch(/^npm test\b/m);
    expect(readme).toMatch(/Twemoji\*\* by Twitter, Inc\. and other contributors, licensed under\s+\[CC-BY 4\.0\]/);
  });

  it('quotes the recorded answer as public/runs/cpu/report.json has it', () => {
    type Diff = { mean: number; ci95: [number, number] };
    const report = JSON.parse(readFileSync(join(ROOT, 'public/runs/cpu/report.json'), 'utf8')) as {
      effects: Record<string, { verdict: string; diff: Diff }>;
    };
    const { image_loss: a, caption_gap: b, forgetting: c } = report.effects;
    const nats = (x: number) => x.toFixed(3).replace('-', '−');
    const times = (logRatio: number) => `×${Math.round(Math.exp(logRatio))}`;
    expect(readme).toContain(
      `${nats(a.diff.mean)} nats (95% CI ${nats(a.diff.ci95[0])} to ${nats(a.diff.ci95[1])}): *${a.verdict}*`,
    );
    expect(readme).toContain(`${nats(b.diff.mean)} left at the end`);
    expect(b.verdict).toBe('not reproduced');
    expect(readme).toContain(
      `${times(c.diff.mean)} (95% CI ${times(c.diff.ci95[0])} to ${times(c.diff.ci95[1])}): *${c.verdict}*`,
    );
  });

  it('quotes the budget axis as public/runs/budget/report.json has it', () => {
    type Effect = { verdict: string; detail: string | null; diff: { mean: number; ci95: [number, number] } };
    const report = JSON.parse(readFileSync(join(ROOT, 'public/runs/budget/report.json'), 'utf8')) as {
      effects: Record<string, Effect>;
    };
    const { image_loss: a, caption_gap: b, forgetting: c } = report.effects;
    const signed = (x: number) => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(3)}`;
    const plain = (x: number) => x.toFixed(3).replace('-', '−');
    expect(readme).toContain(`${signed(a.diff.mean)} (95% CI ${plain(a.diff.ci95[0])} to ${plain(a.diff.ci95[1])})`);
    expect(readme).toContain(`pre-training *${a.detail}*`);
    expect(readme).toContain(`B ${b.verdict}`);
    expect(readme).toContain(`C ×${Math.round(Math.exp(c.diff.mean)).toLocaleString('en-US')}`);
  });

  it('quotes the frozen runs as public/runs/frozen/report.json has them', () => {
    type Effect = { diff: { mean: number; ci95: [number, number] } };
    const report = JSON.parse(readFileSync(join(ROOT, 'public/runs/frozen/report.json'), 'utf8')) as {
      otherArms: { image_loss: Record<string, Effect> };
    };
    const flat = readme.replace(/\s+/g, ' '); // the README wraps its lines anywhere
    const plain = (x: number) => x.toFixed(3).replace('-', '−');
    const quoted = (pair: string) => {
      const { mean, ci95 } = report.otherArms.image_loss[pair].diff;
      return `${plain(mean)} (95% CI ${plain(ci95[0])} to ${plain(ci95[1])})`;
    };
    expect(flat).toContain(`a frozen random one on image tokens by ${quoted('pretrained-frozen vs scratch-frozen')}`);
    expect(flat).toContain(`frozen, by ${quoted('pretrained-shuffled-frozen vs scratch-frozen')}`);
    expect(flat).toContain(`at the end ${quoted('pretrained-frozen vs pretrained-shuffled-frozen')}`);
  });

  it('quotes the image-only pair and the English mix as public/runs/other-arms has them', () => {
    type Diff = { mean: number; ci95: [number, number] };
    const dir = join(ROOT, 'public/runs/other-arms');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
      effects: { forgetting: { ratio: Diff } };
      otherArms: { image_loss: Record<string, { diff: Diff }>; forgetting: Record<string, { ratio: Diff }> };
    };
    const flat = readme.replace(/\s+/g, ' ');
    const nats = (x: number) => (x < 0 ? '−' : '+') + Math.abs(x).toFixed(3);
    const pair = report.otherArms.image_loss['image-only-pretrained vs image-only-scratch'].diff;
    expect(flat).toContain(
      `beats a random one by ${nats(pair.mean)} (95% CI ${nats(pair.ci95[0])} to ${nats(pair.ci95[1])})`,
    );
    const mix = report.otherArms.forgetting['pretrained-mix'].ratio;
    const x = (v: number) => `×${v.toFixed(2)}`;
    expect(flat).toContain(`${x(mix.mean)} (95% CI ${x(mix.ci95[0])} to ${x(mix.ci95[1])})`);
    expect(flat).toContain(`instead of ×${Math.round(report.effects.forgetting.ratio.mean)}`);
    // The mix's cost is scripts/arm-diff.ts's paired difference on the same metrics.csv.
    const cost = armDiff(
      parseMetricsCsv(readFileSync(join(dir, 'metrics.csv'), 'utf8')),
      'pretrained-mix',
      'pretrained',
      'val/image_loss',
    );
    expect(flat).toContain(`${nats(cost.mean)} (95% CI ${nats(cost.ci95![0])} to ${nats(cost.ci95![1])})`);
  });
});
