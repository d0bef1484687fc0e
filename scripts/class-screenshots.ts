/**
 * The teacher view's screenshots in docs/class.md, made as a teacher would make them: it serves the built app (vite
 * build, then vite preview), opens `?teacher` in the system Chromium at 1440×900 (device scale 1), and saves
 * `teacher-empty.png` (no cards yet), picks the class's cards with the file picker and saves `teacher-pooled.png`, then
 * drops the cards to be refused onto the drop zone and saves `teacher-refused.png`; last it presses "Export the class
 * report" and checks that a report.html came down. It prints the page's pooled line, verdicts and refusals.
 *
 *   npx tsx scripts/class-screenshots.ts CARD… [--refuse DIR] [--out docs/img] [--no-build]
 *
 * docs/class.md ("Screenshots") gives the cards: four `replicate --preset smoke --seeds 1 --first-seed K` runs' cards,
 * and for refusal a `--caption-level L4` run's card, a second copy of one seat's card and a card cut short.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseFlags, runCli, UsageError } from '../src/cli/common';

async function main(): Promise<void> {
  const usage = 'usage: npx tsx scripts/class-screenshots.ts CARD… [--refuse DIR] [--out docs/img] [--no-build]';
  const { values, positionals } = parseFlags(
    {
      refuse: {
        type: 'string',
        value: 'DIR',
        description: 'a folder of cards (*.tabula.json) the teacher view must refuse, dropped after the class',
      },
      out: { type: 'string', default: 'docs/img', value: 'DIR', description: 'the folder for the PNGs' },
      'no-build': { type: 'boolean', default: false },
    },
    usage,
    true,
    'Screenshots of the teacher view: empty, with the given cards pooled, and refusing the --refuse cards.',
  );
  if (!positionals.length) throw new UsageError(`give the class's result cards; ${usage}`);
  const refuse = values.refuse
    ? readdirSync(values.refuse)
        .filter((f) => f.endsWith('.tabula.json'))
        .sort()
        .map((f) => join(values.refuse!, f))
    : [];
  // vite and playwright load once the flags are parsed, so --help and a bad flag answer without them.
  const { serveBuiltApp } = await import('../src/cli/browser/chromium');
  const { launch } = await import('../tests/e2e/browser');
  const served = await serveBuiltApp(!values['no-build']);
  const browser = await launch();
  try {
    const ctx = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      deviceScaleFactor: 1,
      acceptDownloads: true,
    });
    const page = await ctx.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(m.text()));
    await page.goto(`${served.url}/?teacher`);
    await page.getByTestId('teacher-view').waitFor();
    // The whole page, or only what the projector shows at the top (the refusals sit right under the line of n), or
    // the page from the line of n down, its margins cut (under 300 KB for the docs).
    const shot = async (name: string, how: 'full' | 'top' | 'from-n' = 'full') => {
      await page.evaluate(() => window.scrollTo(0, 0));
      const top = how === 'from-n' ? ((await page.getByTestId('class-n').boundingBox())?.y ?? 0) - 16 : 0;
      const view = (await page.getByTestId('teacher-view').boundingBox()) ?? { x: 16, width: 1408 };
      const [left, width] = [Math.max(0, view.x - 16), Math.min(1440, view.width + 32)];
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      await page.screenshot({
        path: join(values.out as string, name),
        fullPage: how !== 'top',
        ...(how === 'from-n' ? { clip: { x: left, y: top, width, height: height - top } } : {}),
      });
      console.log(`wrote ${join(values.out as string, name)}`);
    };
    await shot('teacher-empty.png');

    // The file picker, as a teacher clicking "Choose files" would.
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('teacher-files').click()]);
    await chooser.setFiles(positionals);
    const n = page.getByTestId('class-n');
    await page.waitForFunction(
      (k) => /n = (\d+) seed/.exec(document.querySelector('[data-testid="class-n"]')?.textContent ?? '')?.[1] === k,
      String(positionals.length),
      { timeout: 60_000 },
    );
    await page.getByTestId('class-curves').locator('.recharts-line').first().waitFor({ timeout: 30_000 });
    console.log(await n.textContent());
    for (const k of ['A', 'B', 'C']) console.log(await page.getByTestId(`class-verdict-${k}`).innerText());
    console.log(await page.getByTestId('class-power').textContent());
    await shot('teacher-pooled.png', 'from-n');

    if (refuse.length) {
      // Dropped onto the drop zone, as a teacher dragging files from a folder would.
      const files = refuse.map((f) => ({ name: basename(f), text: readFileSync(f, 'utf8') }));
      await page.locator('.teacher .drop').evaluate((el, fs) => {
        const dt = new DataTransfer();
        for (const f of fs) dt.items.add(new File([f.text], f.name, { type: 'application/json' }));
        el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, files);
      await page.waitForFunction(
        (k) => document.querySelectorAll('[data-testid="class-refused"] li').length >= k,
        refuse.length,
        { timeout: 30_000 },
      );
      for (const li of await page.getByTestId('class-refused').locator('li').allInnerTexts())
        console.log(`refused: ${li}`);
      await shot('teacher-refused.png', 'top');
    }

    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('class-export').click()]);
    const html = readFileSync((await dl.path())!, 'utf8');
    if (!html.includes('<h2>Pooled cards</h2>'))
      throw new Error(`the exported ${dl.suggestedFilename()} has no pooled cards`);
    console.log(`exported ${dl.suggestedFilename()} (${html.length} characters)`);
    if (problems.length) throw new Error(`the page reported: ${problems.join(' | ')}`);
  } finally {
    await browser.close();
    await served.close();
  }
}

runCli('class-screenshots', main);
