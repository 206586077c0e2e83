import { describe, expect, it } from 'vitest';
import { detectLocale, I18n, interpolate, toLocale } from './i18n';
import sharedEn from './i18n/en.json';
import sharedJa from './i18n/ja.json';

describe('toLocale', () => {
  it('maps language tags to supported locales', () => {
    expect(toLocale('en-US')).toBe('en');
    expect(toLocale('ja_JP')).toBe('ja');
    expect(toLocale('JA')).toBe('ja');
    expect(toLocale('fr')).toBeNull();
    expect(toLocale('')).toBeNull();
    expect(toLocale(null)).toBeNull();
  });
});

describe('detectLocale', () => {
  it('prefers ?lang= over everything', () => {
    expect(detectLocale({ search: '?lang=en', stored: 'ja', languages: ['ja'], documentLang: 'ja' })).toBe('en');
  });
  it('then the stored choice', () => {
    expect(detectLocale({ search: '?lang=xx', stored: 'en', languages: ['ja-JP'] })).toBe('en');
  });
  it('then the first supported browser language', () => {
    expect(detectLocale({ languages: ['fr-FR', 'en-GB', 'ja'] })).toBe('en');
  });
  it('then the page language', () => {
    expect(detectLocale({ languages: ['de'], documentLang: 'en' })).toBe('en');
  });
  it('defaults to Japanese', () => {
    expect(detectLocale({})).toBe('ja');
    expect(detectLocale({ languages: ['ko'], documentLang: '' })).toBe('ja');
  });
});

describe('interpolate', () => {
  it('fills named placeholders and keeps unknown ones', () => {
    expect(interpolate('{name} さん ({n})', { name: '佐藤', n: 3 })).toBe('佐藤 さん (3)');
    expect(interpolate('hello {who}', {})).toBe('hello {who}');
    expect(interpolate('no params')).toBe('no params');
  });
  it('does not treat inherited properties as params', () => {
    expect(interpolate('{constructor}', {})).toBe('{constructor}');
  });
});

describe('I18n', () => {
  const make = () =>
    new I18n('ja', {
      ja: { greet: 'こんにちは、{name}さん', only_ja: '日本語だけ' },
      en: { greet: 'Hello, {name}' },
    });

  it('translates with params in the current locale', () => {
    const i = make();
    expect(i.t('greet', { name: '山田' })).toBe('こんにちは、山田さん');
  });

  it('switches at run time through the locale signal', () => {
    const i = make();
    i.locale.value = 'en';
    expect(i.t('greet', { name: 'Yamada' })).toBe('Hello, Yamada');
    i.locale.value = 'ja';
    expect(i.t('greet', { name: '山田' })).toBe('こんにちは、山田さん');
  });

  it('falls back to Japanese, then to the key', () => {
    const i = make();
    i.locale.value = 'en';
    expect(i.t('only_ja')).toBe('日本語だけ');
    expect(i.t('missing.key')).toBe('missing.key');
  });

  it('merges surface catalogs registered later', () => {
    const i = make();
    i.register({ ja: { extra: '追加' }, en: { extra: 'Extra' } });
    i.locale.value = 'en';
    expect(i.t('extra')).toBe('Extra');
    expect(i.t('greet', { name: 'A' })).toBe('Hello, A');
  });
});

describe('catalogs', () => {
  const catalogs = import.meta.glob<Record<string, string>>('../**/i18n/*.json', { eager: true, import: 'default' });

  it('exist for every surface', () => {
    const dirs = new Set(Object.keys(catalogs).map((p) => p.replace(/\/[^/]+$/, '')));
    expect([...dirs].sort()).toEqual(['../admin/i18n', '../console/i18n', '../guest/i18n', './i18n']);
  });

  it('have the same keys in ja and en, and no empty text', () => {
    for (const [path, ja] of Object.entries(catalogs)) {
      if (!path.endsWith('/ja.json')) continue;
      const en = catalogs[path.replace(/ja\.json$/, 'en.json')];
      expect(en, `${path} has an English twin`).toBeDefined();
      expect(Object.keys(en ?? {}).sort(), path).toEqual(Object.keys(ja).sort());
      for (const text of [...Object.values(ja), ...Object.values(en ?? {})]) expect(text.trim()).not.toBe('');
    }
  });

  it('do not reuse a shared key in a surface', () => {
    for (const [path, cat] of Object.entries(catalogs)) {
      if (path.startsWith('./')) continue;
      for (const key of Object.keys(cat)) expect(key in sharedJa || key in sharedEn, `${path}: ${key}`).toBe(false);
    }
  });
});
