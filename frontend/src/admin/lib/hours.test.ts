import { describe, expect, it } from 'vitest';
import { parseRanges, rangesText } from './hours';

describe('special day ranges as text', () => {
  it('reads the separators people type', () => {
    expect(parseRanges('10:00-15:00, 16:00〜18:00、19:00 ~ 24:00')).toEqual([
      ['10:00', '15:00'],
      ['16:00', '18:00'],
      ['19:00', '24:00'],
    ]);
    expect(parseRanges('')).toEqual([]);
    expect(rangesText([['10:00', '15:00'], ['16:00', '18:00']])).toBe('10:00-15:00, 16:00-18:00');
  });

  it('sends what it cannot split as it is, for the server to name', () => {
    expect(parseRanges('朝から')).toEqual([['朝から', '']]);
  });
});
