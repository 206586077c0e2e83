import { describe, expect, it } from 'vitest';
import { tabFromHash } from './tabs';

describe('tabFromHash', () => {
  it('reads the fragment, defaulting to the staff tab', () => {
    expect(tabFromHash('#buttons')).toBe('buttons');
    expect(tabFromHash('#/stats')).toBe('stats');
    expect(tabFromHash('')).toBe('staff');
    expect(tabFromHash('#nope')).toBe('staff');
  });
});
