import { describe, expect, it } from 'vitest';
import type { CannedOut } from '../shared/api-types';
import { matchCanned } from './data';

const item = (id: string, scope: CannedOut['scope'], shortcut: string, title = id): CannedOut => ({ id, scope, shortcut, title, text: id, editable: true });

describe('matchCanned', () => {
  it('puts an exact shortcut first, and one’s own before the store’s', () => {
    const list = [item('store-hours', 'store', 'hours'), item('hoursx', 'store', 'hoursx'), item('mine', 'personal', 'hours')];
    expect(matchCanned(list, 'hours').map((c) => c.id)).toEqual(['mine', 'store-hours', 'hoursx']);
  });
  it('keeps the list as it is without a query', () => {
    const list = [item('a', 'store', 'a'), item('b', 'personal', 'b')];
    expect(matchCanned(list, ' ')).toEqual(list);
  });
});
