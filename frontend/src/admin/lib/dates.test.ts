import { describe, expect, it } from 'vitest';
import { addDays, dayInZone, daysInRange, isDay, presetRange, rangeProblem } from './dates';

describe('days', () => {
  it('move across month and year ends', () => {
    expect(addDays('2025-03-31', 1)).toBe('2025-04-01');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
  });
  it('count both ends', () => {
    expect(daysInRange('2025-03-30', '2025-04-02')).toBe(4);
    expect(daysInRange('2025-04-02', '2025-04-02')).toBe(1);
    expect(daysInRange('2025-04-03', '2025-04-02')).toBe(0);
  });
  it('know real dates', () => {
    expect(isDay('2024-02-29')).toBe(true);
    expect(isDay('2025-02-29')).toBe(false);
    expect(isDay('2025-4-1')).toBe(false);
  });
});

describe('presetRange', () => {
  it('ends today', () => {
    expect(presetRange('last7', '2025-04-02')).toEqual({ from: '2025-03-27', to: '2025-04-02', by: 'day' });
    expect(presetRange('last30', '2025-04-02').from).toBe('2025-03-04');
    expect(presetRange('this_month', '2025-04-02')).toEqual({ from: '2025-04-01', to: '2025-04-02', by: 'day' });
    expect(presetRange('last12m', '2025-04-02')).toEqual({ from: '2024-05-01', to: '2025-04-02', by: 'month' });
    expect(presetRange('last12m', '2025-12-31').from).toBe('2025-01-01');
  });
});

describe('rangeProblem', () => {
  it('names what is wrong', () => {
    expect(rangeProblem({ from: '2025-04-01', to: '2025-04-30', by: 'day' })).toBeNull();
    expect(rangeProblem({ from: '2025-04-30', to: '2025-04-01', by: 'day' })).toBe('stats.range_inverted');
    expect(rangeProblem({ from: '2024-01-01', to: '2025-02-01', by: 'day' })).toBe('stats.range_too_long_day');
    expect(rangeProblem({ from: '2024-01-01', to: '2025-02-01', by: 'month' })).toBeNull();
    expect(rangeProblem({ from: '', to: '2025-02-01', by: 'month' })).toBe('stats.range_invalid');
  });
});

describe('dayInZone', () => {
  it('gives the calendar day of the zone, not of UTC', () => {
    const lateUtc = new Date(Date.UTC(2025, 2, 31, 15, 0, 20)); // 00:00:20 on 1 April in Tokyo
    expect(dayInZone(lateUtc, 'Asia/Tokyo')).toBe('2025-04-01');
    expect(dayInZone(lateUtc, 'UTC')).toBe('2025-03-31');
    expect(dayInZone(lateUtc, 'America/Los_Angeles')).toBe('2025-03-31');
  });

  it('falls back to the UTC day for a zone it does not know', () => {
    expect(dayInZone(new Date(Date.UTC(2025, 0, 1, 23)), 'Mars/Base')).toBe('2025-01-01');
  });
});
