import { describe, expect, it } from 'vitest';
import { axis, labelEvery, layoutBars } from './chart';

describe('axis', () => {
  it('rounds up to 1, 2 or 5 steps', () => {
    expect(axis(0)).toEqual({ top: 1, ticks: [0, 1] });
    expect(axis(3)).toEqual({ top: 3, ticks: [0, 1, 2, 3] });
    expect(axis(7)).toEqual({ top: 8, ticks: [0, 2, 4, 6, 8] });
    expect(axis(42).top).toBe(50);
    expect(axis(42).ticks).toEqual([0, 10, 20, 30, 40, 50]);
    expect(axis(1234)).toEqual({ top: 1500, ticks: [0, 500, 1000, 1500] });
  });
});

describe('layoutBars', () => {
  const box = { width: 220, height: 120, left: 20, right: 0, top: 10, bottom: 10 };
  it('scales heights to the axis and groups bars by row', () => {
    const bars = layoutBars([{ label: 'a', values: [10, 5] }, { label: 'b', values: [0, 2] }], 2, box, 10);
    expect(bars).toHaveLength(4);
    const [a0, a1, b0] = bars;
    expect(a0?.height).toBe(100);
    expect(a0?.y).toBe(10);
    expect(a1?.height).toBe(50);
    expect(b0?.height).toBe(0);
    expect((b0?.x ?? 0) > (a1?.x ?? 0)).toBe(true);
    expect(a0?.width).toBe(40);
  });
});

describe('labelEvery', () => {
  it('thins long axes', () => {
    expect(labelEvery(7, 12)).toBe(1);
    expect(labelEvery(31, 12)).toBe(3);
  });
});
