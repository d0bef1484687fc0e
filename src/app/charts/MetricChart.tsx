// One live chart: per arm a faint raw mean, the smoothed mean with its seed band, and the recorded run's curve
// dotted behind (frozen arms dashed; colours from palette.ts, their dark-scheme twins when the page is dark); axes follow the UI settings (x as step/tokens/seconds, log x/y). One legend serves all charts
// (ChartLegend), which keeps each chart's render small.
import { memo, useMemo, useRef } from 'react';
import { useThrottled, useVisible } from '../use-throttled';
import { Area, CartesianGrid, ComposedChart, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricRecord } from '../../worker/protocol';
import { useAppStore } from '../store';
import { useDarkScheme } from '../media';
import { armColour, armDash, armSeries } from './build';
import { TOOLTIP_PROPS } from './tooltip';

interface Props {
  title: string;
  metric: string;
  unit: string;
  records: MetricRecord[];
  recorded: MetricRecord[] | null;
  transform?: (v: number) => number;
  testId?: string;
  /** One sentence on what to look for. */
  hint?: string;
  /** Position among the charts on the page: staggers their updates. */
  index?: number;
  /** A schedule (the learning rate): drawn as logged, never smoothed. */
  schedule?: boolean;
}

/** Short tick labels: 0, 0.002, 3.5, 42, 1.2k, 3.4M. */
export function fmt(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(a >= 1e4 ? 0 : 1)}k`;
  if (a >= 10 || Number.isInteger(v)) return v.toFixed(0);
  if (a >= 0.01) return v.toFixed(2);
  return v.toExponential(0);
}

const NO_RECORDS: MetricRecord[] = [];
/** The recorded run behind the live one: dotted (a frozen arm's own line is dashed). */
const RECORDED_DASH = '1 3';

/** Follows the live and recorded records once a second (staggered by position, paused while off screen) and draws them. */
export function MetricChart(props: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const visible = useVisible(ref);
  const offset = 110 * (props.index ?? 0);
  // Live records follow while on screen; the recorded run (loaded once) always comes through, staggered.
  const records = useThrottled(props.records, 1000, offset, visible, NO_RECORDS);
  const recorded = useThrottled(props.recorded, 0, offset, true, null);
  return (
    <div ref={ref} className="chart-slot">
      <ChartBody {...props} records={records} recorded={recorded} />
    </div>
  );
}

/** Tooltip values to three significant figures (a learning rate of 0.0002 stays 0.0002). */
const tip = (v: unknown) =>
  typeof v === 'number'
    ? Number(v.toPrecision(3)).toString()
    : Array.isArray(v)
      ? v.map((x) => Number(Number(x).toPrecision(3))).join(' – ')
      : String(v);

const ChartBody = memo(function ChartBody({
  title,
  metric,
  unit,
  records,
  recorded,
  transform,
  testId,
  hint,
  schedule,
}: Props) {
  const ui = useAppStore((s) => s.ui);
  const dark = useDarkScheme();
  const colour = (arm: string) => armColour(arm, dark);
  const smoothing = schedule ? 0 : ui.smoothing;
  const opts = useMemo(
    () => ({ x: ui.xAxis, smoothing, logX: ui.logX, logY: ui.logY, budget: 1500, transform }),
    [ui.xAxis, smoothing, ui.logX, ui.logY, transform],
  );
  const live = useMemo(() => armSeries(records, metric, opts), [records, metric, opts]);
  const behind = useMemo(
    () => (recorded && ui.showRecorded ? armSeries(recorded, metric, { ...opts, smoothing: 0 }) : []),
    [recorded, ui.showRecorded, metric, opts],
  );
  const points = live.reduce((s, a) => s + a.raw.length, 0);
  // Fewer SVG series means a cheaper render: no band with one seed, no separate raw line when nothing is smoothed.
  const banded = live.some((a) => a.smooth.some((p) => p.n > 1));
  const xLabel = ui.xAxis === 'step' ? 'step' : ui.xAxis === 'tokens' ? 'tokens trained on' : 'seconds';
  return (
    <figure
      className="chart"
      data-testid={testId}
      data-points={points}
      data-arms={live.map((a) => a.arm).join(',')}
      data-recorded={behind.length}
      data-smoothing={smoothing}
    >
      <figcaption>
        <strong>{title}</strong>{' '}
        <span className="muted small">
          {unit}
          {schedule ? ' · as logged, not smoothed' : ''}
        </span>
        {hint && <div className="muted small">{hint}</div>}
      </figcaption>
      <div className="chart-body">
        {points === 0 && behind.length === 0 ? (
          <p className="muted small empty">No points yet.</p>
        ) : (
          <ResponsiveContainer width="100%" height={220}>
            <ComposedChart margin={{ top: 6, right: 12, bottom: 4, left: 0 }}>
              <CartesianGrid stroke="#eee" />
              <XAxis
                dataKey="x"
                type="number"
                scale={ui.logX ? 'log' : 'linear'}
                domain={['dataMin', 'dataMax']}
                allowDataOverflow
                tickFormatter={fmt}
                fontSize={11}
                label={{ value: xLabel, position: 'insideBottomRight', offset: -2, fontSize: 10 }}
              />
              <YAxis
                type="number"
                scale={ui.logY ? 'log' : 'linear'}
                domain={['auto', 'auto']}
                allowDataOverflow
                tickFormatter={fmt}
                fontSize={11}
                width={48}
              />
              <Tooltip {...TOOLTIP_PROPS} formatter={tip} labelFormatter={(x) => `${xLabel} ${fmt(Number(x))}`} />
              {behind.map((a) => (
                <Line
                  key={`rec-${a.arm}`}
                  data={a.raw}
                  dataKey="y"
                  name={`${a.arm} (recorded cpu run)`}
                  stroke={colour(a.arm)}
                  strokeOpacity={0.6}
                  strokeWidth={1.5}
                  strokeDasharray={RECORDED_DASH}
                  dot={false}
                  isAnimationActive={false}
                />
              ))}
              {banded &&
                live.map((a) => (
                  <Area
                    key={`band-${a.arm}`}
                    data={a.smooth}
                    dataKey={(p: { lo: number; hi: number }) => [p.lo, p.hi]}
                    name={`${a.arm} seed range`}
                    stroke="none"
                    fill={colour(a.arm)}
                    fillOpacity={0.15}
                    isAnimationActive={false}
                    legendType="none"
                  />
                ))}
              {smoothing > 0 &&
                live.map((a) => (
                  <Line
                    key={`raw-${a.arm}`}
                    data={a.raw}
                    dataKey="y"
                    name={`${a.arm} raw`}
                    stroke={colour(a.arm)}
                    strokeDasharray={armDash(a.arm)}
                    strokeOpacity={0.25}
                    dot={false}
                    isAnimationActive={false}
                    legendType="none"
                  />
                ))}
              {live.map((a) => (
                <Line
                  key={`ema-${a.arm}`}
                  data={a.smooth}
                  dataKey="mean"
                  name={a.arm}
                  stroke={colour(a.arm)}
                  strokeDasharray={armDash(a.arm)}
                  strokeWidth={2}
                  dot={false}
                  isAnimationActive={false}
                />
              ))}
            </ComposedChart>
          </ResponsiveContainer>
        )}
      </div>
    </figure>
  );
});

/** The legend shared by the charts: one colour per arm, and what the line styles mean. */
export function ChartLegend({ arms }: { arms: string[] }) {
  const dark = useDarkScheme();
  return (
    <p className="legend small" data-testid="chart-legend">
      {arms.map((a) => (
        <span key={a} data-arm={a}>
          <svg width="22" height="6" aria-hidden="true">
            <line
              x1="0"
              x2="22"
              y1="3"
              y2="3"
              stroke={armColour(a, dark)}
              strokeWidth="3"
              strokeDasharray={armDash(a)}
            />
          </svg>{' '}
          {a}
        </span>
      ))}
      <span className="muted">
        thick: smoothed mean over seeds · shaded: seed range · faint: raw · dashed: a frozen body · dotted: the recorded
        cpu run
      </span>
    </p>
  );
}
