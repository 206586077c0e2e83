// Translations: one JSON catalog per locale (ja is the source language) for
// the shared strings, plus one per surface. The current locale is a signal so
// that every component reading t() re-renders when the user switches.
import { signal, type Signal } from '@preact/signals';
import sharedEn from './i18n/en.json';
import sharedJa from './i18n/ja.json';

export const LOCALES = ['ja', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'ja';
export const STORAGE_KEY = 'chats:lang';

export type Messages = Record<string, string>;
export type Catalogs = Partial<Record<Locale, Messages>>;
export type Params = Record<string, string | number>;

/** Map a language tag such as "en-US" or "ja_JP" to a supported locale. */
export function toLocale(tag: string | null | undefined): Locale | null {
  if (!tag) return null;
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  return (LOCALES as readonly string[]).includes(primary ?? '') ? (primary as Locale) : null;
}

export interface LocaleSources {
  /** location.search, e.g. "?lang=en" */
  search?: string;
  /** the value saved by a previous switch */
  stored?: string | null;
  /** navigator.languages, most preferred first */
  languages?: readonly string[];
  /** <html lang> of the page */
  documentLang?: string | null;
}

/** Choose the locale: ?lang=, then the saved choice, then the browser, then the page. */
export function detectLocale(src: LocaleSources): Locale {
  const fromQuery = toLocale(new URLSearchParams(src.search ?? '').get('lang'));
  if (fromQuery) return fromQuery;
  const fromStore = toLocale(src.stored);
  if (fromStore) return fromStore;
  for (const tag of src.languages ?? []) {
    const l = toLocale(tag);
    if (l) return l;
  }
  return toLocale(src.documentLang) ?? DEFAULT_LOCALE;
}

/** Replace {name} placeholders; unknown placeholders are left as they are. */
export function interpolate(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

export class I18n {
  readonly locale: Signal<Locale>;
  private readonly catalogs: Record<Locale, Messages> = { ja: {}, en: {} };

  constructor(initial: Locale = DEFAULT_LOCALE, catalogs: Catalogs = {}) {
    this.locale = signal(initial);
    this.register(catalogs);
  }

  /** Merge more messages (a surface's own catalog) into the catalogs. */
  register(catalogs: Catalogs): void {
    for (const l of LOCALES) Object.assign(this.catalogs[l], catalogs[l] ?? {});
  }

  /** Translate key; falls back to Japanese, then to the key itself. */
  t(key: string, params?: Params): string {
    const text = this.catalogs[this.locale.value][key] ?? this.catalogs[DEFAULT_LOCALE][key] ?? key;
    return interpolate(text, params);
  }

  has(key: string, locale: Locale = this.locale.value): boolean {
    return key in this.catalogs[locale];
  }
}

export const i18n = new I18n(DEFAULT_LOCALE, { ja: sharedJa, en: sharedEn });
export const locale = i18n.locale;

/** Translate with the shared instance (re-renders the caller on switch). */
export function t(key: string, params?: Params): string {
  return i18n.t(key, params);
}

function safeStorage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // blocked storage (privacy modes, sandboxed iframes)
  }
}

/** The language chosen earlier on this browser, if storage can be read. */
function storedLocale(): string | null {
  try {
    return safeStorage()?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

/** Switch the UI language, remember it, and tell the document. */
export function setLocale(l: Locale): void {
  locale.value = l;
  try {
    safeStorage()?.setItem(STORAGE_KEY, l);
  } catch {
    /* quota or blocked storage: the switch still works for this page */
  }
  if (typeof document !== 'undefined') document.documentElement.lang = l;
}

/** Register a surface's catalogs and pick the locale from the environment. */
export function initI18n(catalogs: Catalogs): Locale {
  i18n.register(catalogs);
  const l = detectLocale({
    search: globalThis.location?.search,
    stored: storedLocale(),
    languages: globalThis.navigator?.languages,
    documentLang: globalThis.document?.documentElement.lang,
  });
  locale.value = l;
  if (typeof document !== 'undefined') document.documentElement.lang = l;
  return l;
}
