import { describe, expect, it } from 'vitest';
import { parseSession } from './session';

describe('parseSession', () => {
  it('reads the login answer', () => {
    const out = parseSession({
      csrf_token: 'c1',
      staff: {
        id: 's1', login_id: 'sato', name: '佐藤', role: 'admin', max_chats: 5, two_factor: true,
        store: { id: 'st1', name: '青山店', time_zone: 'Asia/Tokyo' },
      },
    });
    expect(out).toEqual({
      csrfToken: 'c1',
      staff: {
        id: 's1', login_id: 'sato', name: '佐藤', role: 'admin', max_chats: 5, two_factor: true,
        store: { id: 'st1', name: '青山店', time_zone: 'Asia/Tokyo' },
      },
    });
  });

  it('tolerates a missing store, a store beside the staff, and a flat answer', () => {
    expect(parseSession({ csrf_token: 'c', staff: { id: 's', login_id: 'a' } }).staff).toMatchObject({
      name: 'a',
      role: 'agent',
      store: null,
    });
    // An answer without the store's zone (an older server) counts in UTC.
    expect(parseSession({ staff: { id: 's' }, store: { id: 1, name: 'X' } }).staff.store).toEqual({
      id: '1', name: 'X', time_zone: 'UTC',
    });
    expect(parseSession({ id: 's', login_id: 'b', role: 'admin' })).toMatchObject({
      csrfToken: null,
      staff: { login_id: 'b', role: 'admin' },
    });
  });

  it('refuses something that is not an object', () => {
    expect(() => parseSession('nope')).toThrow();
  });
});
