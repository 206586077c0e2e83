import { describe, expect, it } from 'vitest';
import { loadDraft, panelStoreKey, saveDraft } from './draft';

class MemoryStorage {
  private data = new Map<string, string>();
  getItem(k: string) { return this.data.get(k) ?? null; }
  setItem(k: string, v: string) { this.data.set(k, v); }
  removeItem(k: string) { this.data.delete(k); }
}

describe('guest draft', () => {
  it('is kept per store and forgotten when emptied', () => {
    const s = new MemoryStorage() as unknown as Storage;
    saveDraft('shop-a', '在庫はありますか', s);
    saveDraft('shop-b', 'other', s);
    expect(loadDraft('shop-a', s)).toBe('在庫はありますか');
    saveDraft('shop-a', '', s);
    expect(loadDraft('shop-a', s)).toBe('');
    expect(loadDraft('shop-b', s)).toBe('other');
  });
  it('survives blocked storage', () => {
    const broken = { getItem() { throw new Error('blocked'); }, setItem() { throw new Error('blocked'); }, removeItem() { throw new Error('blocked'); } } as unknown as Storage;
    expect(loadDraft('x', broken)).toBe('');
    expect(() => saveDraft('x', 'y', broken)).not.toThrow();
    expect(loadDraft('x', null)).toBe('');
  });
  it('reads the store key from the panel address', () => {
    expect(panelStoreKey('?store=abc&lang=ja')).toBe('abc');
    expect(panelStoreKey('')).toBe('');
  });
});
