// A value that follows its source at most once per `ms`, so fast metric streams re-render charts at a calm rate.
// `offset` staggers several followers (each chart renders in its own task instead of all in one long one), and a
// follower that is not `enabled` (a chart scrolled out of view) holds its value until it is enabled again — after
// its first value, so every chart mounts its (costly) first drawing early, not when scrolled to mid-training. Updates
// are transitions: React renders them in slices between which the page stays responsive. With `initial`, even the
// first value arrives that way (a panel full of charts mounts empty and fills in, chart by chart).
import { startTransition, useEffect, useRef, useState } from 'react';

export function useThrottled<T>(value: T, ms: number, offset = 0, enabled = true, initial: T = value): T {
  const [shown, setShown] = useState(initial);
  const last = useRef(-Infinity);
  useEffect(() => {
    if (!enabled && last.current > -Infinity) return;
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
