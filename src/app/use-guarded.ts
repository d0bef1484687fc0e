// A panel's last action error: `guard(f)` makes a handler that clears it, runs f (sync or async) and keeps the
// message if f throws, so buttons report failures in place.
import { useCallback, useState } from 'react';

export function useGuarded(): { error: string | null; guard: (f: () => unknown) => () => Promise<void> } {
  const [error, setError] = useState<string | null>(null);
  const guard = useCallback(
    (f: () => unknown) => async () => {
      setError(null);
      try {
        await f();
      } catch (e) {
        setError((e as Error).message);
      }
    },
    [],
  );
  return { error, guard };
}
