import { describe, expect, it } from 'vitest';
import { honorific, isWebLink, readableUrl, webUrl } from './format';

describe('webUrl', () => {
  it('keeps http and https URLs', () => {
    expect(webUrl('https://shop.example/item?id=1')).toBe('https://shop.example/item?id=1');
    expect(webUrl('HTTP://shop.example/')).toBe('HTTP://shop.example/');
  });

  it.each(['javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', 'java\tscript:alert(1)',
    'data:text/html,<b>x</b>', 'vbscript:x', '/relative', '//shop.example/', 'https:evil', '', null, undefined])(
    'refuses %j', (url) => {
      expect(webUrl(url)).toBeNull();
    });
});

describe('honorific', () => {
  it('adds さん once in Japanese', () => {
    expect(honorific('山田', 'ja')).toBe('山田 さん');
    expect(honorific('客3号 さん', 'ja')).toBe('客3号 さん');
    expect(honorific('田中様', 'ja')).toBe('田中様');
    expect(honorific('  すずき  ', 'ja')).toBe('すずき さん');
  });
  it('leaves names alone in English and when empty', () => {
    expect(honorific('Yamada', 'en')).toBe('Yamada');
    expect(honorific('', 'ja')).toBe('');
  });
});

describe('readableUrl', () => {
  it('decodes search words', () => {
    expect(readableUrl('https://www.google.com/search?q=%E6%8A%B9%E8%8C%B6+%E3%82%BB%E3%83%83%E3%83%88')).toBe('https://www.google.com/search?q=抹茶 セット');
  });
  it('keeps + in the path and shows malformed escapes raw', () => {
    expect(readableUrl('https://shop.example/a+b')).toBe('https://shop.example/a+b');
    expect(readableUrl('https://shop.example/?q=%E6%8A%')).toBe('https://shop.example/?q=%E6%8A%');
  });
  it('keeps invisible and direction characters escaped', () => {
    expect(readableUrl('https://shop.example/%E2%80%AEgnp.exe')).toBe('https://shop.example/%E2%80%AEgnp.exe');
    expect(readableUrl('https://shop.example/?q=a%0Ab')).toBe('https://shop.example/?q=a%0Ab');
  });
});

describe('isWebLink', () => {
  it('accepts only http and https', () => {
    expect(isWebLink('https://shop.example/')).toBe(true);
    expect(isWebLink('http://shop.example/')).toBe(true);
    expect(isWebLink('javascript:alert(1)')).toBe(false);
    expect(isWebLink('data:text/html,x')).toBe(false);
    expect(isWebLink('not a url')).toBe(false);
  });
});
