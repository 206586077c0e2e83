import { describe, expect, it } from 'vitest';
import { hostOrigin } from './host';

describe('hostOrigin', () => {
  it('prefers the ?host= the loader passed', () => {
    expect(hostOrigin('?store=k&host=https%3A%2F%2Fshop.example.jp', 'https://other.example/')).toBe('https://shop.example.jp');
  });
  it('falls back to the referrer origin', () => {
    expect(hostOrigin('?store=k', 'https://shop.example.jp/items/1?x=2')).toBe('https://shop.example.jp');
  });
  it('gives null when nothing usable is known', () => {
    expect(hostOrigin('?host=not-a-url', '')).toBeNull();
    expect(hostOrigin('', 'about:blank')).toBeNull();
  });
});
