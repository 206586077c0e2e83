// Business hours (issue 16): the server sends times in the store's own zone with their
// offset ("2026-12-04T10:00+09:00"); they are shown as the store's wall clock, whatever
// the reader's zone, so the date and time are read from the text, not converted.

const WEEKDAYS_JA = ['日', '月', '火', '水', '木', '金', '土'];
const WEEKDAYS_EN = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface WallTime {
  year: number;
  month: number;
  day: number;
  weekday: number; // 0 = Sunday
  time: string | null; // "10:00", or null for a date alone
}

/** The store's calendar date and clock time of "YYYY-MM-DD[THH:MM…]", or null. */
export function wallTime(text: string): WallTime | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}:\d{2}))?/.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return { year, month, day, weekday, time: m[4] ?? null };
}

/** "12月4日（木）" / "Thu 4 Dec", with " 10:00" when the text has a time. */
export function formatWallTime(text: string, locale: string): string {
  const w = wallTime(text);
  if (!w) return text;
  if (locale === 'ja') {
    return `${w.month}月${w.day}日（${WEEKDAYS_JA[w.weekday]}）${w.time ? w.time : ''}`;
  }
  return `${WEEKDAYS_EN[w.weekday]} ${w.day} ${MONTHS_EN[w.month - 1]}${w.time ? `, ${w.time}` : ''}`;
}
