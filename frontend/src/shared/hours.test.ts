import { describe, expect, it } from 'vitest';
import { formatWallTime, wallTime } from './hours';

describe('business hours times', () => {
  it('reads the store’s own date and weekday from the text, not the reader’s zone', () => {
    expect(wallTime('2026-12-04T10:00+09:00')).toEqual({ year: 2026, month: 12, day: 4, weekday: 5, time: '10:00' });
    expect(formatWallTime('2026-12-04T10:00+09:00', 'ja')).toBe('12月4日（金）10:00');
    expect(formatWallTime('2026-12-03T23:30-05:00', 'en')).toBe('Thu 3 Dec, 23:30');
    expect(formatWallTime('2027-01-04', 'ja')).toBe('1月4日（月）');
  });

  it('leaves text it cannot read as it is', () => {
    expect(formatWallTime('soon', 'ja')).toBe('soon');
  });
});
