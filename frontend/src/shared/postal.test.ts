import { describe, expect, it } from 'vitest';
import { addressField, fillAddress, addressLine, filledAddress, postalDigits, wouldOverwrite } from './postal';

describe('postal codes as typed', () => {
  it('reads any width, with or without 〒 and hyphen', () => {
    expect(postalDigits('〒１００－０００１')).toBe('1000001');
    expect(postalDigits('100-0001')).toBe('1000001');
    expect(postalDigits('100ー0001')).toBe('1000001');
    expect(postalDigits('12345')).toBe('12345');
    expect(postalDigits('abc')).toBeNull();
    expect(postalDigits('')).toBeNull();
  });
});

describe('the address field', () => {
  const chiyoda = addressLine({ prefecture: '東京都', city: '千代田区', town: '千代田' });
  it('is filled when empty and keeps what follows an earlier look-up', () => {
    expect(chiyoda).toBe('東京都千代田区千代田');
    expect(filledAddress('', chiyoda, null)).toBe(chiyoda);
    expect(filledAddress('北海道札幌市中央区1-2-3', chiyoda, '北海道札幌市中央区')).toBe('東京都千代田区千代田1-2-3');
    expect(filledAddress('大阪府大阪市北区', chiyoda, null)).toBe('大阪府大阪市北区');
  });
  it('asks before replacing what the person typed', () => {
    expect(wouldOverwrite('', null)).toBe(false);
    expect(wouldOverwrite('大阪府', null)).toBe(true);
    expect(wouldOverwrite('東京都千代田区千代田1-1', '東京都千代田区千代田')).toBe(false);
  });
  it('is the multi-line address field, else the one keyed address', () => {
    const fields = [{ key: 'postal_code', type: 'postal' }, { key: 'home_address', type: 'textarea' }];
    expect(addressField(fields)?.key).toBe('home_address');
    expect(addressField([{ key: 'address', type: 'text' }])?.key).toBe('address');
    expect(addressField([{ key: 'name', type: 'text' }])).toBeUndefined();
  });
});

describe('filling the address a look-up found', () => {
  const fields = [{ key: 'zip', type: 'postal' }, { key: 'address', type: 'text' }];
  it('fills, keeps a street number typed after a fill, and asks before replacing typed text', () => {
    const values: Record<string, string> = {};
    const last = { current: null as string | null };
    const write = (k: string, v: string) => (values[k] = v);
    expect(fillAddress(fields, values, write, last, '東京都千代田区千代田', false)).toBe(true);
    values.address += '1-1';
    expect(fillAddress(fields, values, write, last, '大阪府大阪市北区梅田', false)).toBe(true);
    expect(values.address).toBe('大阪府大阪市北区梅田1-1');
    values.address = '自分で書いた住所';
    last.current = null;
    expect(fillAddress(fields, values, write, last, '東京都千代田区千代田', false)).toBe(false);
    expect(values.address).toBe('自分で書いた住所');
    expect(fillAddress(fields, values, write, last, '東京都千代田区千代田', true)).toBe(true);
    expect(values.address).toBe('東京都千代田区千代田');
  });
  it('does nothing for a form without an address field', () => {
    const values: Record<string, string> = {};
    expect(fillAddress([{ key: 'zip', type: 'postal' }], values, (k, v) => (values[k] = v), { current: null }, '東京都', true)).toBe(false);
    expect(values).toEqual({});
  });
});
