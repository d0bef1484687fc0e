// The user's display preferences as the page honours them: the dark colour scheme (chart strokes switch to the
// palette's dark colours) and reduced motion (scrolls jump instead of gliding; recharts already skips its animations
// under the same media query, and styles.css turns off CSS transitions).
import { useSyncExternalStore } from 'react';

const query = (q: string) => (typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(q) : null);

function useMedia(q: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const m = query(q);
      m?.addEventListener('change', onChange);
      return () => m?.removeEventListener('change', onChange);
    },
    () => query(q)?.matches ?? false,
    () => false,
  );
}

/** True while the system asks for a dark colour scheme (follows changes). */
export const useDarkScheme = (): boolean => useMedia('(prefers-color-scheme: dark)');

/** 'auto' (an instant jump) when the user asks for reduced motion, else 'smooth': for scrollIntoView and scrollTo. */
export const scrollBehavior = (): ScrollBehavior =>
  query('(prefers-reduced-motion: reduce)')?.matches ? 'auto' : 'smooth';
