// The app shell. The first screen answers the question: the question itself, the recorded run's verdict on the three
// effects and the controls to run it yourself; the backend in one line (its details behind "why?") and the device
// strip; then the six panels as WAI-ARIA tabs, the tour and the self-test. It gets the Controller (which owns the worker),
// restores the last run from IndexedDB, loads the recorded cpu run (report, metrics, samples) and the longer, frozen and other arms' runs'
// reports, and keeps the whole setup — dataset and LM included — in the URL.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { parseMetricsCsv } from '../core/experiment/metrics-csv';
import type { Analysis, Quality, Report } from '../worker/protocol';
import { BackendBanner } from './components/BackendBanner';
import { DeviceStrip } from './components/DeviceStrip';
import { Lesson } from './components/Lesson';
import { SelfTest } from './components/SelfTest';
import { Tour } from './components/Tour';
import type { Controller } from './controller';
import { ControllerContext } from './controller-context';
import { prefetchSummary } from './data-summaries';
import { AnalysisPanel } from './panels/AnalysisPanel';
import { DataPanel } from './panels/DataPanel';
import { ExperimentPanel } from './panels/ExperimentPanel';
import { ReportPanel } from './panels/ReportPanel';
import { SamplesPanel } from './panels/SamplesPanel';
import { TokenizerPanel } from './panels/TokenizerPanel';
import { useAppStore } from './store';
import { seatFromQuery, useClassStore } from './class-store';
import { SeatBar } from './class/SeatBar';
import { seedOfSeat } from '../core/experiment/card';
import { setupFromQuery, setupQuery } from './store/config';
import { parseRecordedSamples } from './recorded-samples';
import { PANELS, type Panel } from './store/ui';

const RECORDED = `${import.meta.env.BASE_URL}runs/cpu/`;
/** The same setup at 4× the steps (issue 26 b), shown beside the recorded answer when it loads. */
const LONGER = `${import.meta.env.BASE_URL}runs/budget/report.json`;
const FROZEN = `${import.meta.env.BASE_URL}runs/frozen/report.json`;
/** The image-only pair and the English mix (issue 26 c). */
const OTHERS = `${import.meta.env.BASE_URL}runs/other-arms/report.json`;

const TITLES: Record<Panel, string> = {
  data: 'Data',
  tokenizer: 'Tokenizer',
  experiment: 'Experiment',
  samples: 'Samples',
  analysis: 'Analysis',
  report: 'Report',
};

async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r;
}

async function loadRecorded(): Promise<void> {
  const [csv, report, sections, longer, frozen, others] = await Promise.all([
    fetchOk(`${RECORDED}metrics.csv`).then((r) => r.text()),
    fetchOk(`${RECORDED}report.json`).then((r) => r.json() as Promise<Report>),
    fetchOk(`${RECORDED}sections.html`).then(
      (r) => r.text(),
      () => '',
    ),
    // The longer, frozen and other arms' runs are additions: without them (a fork that removed them, a failed fetch)
    // the first screen is the same.
    // A dev server answers a missing file with index.html (200), so an unreadable body counts as absent too.
    ...[LONGER, FROZEN, OTHERS].map((url) =>
      fetchOk(url)
        .then((r) => r.json() as Promise<Report>)
        .catch(() => null),
    ),
  ]);
  const meta = report.meta as { analysis: Analysis; quality: Quality | null };
  const steps = report.config?.steps;
  useAppStore.getState().setRecorded({
    label: `${report.preset} run (${report.seeds} seeds × ${steps} steps, ${String(report.meta.backend ?? '')})`,
    records: parseMetricsCsv(csv, 'runs/cpu/metrics.csv'),
    finished: { report, analysis: meta.analysis, quality: meta.quality, imageLossByPosition: {} },
    samples: parseRecordedSamples(sections),
    longer,
    frozen,
    others,
  });
}

/** One line in the footer once the service worker has kept the whole site (src/app/offline.ts). */
function OfflineNote() {
  const [state, setState] = useState(() => document.documentElement.dataset.offline ?? '');
  useEffect(() => {
    const on = () => setState(document.documentElement.dataset.offline ?? '');
    window.addEventListener('tabula-rasa-offline', on);
    return () => window.removeEventListener('tabula-rasa-offline', on);
  }, []);
  if (state !== 'ready' && state !== 'partial') return null;
  return (
    <p data-testid="offline-note">
      {state === 'ready'
        ? 'This site is kept in this browser for offline use: it runs without a network from now on.'
        : `Part of this site is kept for offline use (${document.documentElement.dataset.offlineFiles ?? ''} files); reload online to finish.`}
    </p>
  );
}

/**
 * The panels' tabs, as the WAI-ARIA tabs pattern has them (automatic activation): one tablist; each tab names the
 * tabpanel it controls; only the selected tab is in the Tab order; Left/Right (wrapping), Home and End move focus to
 * a tab and select it. https://www.w3.org/WAI/ARIA/apg/patterns/tabs/
 */
function PanelTabs({ panel, onSelect }: { panel: Panel; onSelect: (p: Panel) => void }) {
  const refs = useRef(new Map<Panel, HTMLButtonElement>());
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = PANELS.indexOf(panel);
    const next = (
      {
        ArrowRight: PANELS[(i + 1) % PANELS.length],
        ArrowLeft: PANELS[(i - 1 + PANELS.length) % PANELS.length],
        Home: PANELS[0],
        End: PANELS[PANELS.length - 1],
      } as Record<string, Panel | undefined>
    )[e.key];
    if (!next) return;
    e.preventDefault();
    onSelect(next);
    refs.current.get(next)?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label="Panels" onKeyDown={onKeyDown}>
      {PANELS.map((p) => (
        <button
          key={p}
          ref={(el) => {
            if (el) refs.current.set(p, el);
            else refs.current.delete(p);
          }}
          type="button"
          role="tab"
          id={`tab-${p}`}
          aria-selected={panel === p}
          aria-controls={panel === p ? `panel-${p}` : undefined}
          tabIndex={panel === p ? 0 : -1}
          className={panel === p ? 'tab active' : 'tab'}
          onClick={() => onSelect(p)}
          data-testid={`tab-${p}`}
        >
          {TITLES[p]}
        </button>
      ))}
    </div>
  );
}

/** The setup and open panel from the URL at load; afterwards every change is written back (replaceState). */
function useUrlState(): void {
  useEffect(() => {
    const s = useAppStore.getState();
    const { config, basePreset, dataset, ignored, chosen } = setupFromQuery(window.location.search);
    // A class link's seat runs one seed of the link's setup (docs/class.md).
    const seat = seatFromQuery(window.location.search);
    useClassStore.getState().setSeat(seat);
    s.loadConfig(
      seat === null ? config : { ...config, seeds: 1, firstSeed: seedOfSeat(seat) },
      basePreset,
      ignored,
      chosen || seat !== null,
    );
    s.setDataset(dataset);
    const fromHash = () => {
      const hash = window.location.hash.slice(1) as Panel;
      if (PANELS.includes(hash) && useAppStore.getState().ui.panel !== hash) useAppStore.getState().setPanel(hash);
    };
    fromHash();
    window.addEventListener('hashchange', fromHash);
    const unsubscribe = useAppStore.subscribe((st, prev) => {
      if (
        st.config === prev.config &&
        st.ui.panel === prev.ui.panel &&
        st.basePreset === prev.basePreset &&
        st.dataset === prev.dataset &&
        st.lm === prev.lm &&
        st.setupChosen === prev.setupChosen
      )
        return;
      const backend = new URLSearchParams(window.location.search).get('backend');
      const seat = useClassStore.getState().seat;
      // An unchosen setup (the device's default) stays out of the link, so a reload decides it afresh.
      const setup = new URLSearchParams(setupQuery(st.config, st.basePreset, st.dataset, st.lm));
      if (!st.setupChosen) setup.delete('preset');
      const q = [
        setup.toString(),
        backend ? `backend=${encodeURIComponent(backend)}` : '',
        seat !== null ? `seat=${seat}` : '',
      ]
        .filter(Boolean)
        .join('&');
      window.history.replaceState(null, '', `${window.location.pathname}${q ? `?${q}` : ''}#${st.ui.panel}`);
    });
    return () => {
      window.removeEventListener('hashchange', fromHash);
      unsubscribe();
    };
  }, []);
}

export function App({ controller }: { controller: Controller }) {
  const panel = useAppStore((s) => s.ui.panel);
  const { setPanel, setTour } = useAppStore.getState();
  useUrlState();

  useEffect(() => {
    void controller.restore();
    const { dataset, config } = useAppStore.getState();
    prefetchSummary(controller, dataset, config.captionLevel);
    loadRecorded().catch((e: Error) =>
      useAppStore.getState().runError(`could not load the recorded run: ${e.message}`),
    );
  }, [controller]);

  return (
    <ControllerContext.Provider value={controller}>
      <div className="page">
        <header>
          <div className="title-row">
            <h1>Tabula Rasa</h1>
            <div className="title-actions">
              {/* The seat line sits beside the tour, not in a row of its own: a row here pushed the lesson's
                  pictures below the fold at 1440×900 while a run was under way (a teacher's trial). */}
              <SeatBar />
              <button type="button" className="secondary" onClick={() => setTour(0)} data-testid="tour-start">
                Take the tour
              </button>
            </div>
          </div>
          <p className="question" data-testid="question">
            Does a language model pre-trained on ordinary English help a transformer learn to draw from captions — or is
            it no better than a blank slate?
          </p>
          <p className="tagline">A small, live replication of Zhang et al. (2023), running in your browser.</p>
        </header>
        <BackendBanner />
        <DeviceStrip />
        <Lesson />
        <PanelTabs panel={panel} onSelect={setPanel} />
        <main>
          <div role="tabpanel" id={`panel-${panel}`} aria-labelledby={`tab-${panel}`}>
            {panel === 'data' && <DataPanel />}
            {panel === 'tokenizer' && <TokenizerPanel />}
            {panel === 'experiment' && <ExperimentPanel />}
            {panel === 'samples' && <SamplesPanel />}
            {panel === 'analysis' && <AnalysisPanel />}
            {panel === 'report' && <ReportPanel />}
          </div>
        </main>
        <SelfTest
          onRun={() => void controller.selfTest()}
          onLoseDevice={() => void controller.loseDevice()}
          onInjectNaN={controller.injectNaN}
        />
        <Tour />
        <footer className="muted small">
          <OfflineNote />
          MIT licensed. Emoji graphics: Twemoji by Twitter, Inc. and other contributors,{' '}
          <a href="https://creativecommons.org/licenses/by/4.0/">CC-BY 4.0</a>; Noto Emoji by Google, Apache-2.0. Text:
          Jane Austen and Herman Melville (public domain). Paper: Zhang, McKinzie, Gan, Shankar, Toshev,{' '}
          <em>Pre-trained Language Models Do Not Help Auto-regressive Text-to-Image Generation</em> (arXiv 2311.16201).
        </footer>
      </div>
    </ControllerContext.Provider>
  );
}
