// A number typed freely and checked on commit (Enter or leaving the field) against its range: a refused value stays
// visible with its message beside it and the last good value is kept (Escape goes back to it) — never a silent change.
import { useState } from 'react';
import { parseField, type FieldSpec } from '../setup-check';

interface Props {
  spec: Omit<FieldSpec, 'field'> & { field: string };
  value: number;
  onCommit: (v: number) => void;
  /** The refusal shown (kept by the caller, so that others — Play — can see it). */
  error: string | null;
  onError: (message: string | null) => void;
  testId: string;
  /** Under the field when there is no error. */
  help?: string;
  width?: number;
}

export function CheckedNumber({ spec, value, onCommit, error, onError, testId, help, width }: Props) {
  const [draft, setDraft] = useState<string | null>(null);
  // A refusal cleared from outside (a preset applied) takes the refused text with it.
  const [seenError, setSeenError] = useState(error);
  if (seenError !== error) {
    setSeenError(error);
    if (error === null) setDraft(null);
  }
  const commit = () => {
    if (draft === null) return;
    const r = parseField(draft, spec as FieldSpec, value);
    if (r.ok) {
      onCommit(r.value);
      setDraft(null);
      onError(null);
    } else onError(r.message);
  };
  return (
    <>
      <input
        id={testId}
        type="text"
        inputMode={spec.integer ? 'numeric' : 'decimal'}
        value={draft ?? String(value)}
        aria-invalid={error !== null}
        aria-describedby={`${testId}-msg`}
        data-testid={testId}
        style={width ? { width } : undefined}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit();
          }
          if (e.key === 'Escape') {
            setDraft(null);
            onError(null);
          }
        }}
      />
      {error ? (
        <small id={`${testId}-msg`} className="error" role="alert" data-testid={`${testId}-error`}>
          {error}
        </small>
      ) : (
        help && (
          <small id={`${testId}-msg`} className="muted">
            {help}
          </small>
        )
      )}
    </>
  );
}
