// Lists the console loads over HTTP once and shares: stamps and canned responses.
import { signal } from '@preact/signals';
import type { CannedList, CannedOut, PaletteStamp, StampPalette } from '../shared/api-types';
import { api } from '../shared/session';

export const stamps = signal<PaletteStamp[]>([]);
export const canned = signal<CannedOut[]>([]);

export async function loadStamps(): Promise<void> {
  stamps.value = (await api.get<StampPalette>('/api/stamps')).stamps;
}

export async function loadCanned(): Promise<void> {
  canned.value = (await api.get<CannedList>('/api/canned-responses')).canned_responses;
}

/** The stamp's picture URL for a wire code (built-in or the store's). */
export function stampUrl(code: string): string | null {
  return stamps.value.find((s) => s.code === code)?.url ?? (/^[a-z0-9_-]+$/.test(code) ? `/static/stamps/${code}.svg` : null);
}

export function stampLabel(code: string): string {
  return stamps.value.find((s) => s.code === code)?.label ?? code;
}

/** Canned responses whose shortcut or title matches what follows `/` (S8). */
export function matchCanned(list: CannedOut[], query: string): CannedOut[] {
  const q = query.trim().toLowerCase();
  if (!q) return list;
  // A personal shortcut may shadow a store-wide one: the person's own comes first.
  const own = (c: CannedOut) => (c.scope === 'personal' ? 0 : 1);
  const starts = list.filter((c) => c.shortcut.toLowerCase().startsWith(q)).sort((a, b) => Number(b.shortcut.toLowerCase() === q) - Number(a.shortcut.toLowerCase() === q) || own(a) - own(b));
  const rest = list.filter((c) => !starts.includes(c) && (c.shortcut.toLowerCase().includes(q) || c.title.toLowerCase().includes(q)));
  return [...starts, ...rest];
}
