// Date ranges for the statistics (A5). Days are the store's calendar days (its time zone),
// as the server counts them; ranges are plain YYYY-MM-DD strings.

export type Granularity = 'day' | 'month';
export type Preset = 'last7' | 'last30' | 'this_month' | 'last12m';
export const PRESETS: readonly Preset[] = ['last7', 'last30', 'this_month', 'last12m'];

export interface Range {
  from: string;
  to: string;
  by: Granularity;
}

/** Longest range the server draws, in days, per granularity. */
export const MAX_DAYS: Record<Granularity, number> = { day: 366, month: 3 * 366 };

const DAY_MS = 86_400_000;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The UTC day of an instant, YYYY-MM-DD. */
export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The calendar day of an instant in an IANA zone, YYYY-MM-DD (UTC's for an unknown zone). */
export function dayInZone(d: Date, zone: string): string {
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
    }).formatToParts(d);
    const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
    return `${part('year')}-${part('month')}-${part('day')}`;
  } catch {
    return isoDay(d);
  }
}

function parse(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/** `day` moved by `n` days. */
export function addDays(day: string, n: number): string {
  return isoDay(new Date(parse(day) + n * DAY_MS));
}

/** Days from `from` to `to`, both included (0 or less when inverted). */
export function daysInRange(from: string, to: string): number {
  return Math.round((parse(to) - parse(from)) / DAY_MS) + 1;
}

/** A well-formed YYYY-MM-DD that is a real date. */
export function isDay(day: string): boolean {
  return ISO_DAY.test(day) && !Number.isNaN(parse(day)) && isoDay(new Date(parse(day))) === day;
}

/** A preset range ending today. */
export function presetRange(preset: Preset, today: string): Range {
  switch (preset) {
    case 'last7':
      return { from: addDays(today, -6), to: today, by: 'day' };
    case 'last30':
      return { from: addDays(today, -29), to: today, by: 'day' };
    case 'this_month':
      return { from: `${today.slice(0, 7)}-01`, to: today, by: 'day' };
    case 'last12m': {
      const [y, m] = today.split('-').map(Number) as [number, number];
      const start = new Date(Date.UTC(y, m - 12, 1));
      return { from: isoDay(start), to: today, by: 'month' };
    }
  }
}

/** Why a range cannot be asked for, as an i18n key; null when it is fine. */
export function rangeProblem(range: Range): string | null {
  if (!isDay(range.from) || !isDay(range.to)) return 'stats.range_invalid';
  const days = daysInRange(range.from, range.to);
  if (days < 1) return 'stats.range_inverted';
  if (days > MAX_DAYS[range.by]) return range.by === 'day' ? 'stats.range_too_long_day' : 'stats.range_too_long_month';
  return null;
}
