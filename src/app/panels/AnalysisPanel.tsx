// Analysis panel: why pre-training might not help, as charts — image tokens vs caption and English tokens (entropy,
// how much the previous token explains, Zipf curves), and how simple captions are next to the pre-training text. The
// recorded run's figures, or your finished run's (labelled, switchable); each sentence follows from its numbers by a
// stated threshold (analysis-text.ts).
import { useState } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { Analysis } from '../../worker/protocol';
import { captionSentence, explainedShare, wordLikeSentence } from '../analysis-text';
import { TOOLTIP_PROPS } from '../charts/tooltip';
import { useAppStore } from '../store';

export function AnalysisPanel() {
  const live = useAppStore((s) => s.run.finished?.analysis ?? null);
  const recorded = useAppStore((s) => s.recorded?.finished?.analysis ?? null);
  const recordedLabel = useAppStore((s) => s.recorded?.label ?? 'recorded run');
  const [pick, setPick] = useState<'recorded' | 'mine' | null>(null);
  const source = pick ?? (live ? 'mine' : 'recorded');
  const a: Analysis | null = source === 'mine' ? (live ?? recorded) : (recorded ?? live);
  const shown = a === live && live ? 'mine' : 'recorded';
  if (!a)
    return (
      <section className="panel card" data-testid="panel-analysis">
        Loading the recorded analysis…
      </section>
    );
  const kinds = [
    ['image tokens', a.imageTokens],
    ['caption tokens', a.captionTokens],
    ['English tokens', a.englishTokens],
  ] as const;
  const entropy = kinds.map(([name, t]) => ({
    name,
    unigram: t.unigramEntropy,
    conditional: t.bigramConditionalEntropy,
    explained: explainedShare(t),
  }));
  const zipf = Array.from({ length: Math.max(...kinds.map(([, t]) => t.zipf.length)) }, (_, r) => {
    const row: Record<string, number> = { rank: r + 1 };
    for (const [name, t] of kinds) if (t.zipf[r]) row[name] = t.zipf[r] / t.tokens;
    return row;
  });
  const simple = [
    {
      name: 'captions',
      words: a.captions.meanWords,
      ttr: a.captions.typeTokenRatio,
      entropy: a.captions.wordEntropy,
      vocabulary: a.captions.vocabulary,
    },
    {
      name: 'Austen sentences',
      words: a.corpusSentences.meanWords,
      ttr: a.corpusSentences.typeTokenRatio,
      entropy: a.corpusSentences.wordEntropy,
      vocabulary: a.corpusSentences.vocabulary,
    },
  ];
  return (
    <section className="panel" data-testid="panel-analysis" data-source={shown}>
      <div className="card">
        <h2>Why might pre-training not help?</h2>
        <p className="muted">
          The paper's two reasons, measured on this data: image tokens behave unlike words, and captions are far simpler
          than the text the LM learnt from.
        </p>
        <p className="small source-switch" role="radiogroup" aria-label="Whose figures">
          Figures of:{' '}
          <label>
            <input
              type="radio"
              name="analysis-source"
              checked={shown === 'recorded'}
              onChange={() => setPick('recorded')}
            />{' '}
            the {recordedLabel}
          </label>
          <label title={live ? '' : 'finish a run here first'}>
            <input
              type="radio"
              name="analysis-source"
              checked={shown === 'mine'}
              disabled={!live}
              onChange={() => setPick('mine')}
              data-testid="analysis-mine"
            />{' '}
            your run{live ? '' : ' (when it finishes)'}
          </label>
        </p>
        <div className="two">
          <figure className="chart">
            <figcaption>
              <strong>Token entropy</strong>{' '}
              <span className="muted small">bits; unigram vs given the previous token</span>
            </figcaption>
            <ResponsiveContainer width="100%" height={220}>
              <BarChart data={entropy}>
                <CartesianGrid stroke="#eee" />
                <XAxis dataKey="name" fontSize={11} />
                <YAxis fontSize={11} width={36} />
                <Tooltip {...TOOLTIP_PROPS} formatter={(v) => Number(v).toFixed(2)} />
                <Legend wrapperStyle={{ fontSize: 11 }} />
                <Bar dataKey="unigram" name="H(token)" fill="#1d4ed8" isAnimationActive={false} />
                <Bar dataKey="conditional" name="H(token | previous)" fill="#c2410c" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
            <p className="small" data-testid="word-like">
              The previous token explains {entropy.map((e) => `${e.explained.toFixed(0)}% (${e.name})`).join(', ')} of a
              token's entropy. {wordLikeSentence(a)}
            </p>
          </figure>
          <figure className="chart">
            <figcaption>
              <strong>Zipf curves</strong>{' '}
              <span className="muted small">share of tokens by frequency rank, log–log</span>
            </figcaption>
            <ResponsiveContainer width="100%" height={220}>
              <LineChart data={zipf}>
                <CartesianGrid stroke="#eee" />
                <XAxis dataKey="rank" type="number" scale="log" domain={[1, 'dataMax']} fontSize={11} />
                <YAxis
                  scale="log"
                  domain={['auto', 'auto']}
                  fontSize={11}
                  width={48}
                  tickFormatter={(v) => Number(v).toExponential(0)}
                />
                <Tooltip {...TOOLTIP_PROPS} formatter={(v) => Number(v).toExponential(2)} />
                <Legend wrapperStyle={{ fontSize: 11 }} />
                <Line dataKey="image tokens" stroke="#1d4ed8" dot={false} isAnimationActive={false} />
                <Line dataKey="caption tokens" stroke="#c2410c" dot={false} isAnimationActive={false} />
                <Line dataKey="English tokens" stroke="#15803d" dot={false} isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          </figure>
        </div>
      </div>
      <div className="card">
        <h2>How simple are the captions?</h2>
        <div className="two">
          <figure className="chart">
            <figcaption>
              <strong>Words per text and word entropy</strong>{' '}
              <span className="muted small">captions vs the LM's pre-training sentences</span>
            </figcaption>
            <ResponsiveContainer width="100%" height={200}>
              <BarChart data={simple}>
                <CartesianGrid stroke="#eee" />
                <XAxis dataKey="name" fontSize={11} />
                <YAxis fontSize={11} width={36} />
                <Tooltip {...TOOLTIP_PROPS} formatter={(v) => Number(v).toFixed(2)} />
                <Legend wrapperStyle={{ fontSize: 11 }} />
                <Bar dataKey="words" name="mean words" fill="#6d28d9" isAnimationActive={false} />
                <Bar dataKey="entropy" name="word entropy (bits)" fill="#0e7490" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </figure>
          <div>
            <table className="figures" data-testid="analysis-table">
              <tbody>
                {simple.map((s) => (
                  <tr key={s.name}>
                    <th>{s.name}</th>
                    <td>
                      {s.words.toFixed(1)} words, vocabulary {s.vocabulary.toLocaleString()}, type–token ratio{' '}
                      {s.ttr.toFixed(3)}
                    </td>
                  </tr>
                ))}
                {a.captionPerplexity && (
                  <tr>
                    <th>caption perplexity</th>
                    <td>{captionSentence(a.captionPerplexity)}</td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
        </div>
      </div>
    </section>
  );
}
