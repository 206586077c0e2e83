// Postal code → address (issue 16): the server looks the code up in Japan Post's
// data (GET /api/postal-codes for staff, /api/widget/{key}/postal-codes for guests);
// this file only decides when to ask and how to fill the address field.
import type { PostalAddress, PostalLookup } from './api-types';

export type PostalLookupFn = (code: string) => Promise<PostalLookup>;

const WIDE_DIGIT = /[０-９]/g;
const NOISE = /[〒\s\-－ー‐‑‒–—―−ｰ]/g;

/** The digits of a typed postal code (any width; 〒, spaces and dashes dropped), or null. */
export function postalDigits(raw: string): string | null {
  const digits = raw.replace(WIDE_DIGIT, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).replace(NOISE, '');
  return /^\d+$/.test(digits) ? digits : null;
}

/** An address as one line: 東京都千代田区千代田. */
export function addressLine(a: PostalAddress): string {
  return `${a.prefecture}${a.city}${a.town}`;
}

/**
 * The address field after choosing `found`: filled when empty or when it still holds
 * what an earlier look-up put there (`previous`); what the person typed after that
 * earlier address (the street number) is kept.
 */
export function filledAddress(current: string, found: string, previous: string | null): string {
  const trimmed = current.trim();
  if (!trimmed) return found;
  if (previous && trimmed.startsWith(previous)) return found + trimmed.slice(previous.length);
  return current;
}

/** Whether choosing `found` would change what the person typed (then we ask first). */
export function wouldOverwrite(current: string, previous: string | null): boolean {
  const trimmed = current.trim();
  return trimmed !== '' && !(previous && trimmed.startsWith(previous));
}

/** The field a postal code's address goes into: a multi-line field named address, else `address`. */
export function addressField<F extends { key: string; type: string }>(fields: readonly F[]): F | undefined {
  return fields.find((f) => f.type === 'textarea' && f.key.includes('address')) ?? fields.find((f) => f.key === 'address');
}

/**
 * Puts the address a postal look-up found into the form's address field: fills it, or —
 * when the person typed their own address and `force` is false — leaves it and answers
 * false. `last` remembers the last fill, so a street number typed after it survives the
 * next fill.
 */
export function fillAddress<F extends { key: string; type: string }>(
  fields: readonly F[],
  values: Readonly<Record<string, string>>,
  write: (key: string, value: string) => void,
  last: { current: string | null },
  found: string,
  force: boolean,
): boolean {
  const address = addressField(fields);
  if (!address) return false;
  const current = values[address.key] ?? '';
  const overwrite = wouldOverwrite(current, last.current);
  if (overwrite && !force) return false;
  write(address.key, overwrite ? found : filledAddress(current, found, last.current));
  last.current = found;
  return true;
}
