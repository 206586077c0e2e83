// The timeline of one conversation: messages kept in seq order, each seq once.
import type { ChatMessage } from './protocol';

/**
 * Insert a message by seq. Returns a new array, or null when that seq is
 * already there (a live delivery racing a resume replay, or a repeat).
 */
export function insertMessage(list: readonly ChatMessage[], m: ChatMessage): ChatMessage[] | null {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as ChatMessage).seq < m.seq) lo = mid + 1;
    else hi = mid;
  }
  if (lo < list.length && (list[lo] as ChatMessage).seq === m.seq) return null;
  const next = list.slice();
  next.splice(lo, 0, m);
  return next;
}

/** Highest seq held (0 when empty): what a reconnect resumes after. */
export function lastSeq(list: readonly ChatMessage[]): number {
  return list.length ? (list[list.length - 1] as ChatMessage).seq : 0;
}

/** Count of code points after trimming, the unit of the 4,000-character limit. */
export function textLength(text: string): number {
  return [...text.trim()].length;
}

export const MAX_TEXT = 4000;

/** "12.3 KB" style size for file links. */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** "14:05" in the viewer's time zone. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
