// The guided tour for a classroom: ten steps through the paper's argument on the live page. Each step opens its panel,
// scrolls what it names into view below the sticky strip, outlines it, and places its own box where it covers nothing
// of it (beside it when there is room, else under or over it). Its sentences are built from what the page shows —
// the recorded verdicts, the analysis figures, the arms' colours — so the text matches the screen.
import { useLayoutEffect, useRef, useState } from 'react';
import { armStyle } from '../../core/experiment/palette';
import { captionSentence, explainedShare, wordLikeSentence } from '../analysis-text';
import type { Analysis } from '../../worker/protocol';
import { useAppStore } from '../store';
import type { RecordedRun } from '../store/runs';
import type { Panel } from '../store/ui';

/** What the tour's sentences are built from. */
interface Seen {
  recorded: RecordedRun | null;
  analysis: Analysis | null;
  live: boolean;
  preset: string;
}

interface Step {
  panel: Panel;
  /** CSS selectors, comma-separated, of what the step names: the first selector that matches wins (not document order). */
  target: string;
  title: string;
  text: (s: Seen) => string;
}

const colour = (arm: string) => armStyle(arm).name;

export const TOUR: Step[] = [
  {
    panel: 'experiment',
    target: '[data-testid="question"]',
    title: 'The question',
    text: () =>
      'Large language models know a lot about text. If we teach one to draw — by writing an image as a sequence of tokens after its caption — does all that reading help? Zhang et al. (2023) found: no. This page lets you check that yourself, at small scale, in this browser.',
  },
  {
    panel: 'experiment',
    target: '[data-testid="recorded-answer"]',
    title: 'The answer a recorded run gave',
    text: (s) =>
      `A run made earlier with this page's code (${s.recorded?.finished?.report.seeds ?? 3} seeds) gives a verdict on each of the paper's three effects. “Reproduced” means it agrees with the paper; the 95% interval says how sure it is.`,
  },
  {
    panel: 'data',
    target: '[data-testid="data-grid"], [data-testid="panel-data"] .card',
    title: 'Captions and images',
    text: () =>
      'The training data: small emoji, each with a caption. Pick a caption level to see how much a caption says. You can also drop your own folder of images with a captions.csv here.',
  },
  {
    panel: 'tokenizer',
    target: '[data-testid="vq-reconstructions"]',
    title: 'What image tokens are',
    text: () =>
      'A VQ-VAE cuts every 32×32 image into an 8×8 grid of codes from a “vocabulary” of 512. Those 64 codes are the image tokens. In this picture rows 1 and 3 are real emoji; under each, rows 2 and 4 show what the decoder rebuilds from its 64 codes — close, not perfect.',
  },
  {
    panel: 'experiment',
    target: '[data-testid="your-run"]',
    title: 'Two students',
    text: (s) =>
      `Two copies of the same small GPT learn [caption][image tokens]: one pre-trained on English (novels, the Bible, speeches, dictionary glosses), one from random weights — a blank slate (tabula rasa). Same data, same order, same steps. Press Play (${s.preset} setup) to start; Pause and Step act after the step in progress.`,
  },
  {
    panel: 'experiment',
    target: '[data-testid="chart-image-loss"]',
    title: 'Watch the image tokens',
    text: () =>
      `If reading English helped, the ${colour('pretrained')} line (pre-trained) would end lower than the ${colour('scratch')} one (scratch). The dotted lines are the recorded run, so you know the shape to expect.`,
  },
  {
    panel: 'experiment',
    target: '[data-testid="chart-caption-loss"]',
    title: 'The caption head start',
    text: () =>
      `On caption tokens the pre-trained arm (${colour('pretrained')}) knows words, so it starts lower. Does that head start vanish as the blank slate (${colour('scratch')}) learns, as the paper found, or last?`,
  },
  {
    panel: 'experiment',
    target: '[data-testid="chart-english"]',
    title: 'Forgetting',
    text: () =>
      `Ordinary English perplexity: does the pre-trained model (${colour('pretrained')}) forget English while it learns pictures? Higher is worse.`,
  },
  {
    panel: 'samples',
    target: '[data-testid="samples-live"], [data-testid="samples-recorded"]',
    title: 'What they draw',
    text: (s) =>
      s.live
        ? 'At every evaluation each arm draws the same held-out captions, under the real images. Early on both draw noise; later colours and shapes appear.'
        : 'Before your run, these are the recorded run’s drawings at its end: held-out captions, the real images, then each arm’s. Your run’s appear above them at each evaluation.',
  },
  {
    panel: 'analysis',
    target: '[data-testid="word-like"]',
    title: 'Why it might not help',
    text: (s) => {
      const a = s.analysis ?? s.recorded?.finished?.analysis;
      if (!a) return 'The figures appear once the recorded analysis is loaded.';
      return `The previous token explains ${explainedShare(a.imageTokens).toFixed(0)}% of an image token's entropy and ${explainedShare(a.englishTokens).toFixed(0)}% of an English token's. ${wordLikeSentence(a)}${a.captionPerplexity ? ` ${captionSentence(a.captionPerplexity)}` : ''}`;
    },
  },
  {
    panel: 'report',
    target: '[data-testid="verdict-recorded"]',
    title: 'The verdict',
    text: () =>
      'The recorded run’s verdicts stay here; your run’s appear under them when it finishes, and an undecided one says why. Export the report, the metrics or the trained weights below.',
  },
];

type Place = { position: 'fixed' | 'absolute'; top: number; left: number; maxHeight?: number };

/** The element of the first selector in `selectors` (comma-separated, in order of preference) that matches. */
export function firstTarget(selectors: string, root: ParentNode = document): Element | null {
  for (const s of selectors.split(',')) {
    const el = root.querySelector(s.trim());
    if (el) return el;
  }
  return null;
}

/**
 * Where the box goes so that it never covers the target: beside it when there is room; else under or over it, at its right end, when
 * target and box fit on the screen together (viewport pixels, fixed); else — a target taller than the screen less the
 * box, as on a phone — in the page just above the target (page pixels), scrolled to the top with the target after it.
 */
export function place(
  target: DOMRect,
  box: { width: number; height: number },
  vw: number,
  vh: number,
  topLimit: number,
  scrollY: number,
): Place {
  const gap = 12;
  const top = Math.max(topLimit, Math.min(target.top, vh - box.height - gap));
  if (vw - target.right >= box.width + 2 * gap) return { position: 'fixed', top, left: target.right + gap };
  if (target.left >= box.width + 2 * gap) return { position: 'fixed', top, left: target.left - box.width - gap };
  // Under or over a wide target the box keeps to its right end: the controls a step talks about sit at the left
  // (the caption levels above the data grid were hidden under a left-aligned box).
  const left = Math.max(gap, Math.min(target.right - box.width, vw - box.width - gap));
  if (vh - target.bottom - gap >= box.height + gap) return { position: 'fixed', top: target.bottom + gap, left };
  if (target.top - topLimit >= box.height + gap) return { position: 'fixed', top: target.top - gap - box.height, left };
  return { position: 'absolute', top: Math.max(scrollY, scrollY + target.top - gap - box.height), left };
}

export function Tour() {
  const step = useAppStore((s) => s.ui.tour);
  const recorded = useAppStore((s) => s.recorded);
  const analysis = useAppStore((s) => s.run.finished?.analysis ?? null);
  const live = useAppStore((s) => s.run.live !== null);
  const preset = useAppStore((s) => s.config.preset);
  const ref = useRef<HTMLElement>(null);
  const [pos, setPos] = useState<Place>({ position: 'fixed', top: 80, left: 12 });
  const { setTour, setPanel } = useAppStore.getState();
  const t = step === null ? null : TOUR[step];

  useLayoutEffect(() => {
    if (!t) return;
    setPanel(t.panel);
    let el: Element | null = null;
    let frame = 0;
    let tries = 0;
    let observer: ResizeObserver | null = null;
    /** Height of the sticky device strip, which covers the top of the screen once the page scrolls past it (else 0). */
    const stripHeight = () => {
      const bar = document.querySelector('[data-testid="device-strip"]');
      return bar && getComputedStyle(bar).position === 'sticky' ? bar.getBoundingClientRect().height : 0;
    };
    const measure = () => {
      const box = ref.current?.getBoundingClientRect();
      return { width: box?.width ?? 400, height: box?.height ?? 240 };
    };
    const started = performance.now();
    /** Scroll the target into place (under the strip; leaving room for the box), then place the box. */
    const scrollAndPlace = (target: Element) => {
      const box = measure();
      const vh = window.innerHeight;
      const vw = document.documentElement.clientWidth;
      const limit = stripHeight() + 8;
      const r0 = target.getBoundingClientRect();
      const beside = vw - r0.right >= box.width + 24 || r0.left >= box.width + 24;
      const together = r0.height + box.height + 36 <= vh - limit;
      // The target under the strip (beside, or with the box under it), else the box above the target at the top.
      const want = beside
        ? limit + 4
        : together
          ? Math.max(limit + 4, (vh - limit - r0.height - box.height - 12) / 2 + limit)
          : limit + box.height + 20;
      window.scrollTo({ top: Math.max(0, window.scrollY + r0.top - want), behavior: 'instant' as ScrollBehavior });
      placeNow(target);
    };
    const placeNow = (target: Element) => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() =>
        setPos(
          place(
            target.getBoundingClientRect(),
            measure(),
            document.documentElement.clientWidth,
            window.innerHeight,
            stripHeight() + 8,
            window.scrollY,
          ),
        ),
      );
    };
    /** Outline the target, scroll it into place and keep the box beside it. */
    const attach = (target: Element) => {
      observer?.disconnect();
      el?.classList.remove('tour-target');
      el = target;
      target.classList.add('tour-target');
      scrollAndPlace(target);
      // What loads late (an image above or in the target, a chart filling in) moves things: in the step's first
      // seconds the target is scrolled into place again; later (the user may be scrolling) only the box follows.
      observer = new ResizeObserver(() =>
        performance.now() - started < 3000 ? scrollAndPlace(target) : placeNow(target),
      );
      observer.observe(target);
      observer.observe(document.body);
    };
    const preferred = t.target.split(',')[0];
    let poll = 0;
    const settle = () => {
      const found = firstTarget(t.target);
      if (!found && tries++ < 120) {
        frame = requestAnimationFrame(settle);
        return;
      }
      if (!found) return;
      attach(found);
      // A fallback stands in until the preferred target renders (the data grid, once the images are read): then the
      // tour moves to it.
      if (!found.matches(preferred)) {
        const until = performance.now() + 15_000;
        poll = window.setInterval(() => {
          const better = document.querySelector(preferred);
          if (better) attach(better);
          if (better || performance.now() > until) clearInterval(poll);
        }, 250);
      }
    };
    frame = requestAnimationFrame(settle);
    return () => {
      cancelAnimationFrame(frame);
      clearInterval(poll);
      observer?.disconnect();
      el?.classList.remove('tour-target');
    };
  }, [t, setPanel]);

  if (step === null || !t) return null;
  return (
    <aside
      ref={ref}
      className="tour"
      role="dialog"
      aria-label="Guided tour"
      data-testid="tour"
      data-step={step}
      data-target={t.target}
      style={pos}
    >
      <p className="muted small">
        Tour · {step + 1} of {TOUR.length}
      </p>
      <h3>{t.title}</h3>
      <p data-testid="tour-text">{t.text({ recorded, analysis, live, preset })}</p>
      <div className="row">
        <button type="button" className="secondary" disabled={step === 0} onClick={() => setTour(step - 1)}>
          Back
        </button>
        {step < TOUR.length - 1 ? (
          <button type="button" onClick={() => setTour(step + 1)} data-testid="tour-next">
            Next
          </button>
        ) : (
          <button type="button" onClick={() => setTour(null)}>
            Done
          </button>
        )}
        <button type="button" className="link" onClick={() => setTour(null)}>
          Close
        </button>
      </div>
    </aside>
  );
}
