// Dates and sizes in the UI language.
import { locale, t } from '../shared/i18n';

function tag(): string {
  return locale.value === 'en' ? 'en-GB' : 'ja-JP';
}

/** 14:05 */
export function timeOf(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString(tag(), { hour: '2-digit', minute: '2-digit' });
}

/** 2026/11/24 14:05 */
export function dateTimeOf(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString(tag(), { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

/** Minutes waited since `iso`, at least 0. */
export function minutesSince(iso: string, now: number = Date.now()): number {
  return Math.max(0, Math.floor((now - new Date(iso).getTime()) / 60000));
}

/** 1.2 MB */
export function sizeOf(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * `url` when it is an absolute http(s) URL, else null: page URLs and referrers come
 * from guests' browsers (or anyone), and rows stored before the server checked them
 * may hold `javascript:` ones, so only web URLs ever become links.
 */
export function webUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && /^https?:\/\//i.test(url) ? url : null;
  } catch {
    return null;
  }
}
// Honorifics a Japanese name may already end with; adding さん after one doubles it.
export const HONORIFICS = ['さん', 'サン', '様', 'さま', 'サマ', '殿', 'どの', '氏', 'くん', '君', 'ちゃん']; // as domain/text.py

/** A person's name with さん in Japanese, unless it already carries an honorific; as is in English. */
export function honorific(name: string, lang: string = locale.value): string {
  const trimmed = name.trim();
  if (lang !== 'ja' || !trimmed) return trimmed;
  return HONORIFICS.some((h) => trimmed.endsWith(h)) ? trimmed : `${trimmed} さん`;
}

// Invisible or direction-changing characters stay escaped, so a decoded URL cannot pose as another.
const HIDDEN = /[\p{Cc}\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu;

/** A URL made readable: percent-escapes decoded, + in the query as a space; a malformed escape leaves it as it is. */
export function readableUrl(raw: string): string {
  const q = raw.indexOf('?');
  const spaced = q < 0 ? raw : raw.slice(0, q) + raw.slice(q).replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced).replace(HIDDEN, (c) => encodeURIComponent(c));
  } catch {
    return raw;
  }
}

/** Only http(s) addresses become links; anything else is shown as text. */
export function isWebLink(raw: string): boolean {
  return webUrl(raw) !== null;
}

/** How the console names a guest in a sentence: with さん in Japanese, or "(no name)". */
export function guestName(nickname: string | null | undefined): string {
  return nickname?.trim() ? honorific(nickname) : t('console.guest_unnamed');
}
