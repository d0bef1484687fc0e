// The first screen's samples: for the same held-out captions, the real image beside what each compared arm drew —
// the live run's latest evaluation once it has one (refreshed at every evaluation), the recorded run's before — and
// one plain line on what the small model can and cannot draw.
import type { SampleSet } from '../../worker/protocol';
import type { RecordedSamples } from '../recorded-samples';
import { PictureView } from './PictureView';

/** Captions shown on the first screen (the Samples tab has them all). */
const COLUMNS = 4;
const ROWS = ['real', 'pretrained', 'scratch'];
const LABEL: Record<string, string> = { real: 'real', pretrained: 'read English', scratch: 'started blank' };

export function FirstSamples({ live, recorded }: { live: SampleSet | null; recorded: RecordedSamples | null }) {
  if (!live && !recorded) return <p className="muted small">Loading the samples…</p>;
  const captions = (live?.captions ?? recorded!.captions).slice(0, COLUMNS);
  return (
    <figure
      className="first-samples"
      data-testid="first-samples"
      data-source={live ? 'live' : 'recorded'}
      data-step={live?.step ?? ''}
    >
      <figcaption className="small">
        <strong>What each model draws for the same caption</strong>{' '}
        <span className="muted">
          {live ? `your run at step ${live.step}, refreshed at every evaluation` : 'the recorded run at its end'}, for
          captions it never trained on
        </span>
      </figcaption>
      <table className="samples first">
        <thead>
          <tr>
            <th />
            {captions.map((c, i) => (
              <th key={i} className="small" scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {ROWS.map((name) => {
            const liveRow = live?.rows.find((r) => r.name === name);
            const recRow = recorded?.rows.find((r) => r.name === name);
            if (live ? !liveRow : !recRow) return null;
            return (
              <tr key={name} data-row={name}>
                <th className="small" scope="row">
                  {LABEL[name]}
                </th>
                {captions.map((c, i) => (
                  <td key={i}>
                    {liveRow ? (
                      <PictureView picture={liveRow.pictures[i]} scale={1.5} title={`${LABEL[name]}: ${c}`} />
                    ) : (
                      <img
                        src={recRow!.urls[i]}
                        alt={`${LABEL[name]}: ${c}`}
                        title={`${LABEL[name]}: ${c}`}
                        width={48}
                        height={48}
                      />
                    )}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted small" data-testid="samples-plainly">
        Said plainly: models this small, trained for minutes, draw blobs in roughly the right colours, not recognisable
        emoji — both of them. The loss chart shows the difference first.
      </p>
    </figure>
  );
}
