// Where the tour's box goes (hand-placed rectangles, 1440×900 and a 390 px phone): beside the target when there is
// room, else under or over it at its right end (the controls a step names sit at the left), never over the target.
import { describe, expect, it } from 'vitest';
import { place } from '../../src/app/components/Tour';

const rect = (left: number, top: number, width: number, height: number) =>
  ({
    left,
    top,
    width,
    height,
    right: left + width,
    bottom: top + height,
    x: left,
    y: top,
    toJSON: () => ({}),
  }) as DOMRect;
const box = { width: 400, height: 240 };

describe('tour placement', () => {
  it('goes beside a narrow target, on its right when there is room', () => {
    expect(place(rect(100, 200, 500, 300), box, 1440, 900, 40, 0)).toEqual({ position: 'fixed', top: 200, left: 612 });
  });
  it('goes over a wide target at its right end, not over the controls at its left', () => {
    // The data grid: 1160 px wide from x 116, top at 350 — no room beside, none under, room over.
    const p = place(rect(116, 350, 1160, 700), box, 1440, 900, 40, 0);
    expect(p).toEqual({ position: 'fixed', top: 350 - 12 - 240, left: 116 + 1160 - 400 });
  });
  it('on a phone the box spans what it can, just above a target taller than the screen', () => {
    // No room beside, under (taller than the screen) or over (270 − 40 < 240 + 12): in the page, above the target.
    expect(place(rect(10, 270, 370, 1200), { width: 366, height: 240 }, 390, 800, 40, 600)).toEqual({
      position: 'absolute',
      top: 600 + 270 - 12 - 240,
      left: 12,
    });
  });
});
