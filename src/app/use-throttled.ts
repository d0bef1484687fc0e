// A value that follows its source at most once per `ms`, so fast metric streams re-render charts at a calm rate.
// `offset` staggers several followers (each chart renders in its own task instead of all in one long one), and a
// follower that is not `enabled` (a chart scrolled out of view) holds its value until it is enabled again. Updates
// are transitions: React renders them in slices between which the page stays responsive.
import { startTransition, useEffect, useRef, useState } from 'react';

export function useThrottled<T>(value: T, ms: number, offset = 0, enabled = true): T {
  const [shown, setShown] = useState(value);
  const last = useRef(-Infinity);
  useEffect(() => {
    if (!enabled) return;
    const wait = Math.max(0, last.current + ms - performance.now()) + offset;
    const t = setTimeout(() => {
      last.current = performance.now();
      startTransition(() => setShown(value));
    }, wait);
    return () => clearTimeout(t);
  }, [value, ms, offset, enabled]);
  return shown;
}

/** Whether an element is on screen (IntersectionObserver); true until measured. */
export function useVisible(ref: React.RefObject<Element | null>): boolean {
  const [visible, setVisible] = useState(true);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver(([e]) => setVisible(e.isIntersecting), { rootMargin: '200px' });
    io.observe(el);
    return () => io.disconnect();
  }, [ref]);
  return visible;
}
