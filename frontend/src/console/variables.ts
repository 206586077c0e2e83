// Variables in canned responses (issue 16), filled in when a response is inserted.
// The server refuses unknown names when a response is saved (domain/canned.py); the
// names here are the same list.
import { HONORIFICS } from './format';

export type VariableKey = 'guest_name' | 'staff_name' | 'store_name' | 'today';

export const VARIABLES: Record<string, VariableKey> = {
  guest_name: 'guest_name',
  ゲスト名: 'guest_name',
  staff_name: 'staff_name',
  担当者名: 'staff_name',
  store_name: 'store_name',
  店舗名: 'store_name',
  today: 'today',
  今日: 'today',
};

export type VariableValues = Record<VariableKey, string>;

// Honorifics a name may already carry (HONORIFICS); one is kept, never two (「様様」).
const AFTER_NAME = /^(様|さま|さん|殿)/;

function endsWithHonorific(name: string): boolean {
  return HONORIFICS.some((h) => name.endsWith(h));
}

/** The text with each known `{variable}` replaced; unknown ones stay as written. */
export function fillVariables(text: string, values: VariableValues): string {
  let out = '';
  let rest = text;
  const pattern = /\{([^{}\s]{1,30})\}/;
  for (;;) {
    const m = pattern.exec(rest);
    if (!m) return out + rest;
    const key = VARIABLES[m[1] ?? ''];
    out += rest.slice(0, m.index);
    rest = rest.slice(m.index + m[0].length);
    if (!key) {
      out += m[0];
      continue;
    }
    const value = values[key];
    out += value;
    if (key === 'guest_name' && endsWithHonorific(value)) {
      // 「{ゲスト名}様」 for a guest named 「山田様」: the template's own honorific goes.
      rest = rest.replace(AFTER_NAME, '');
    }
  }
}

/** Today in the reader's calendar: 「12月3日（木）」 / "Thu 3 Dec". */
export function todayText(now: Date, locale: string): string {
  const days = locale === 'ja' ? ['日', '月', '火', '水', '木', '金', '土'] : ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const w = days[now.getDay()];
  return locale === 'ja'
    ? `${now.getMonth() + 1}月${now.getDate()}日（${w}）`
    : `${w} ${now.getDate()} ${months[now.getMonth()]}`;
}
