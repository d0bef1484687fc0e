// The first screen's two charts: the held-out image-token loss of both arms along training tokens with their 95%
// intervals, and the difference pretrained − scratch with its interval over the grey ±margin "no real difference"
// zone. The recorded run is drawn dotted (cut to the live run's budget, hidden when the live run uses other images);
// a live run is drawn solid over it, on axes fitted to that run. Numbers come from answer-view.ts.
import { memo, useMemo } from 'react';
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { METRICS } from '../../core/metrics';
import type { MetricRecord } from '../../worker/protocol';
import { diffCurve, evalCurve, fitY, type EvalPoint } from '../answer-view';
import { armColour } from '../charts/build';
import { fmt } from '../charts/MetricChart';
import { TOOLTIP_PROPS } from '../charts/tooltip';
import { useDarkScheme } from '../media';

const ARMS = ['pretrained', 'scratch'] as const;
const RECORDED_DASH = '2 3';
const band = (p: EvalPoint) => [p.lo, p.hi];
const tip = (v: unknown) =>
  Array.isArray(v)
    ? v.map((x) => Number(Number(x).toPrecision(3))).join(' to ')
    : typeof v === 'number'
      ? Number(v.toPrecision(3)).toString()
      : String(v);

export interface AnswerData {
  /** The live run's records (empty before Play). */
  live: MetricRecord[];
  /** The recorded run's records, or null when hidden (other images). */
  recorded: MetricRecord[] | null;
  /** The x range's end: the live run's planned tokens, or the recorded run's. */
  xMax: number;
  margin: number;
}

function Frame({
  testId,
  title,
  note,
  points,
  children,
}: {
  testId: string;
  title: string;
  note: string;
  points: number;
  children: React.ReactNode;
}) {
  return (
    <figure className="chart answer-chart" data-testid={testId} data-points={points}>
      <figcaption>
        <strong>{title}</strong> <span className="muted small">{note}</span>
      </figcaption>
      <div className="chart-body">{children}</div>
    </figure>
  );
}

export const AnswerCharts = memo(function AnswerCharts({ live, recorded, xMax, margin }: AnswerData) {
  const dark = useDarkScheme();
  const grid = dark ? '#333' : '#e5e5e5';
  const curves = useMemo(() => {
    const rec = recorded
      ? ARMS.map((a) => ({ arm: a, pts: evalCurve(recorded, METRICS.valImageLoss, a, xMax * 1.001) }))
      : [];
    const run = ARMS.map((a) => ({ arm: a, pts: evalCurve(live, METRICS.valImageLoss, a) })).filter(
      (c) => c.pts.length > 0,
    );
    const recDiff = recorded ? diffCurve(recorded, METRICS.valImageLoss, 'pretrained', 'scratch', xMax * 1.001) : [];
    const runDiff = diffCurve(live, METRICS.valImageLoss, 'pretrained', 'scratch');
    // Fitted to how far the live run has got (or the whole range before one): the early points run off the top.
    const xRef = run.length ? Math.max(...run.flatMap((c) => c.pts.map((p) => p.x))) : xMax;
    const lossY = fitY([...rec.map((c) => c.pts), ...run.map((c) => c.pts)], xRef);
    const diffY = fitY([recDiff, runDiff], xRef, [-1.5 * margin, 1.5 * margin]);
    return { rec, run, recDiff, runDiff, lossY, diffY };
  }, [live, recorded, xMax, margin]);
  const { rec, run, recDiff, runDiff, lossY, diffY } = curves;
  const xAxis = (
    <XAxis
      dataKey="x"
      type="number"
      domain={[0, xMax]}
      allowDataOverflow
      tickFormatter={fmt}
      fontSize={11}
      label={{ value: 'tokens trained on', position: 'insideBottomRight', offset: -2, fontSize: 10 }}
    />
  );
  const livePoints = run.reduce((s, c) => s + c.pts.length, 0);
  const who = run.length ? (rec.length ? 'your run over the recorded one' : 'your run') : 'the recorded run';
  return (
    <div
      className="answer-charts"
      data-testid="answer-charts"
      data-live-points={livePoints}
      data-x-max={Math.round(xMax)}
    >
      <p className="legend small answer-legend">
        {ARMS.map((a) => (
          <span key={a} data-arm={a}>
            <svg width="22" height="6" aria-hidden="true">
              <line x1="0" x2="22" y1="3" y2="3" stroke={armColour(a, dark)} strokeWidth="3" />
            </svg>{' '}
            {a === 'pretrained' ? 'read English first (pretrained)' : 'started blank (scratch)'}
          </span>
        ))}
        {run.length > 0 && <span className="muted">thick: your run · dotted: the recorded run</span>}
      </p>
      <Frame
        testId="answer-loss"
        title="How well each model predicts real images"
        note={`held-out image-token loss (lower is better) · ${who} · shaded: 95% interval`}
        points={livePoints}
      >
        <ResponsiveContainer width="100%" height={250}>
          <ComposedChart margin={{ top: 6, right: 10, bottom: 4, left: 0 }}>
            <CartesianGrid stroke={grid} />
            {xAxis}
            <YAxis type="number" domain={lossY} allowDataOverflow tickFormatter={fmt} fontSize={11} width={40} />
            <Tooltip {...TOOLTIP_PROPS} formatter={tip} labelFormatter={(x) => `${fmt(Number(x))} tokens`} />
            {rec.map((c) => (
              <Area
                key={`rb-${c.arm}`}
                data={c.pts}
                dataKey={band}
                name={`${c.arm} (recorded) 95%`}
                stroke="none"
                fill={armColour(c.arm, dark)}
                fillOpacity={run.length ? 0.08 : 0.18}
                isAnimationActive={false}
              />
            ))}
            {rec.map((c) => (
              <Line
                key={`rl-${c.arm}`}
                data={c.pts}
                dataKey="mean"
                name={`${c.arm} (recorded)`}
                stroke={armColour(c.arm, dark)}
                strokeWidth={run.length ? 1.5 : 2}
                strokeDasharray={run.length ? RECORDED_DASH : undefined}
                strokeOpacity={run.length ? 0.7 : 1}
                dot={false}
                isAnimationActive={false}
              />
            ))}
            {run.map((c) => (
              <Area
                key={`lb-${c.arm}`}
                data={c.pts}
                dataKey={band}
                name={`${c.arm} (yours) 95%`}
                stroke="none"
                fill={armColour(c.arm, dark)}
                fillOpacity={0.2}
                isAnimationActive={false}
              />
            ))}
            {run.map((c) => (
              <Line
                key={`ll-${c.arm}`}
                data={c.pts}
                dataKey="mean"
                name={`${c.arm} (yours)`}
                stroke={armColour(c.arm, dark)}
                strokeWidth={2.5}
                dot={{ r: 2 }}
                isAnimationActive={false}
              />
            ))}
          </ComposedChart>
        </ResponsiveContainer>
      </Frame>
      <Frame
        testId="answer-diff"
        title="The difference: read English − started blank"
        note={`below 0: English helped · grey: ±${margin}, no real difference`}
        points={runDiff.length}
      >
        <ResponsiveContainer width="100%" height={250}>
          <ComposedChart margin={{ top: 6, right: 10, bottom: 4, left: 0 }}>
            <CartesianGrid stroke={grid} />
            {xAxis}
            <YAxis
              type="number"
              domain={diffY}
              allowDataOverflow
              tickFormatter={(v: number) => v.toFixed(2)}
              fontSize={11}
              width={44}
            />
            <Tooltip {...TOOLTIP_PROPS} formatter={tip} labelFormatter={(x) => `${fmt(Number(x))} tokens`} />
            <ReferenceArea
              y1={-margin}
              y2={margin}
              fill={dark ? '#888' : '#999'}
              fillOpacity={0.3}
              stroke="none"
              ifOverflow="hidden"
            />
            <ReferenceLine y={0} stroke={dark ? '#aaa' : '#666'} strokeWidth={1} />
            {recDiff.length > 0 && (
              <Area
                data={recDiff}
                dataKey={band}
                name="recorded 95%"
                stroke="none"
                fill={dark ? '#fff' : '#000'}
                fillOpacity={run.length ? 0.06 : 0.15}
                isAnimationActive={false}
              />
            )}
            {recDiff.length > 0 && (
              <Line
                data={recDiff}
                dataKey="mean"
                name="recorded"
                stroke={dark ? '#ddd' : '#222'}
                strokeWidth={run.length ? 1.5 : 2}
                strokeDasharray={run.length ? RECORDED_DASH : undefined}
                dot={false}
                isAnimationActive={false}
              />
            )}
            {runDiff.length > 0 && (
              <Area
                data={runDiff}
                dataKey={band}
                name="yours 95%"
                stroke="none"
                fill={armColour('pretrained', dark)}
                fillOpacity={0.25}
                isAnimationActive={false}
              />
            )}
            {runDiff.length > 0 && (
              <Line
                data={runDiff}
                dataKey="mean"
                name="yours"
                stroke={armColour('pretrained', dark)}
                strokeWidth={2.5}
                dot={{ r: 2 }}
                isAnimationActive={false}
              />
            )}
          </ComposedChart>
        </ResponsiveContainer>
      </Frame>
    </div>
  );
});
