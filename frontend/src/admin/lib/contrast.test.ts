import { describe, expect, it } from 'vitest';
import { contrastRatio, formatRatio, meetsAA, parseHex, relativeLuminance } from './contrast';

describe('parseHex', () => {
  it('reads #rrggbb and #rgb in any case', () => {
    expect(parseHex('#1F6FEB')).toEqual([31, 111, 235]);
    expect(parseHex('#fff')).toEqual([255, 255, 255]);
    expect(parseHex(' #000000 ')).toEqual([0, 0, 0]);
  });
  it('refuses anything else', () => {
    for (const bad of ['red', '#12345', '#gggggg', '1f6feb', '', '#ffff', 'rgb(0,0,0)']) expect(parseHex(bad)).toBeNull();
  });
});

describe('contrastRatio', () => {
  it('is 21 for black on white and 1 for a colour on itself', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrastRatio('#1f6feb', '#1f6feb')).toBe(1);
  });
  it('matches published WCAG figures', () => {
    // Reference values as computed by the WCAG 2 formula (WebAIM's checker shows the same).
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(contrastRatio('#ffffff', '#1f6feb')).toBeCloseTo(4.6, 1);
    expect(relativeLuminance([255, 255, 255])).toBe(1);
  });
  it('is null when a colour cannot be read', () => {
    expect(contrastRatio('#fff', 'blue')).toBeNull();
  });
});

describe('AA', () => {
  it('draws the line at 4.5:1', () => {
    expect(meetsAA(contrastRatio('#767676', '#ffffff') ?? 0)).toBe(true);
    expect(meetsAA(contrastRatio('#777777', '#ffffff') ?? 0)).toBe(false);
  });
  it('formats rounding down', () => {
    expect(formatRatio(4.4999)).toBe('4.49:1');
    expect(formatRatio(21)).toBe('21.00:1');
  });
});
