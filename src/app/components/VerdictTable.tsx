// A report's verdict on the paper's three effects: per effect the question, the verdict (with its detail when the
// report gives one), the number with its 95% interval, the report's sentence, and — when undecided — why. On a phone
// each row stacks into a block, so the table never overflows the screen.
import type { Report } from '../../worker/protocol';
import { effectViews } from '../verdict-view';

export function VerdictTable({
  report,
  testId,
  compact = false,
}: {
  report: Report;
  testId: string;
  compact?: boolean;
}) {
  return (
    <table className={`verdict${compact ? ' compact' : ''}`} data-testid={testId}>
      <tbody>
        {effectViews(report).map((e) => (
          <tr key={e.key} data-effect={e.key} data-verdict={e.verdict}>
            <th>
              {e.name}
              {!compact && <div className="muted small">{e.question}</div>}
            </th>
            <td className="verdict-cell">
              <span className={`v ${e.verdict.replace(' ', '-')}`}>{e.verdict}</span>
              {e.detail && <span className="detail"> — {e.detail}</span>}
              <div className="interval small" data-testid={`${testId}-interval-${e.key}`}>
                {e.interval}
              </div>
            </td>
            <td>
              {e.sentence}
              {e.why && (
                <div className="why small" data-testid={`${testId}-why-${e.key}`}>
                  <strong>Why it cannot decide:</strong> {e.why}
                </div>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
