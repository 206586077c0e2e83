// Postal code → prefecture, offline (S3.1 +). Japanese postal codes are
// allocated by region: the first two digits pin the prefecture for nearly all
// codes. This table fills in the prefecture only; the city and town need Japan
// Post's full KEN_ALL data (about 120,000 rows), which we do not ship.
// Known gaps: a few border codes whose first two digits belong to a
// neighbouring prefecture (e.g. some 498- codes are in Mie, not Aichi).

const RANGES: ReadonlyArray<readonly [number, number, string]> = [
  [0, 0, '北海道'], [1, 1, '秋田県'], [2, 2, '岩手県'], [3, 3, '青森県'], [4, 9, '北海道'],
  [10, 20, '東京都'], [21, 25, '神奈川県'], [26, 29, '千葉県'], [30, 31, '茨城県'],
  [32, 32, '栃木県'], [33, 36, '埼玉県'], [37, 37, '群馬県'], [38, 39, '長野県'],
  [40, 40, '山梨県'], [41, 43, '静岡県'], [44, 49, '愛知県'], [50, 50, '岐阜県'],
  [51, 51, '三重県'], [52, 52, '滋賀県'], [53, 59, '大阪府'], [60, 62, '京都府'],
  [63, 63, '奈良県'], [64, 64, '和歌山県'], [65, 67, '兵庫県'], [68, 68, '鳥取県'],
  [69, 69, '島根県'], [70, 71, '岡山県'], [72, 73, '広島県'], [74, 75, '山口県'],
  [76, 76, '香川県'], [77, 77, '徳島県'], [78, 78, '高知県'], [79, 79, '愛媛県'],
  [80, 83, '福岡県'], [84, 84, '佐賀県'], [85, 85, '長崎県'], [86, 86, '熊本県'],
  [87, 87, '大分県'], [88, 88, '宮崎県'], [89, 89, '鹿児島県'], [90, 90, '沖縄県'],
  [91, 91, '福井県'], [92, 92, '石川県'], [93, 93, '富山県'], [94, 95, '新潟県'],
  [96, 97, '福島県'], [98, 98, '宮城県'], [99, 99, '山形県'],
];

const FULL_WIDTH_DIGIT = /[０-９]/g;

/** `123-4567` from what people type (full-width digits, 〒, dashes), or null. */
export function normalisePostal(raw: string): string | null {
  const ascii = raw.replace(FULL_WIDTH_DIGIT, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
  const digits = ascii.replace(/[〒\s\-－ー‐‑–—―−ｰ]/g, '');
  return /^\d{7}$/.test(digits) ? `${digits.slice(0, 3)}-${digits.slice(3)}` : null;
}

/** The prefecture of a postal code, or null when the code is not 7 digits. */
export function prefectureOf(raw: string): string | null {
  const code = normalisePostal(raw);
  if (!code) return null;
  const head = Number(code.slice(0, 2));
  return RANGES.find(([from, to]) => head >= from && head <= to)?.[2] ?? null;
}

/** The address after a postal code was entered: the prefecture is filled in when missing. */
export function addressWithPrefecture(address: string, postal: string): string {
  const prefecture = prefectureOf(postal);
  if (!prefecture) return address;
  const trimmed = address.trim();
  if (RANGES.some(([, , name]) => trimmed.startsWith(name))) return address;
  return prefecture + trimmed;
}
