// Data panel: which images (Twemoji, Noto, or your own zip/folder, validated with every problem listed), the caption
// level with what each level says, and a grid of images with their captions (kept in the page: data-summaries.ts).
import { useEffect, useState } from 'react';
import { LEVELS, type CaptionLevel } from '../../core/data/captions';
import type { DataSummary } from '../../worker/protocol';
import { useController } from '../controller-context';
import { datasetFromDrop, datasetFromFiles } from '../files';
import { dataSummary, rememberSummary } from '../data-summaries';
import { PictureView } from '../components/PictureView';
import { useAppStore } from '../store';

const LEVEL_TEXT: Record<CaptionLevel, string> = {
  L0: 'the category only ("animals & nature, animal mammal") — many images share one caption',
  L1: 'a short name ("leopard")',
  L2: 'the Unicode CLDR name ("woman scientist", "waving hand: medium skin tone") — the default',
  L3: 'a template sentence ("an emoji of a leopard, an animal mammal")',
  L4: 'name and keywords ("leopard: animal, big, cat, predator, zoo") — the longest',
};

export function DataPanel() {
  const c = useController();
  const dataset = useAppStore((s) => s.dataset);
  const level = useAppStore((s) => s.config.captionLevel);
  const setField = useAppStore((s) => s.setField);
  const setDataset = useAppStore((s) => s.setDataset);
  const key = `${JSON.stringify(dataset)}/${level}`;
  const [loaded, setLoaded] = useState<{ key: string; summary: DataSummary | null; error: string | null }>({
    key: '',
    summary: null,
    error: null,
  });
  const [ownBusy, setOwnBusy] = useState(false);
  const [over, setOver] = useState(false);
  const busy = ownBusy || loaded.key !== key;
  const { summary, error } = loaded;

  useEffect(() => {
    let live = true;
    dataSummary(c, dataset, level).then(
      (s) => live && setLoaded({ key, summary: s, error: null }),
      (e: Error) => live && setLoaded({ key, summary: null, error: e.message }),
    );
    return () => {
      live = false;
    };
  }, [c, key, dataset, level]);

  const loadOwn = async (get: () => Promise<{ name: string; zip: Uint8Array }>) => {
    setOwnBusy(true);
    try {
      const { name, zip } = await get();
      const s = await c.loadByod(name, zip, level);
      rememberSummary({ kind: 'byod', name }, level, s);
      setLoaded({ key: `${JSON.stringify({ kind: 'byod', name })}/${level}`, summary: s, error: null });
    } catch (e) {
      // The drop is refused whole: the dataset and its summary below stay what they were, and the message says so.
      const d = useAppStore.getState().dataset;
      const still = d.kind === 'emoji' ? (d.style === 'twemoji' ? 'Twemoji' : 'Noto Emoji') : d.name;
      setLoaded((l) => ({
        ...l,
        error: `${(e as Error).message.replace(/\.$/, '')}. Nothing was loaded from it: the dataset is still ${still}${l.summary ? ' (below)' : ''}.`,
      }));
    } finally {
      setOwnBusy(false);
    }
  };

  /** Files from an input, which is then emptied (a refused pick must not stay shown as if it were loaded). */
  const pick = (input: HTMLInputElement) => {
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length) void loadOwn(() => datasetFromFiles(files));
  };

  return (
    <section className="panel" data-testid="panel-data">
      <div className="card">
        <h2>Images and captions</h2>
        <p className="muted">
          Each training example is a caption followed by the image's tokens. The shipped sets are 3,786 emoji at 32×32
          (1,911 emoji plus skin-tone variants); 10% of the concepts are held out for validation.
        </p>
        <div className="row" role="radiogroup" aria-label="Dataset">
          {(['twemoji', 'noto'] as const).map((style) => (
            <label key={style} className="choice">
              <input
                type="radio"
                name="dataset"
                checked={dataset.kind === 'emoji' && dataset.style === style}
                onChange={() => setDataset({ kind: 'emoji', style })}
              />
              {style === 'twemoji' ? 'Twemoji (CC-BY 4.0)' : 'Noto Emoji (Apache-2.0)'}
            </label>
          ))}
          <label className="choice">
            <input
              type="radio"
              name="dataset"
              checked={dataset.kind === 'byod'}
              disabled={dataset.kind !== 'byod'}
              readOnly
            />
            Your own{dataset.kind === 'byod' ? `: ${dataset.name}` : ' (drop below)'}
          </label>
        </div>
        <div
          className={`dropzone ${over ? 'over' : ''}`}
          data-testid="dropzone"
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => {
            e.preventDefault();
            setOver(false);
            const dt = e.dataTransfer;
            void loadOwn(() => datasetFromDrop(dt));
          }}
        >
          <p>
            <strong>Bring your own:</strong> drop a <code>.zip</code> or a folder of PNG/JPEG/WebP images with{' '}
            <code>captions.csv</code> (<code>file,caption</code>), <code>captions.json</code>, a Hugging Face{' '}
            <code>metadata.csv</code>/<code>metadata.jsonl</code> (<code>file_name,text</code>) or COCO{' '}
            <code>captions_*.json</code>; or a Hub-style <code>.parquet</code> file or <code>data/</code> folder of them
            (an <code>image</code> column and a <code>text</code> column). Images are centre-cropped and resized to
            32×32; bad rows are listed and skipped.
          </p>
          <label className="small">
            or pick a zip or a .parquet{' '}
            <input type="file" accept=".zip,.parquet" data-testid="byod-zip" onChange={(e) => pick(e.target)} />
          </label>{' '}
          <label className="small">
            or a folder <input type="file" {...{ webkitdirectory: '' }} multiple onChange={(e) => pick(e.target)} />
          </label>
        </div>
        {busy && <p className="muted">Loading…</p>}
        {error && (
          <p className="error" role="alert" data-testid="data-error">
            {error}
          </p>
        )}
        {summary && (
          <div data-testid="data-summary" data-images={summary.images}>
            <p>
              <strong>{summary.name}</strong>: {summary.images.toLocaleString()} usable images —{' '}
              {summary.trainImages.toLocaleString()} for training, {summary.valImages.toLocaleString()} held out
              {summary.valImages === 0 && summary.images > 0
                ? ' (under 10 images: validation uses the training images)'
                : ''}
              .
            </p>
            {summary.refused && (
              <p className="error" role="alert">
                Unusable: {summary.refused}
              </p>
            )}
            {summary.problems.length > 0 && (
              <div className="problems" data-testid="data-problems">
                <p>
                  <strong>
                    {summary.problems.length} problem{summary.problems.length === 1 ? '' : 's'}
                  </strong>{' '}
                  — these rows were skipped, the rest loaded:
                </p>
                <ul>
                  {summary.problems.map((p, i) => (
                    <li key={i}>
                      <code>{p.file}</code>
                      {p.row !== undefined && <>, row {p.row}</>}: {p.message} <span className="muted">— {p.fix}</span>
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </div>
        )}
      </div>
      <div className="card">
        <h2>Caption level</h2>
        <p className="muted">
          How much each caption says. Longer captions raise the share of text tokens (the paper's captions are far
          shorter than its 256 image tokens).
        </p>
        <div className="row" role="radiogroup" aria-label="Caption level">
          {LEVELS.map((l) => (
            <label key={l} className="choice" title={LEVEL_TEXT[l]}>
              <input
                type="radio"
                name="level"
                checked={level === l}
                onChange={() => setField('captionLevel', l)}
                disabled={dataset.kind === 'byod'}
              />{' '}
              {l}
            </label>
          ))}
        </div>
        <p className="small">
          <strong>{level}</strong>: {dataset.kind === 'byod' ? 'your captions are used as written' : LEVEL_TEXT[level]}.
        </p>
      </div>
      {summary && summary.preview.length > 0 && (
        <div className="card">
          <h2>A sample of the images</h2>
          <div className="grid" data-testid="data-grid">
            {summary.preview.map((p, i) => (
              <figure key={i} className="cell">
                <PictureView picture={p.picture} scale={2} title={p.caption} />
                <figcaption>{p.caption}</figcaption>
              </figure>
            ))}
          </div>
        </div>
      )}
    </section>
  );
}
