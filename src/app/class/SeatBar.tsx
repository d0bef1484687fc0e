// A class seat's line beside the tour button in the title row (docs/class.md): "Seat 7 of this class's setup", the
// setup fingerprint the teacher reads off each screen, and "Share my run", which downloads this run's result card — at
// the end of the run or on demand mid-run (the card then holds the steps reached so far). Shown for a `?seat=` link,
// and for any run once its setup is prepared.
import { cardFileName, makeCard } from '../../core/experiment/card';
import { fingerprintOf } from '../../core/experiment/fingerprint';
import { useClassStore } from '../class-store';
import { download } from '../download';
import { useAppStore } from '../store';

export function SeatBar() {
  const { seat, identity, config } = useClassStore();
  const records = useAppStore((s) => s.run.records);
  const finished = useAppStore((s) => s.run.finished);
  const backend = useAppStore((s) => s.device.choice?.backend ?? 'unknown');
  if (seat === null && !identity) return null;
  const share = () => {
    if (!identity || !config) return;
    const meta = finished?.report.meta ?? {};
    const card = makeCard({
      identity,
      config,
      seat,
      records,
      engine: 'tfjs',
      backend,
      origin: 'page',
      valImages: typeof meta.valImages === 'number' ? meta.valImages : null,
      stopped: Array.isArray(meta.stopped) ? (meta.stopped as string[]) : [],
      quality: finished?.quality ?? null,
    });
    download(cardFileName(card), new TextEncoder().encode(JSON.stringify(card) + '\n'), 'application/json');
  };
  const fp = identity ? fingerprintOf(identity) : null;
  return (
    <div className="seat-bar" data-testid="seat-bar">
      {seat !== null && <strong data-testid="seat-label">Seat {seat} of this class&apos;s setup</strong>}{' '}
      <span>
        setup fingerprint <code data-testid="fingerprint">{fp ?? 'known once the run is prepared'}</code>
      </span>{' '}
      <button
        type="button"
        className="secondary"
        onClick={share}
        disabled={!identity || !records.length}
        data-testid="share-run"
        title="Download this run's result card for the teacher to pool (docs/class.md)"
      >
        Share my run
      </button>
    </div>
  );
}
