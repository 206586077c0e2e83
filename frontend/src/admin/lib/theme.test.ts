import { describe, expect, it } from 'vitest';
import { areaContrast, BUILT_IN, effective, normaliseHex, previewStyle, type Colours } from './theme';

const none: Colours = {
  header_bg: null,
  header_fg: null,
  guest_bubble_bg: null,
  guest_bubble_fg: null,
  staff_bubble_bg: null,
  staff_bubble_fg: null,
};

describe('theme', () => {
  it('falls back to the built-in colours, which pass AA', () => {
    expect(effective(none, 'header_bg')).toBe(BUILT_IN.header_bg);
    for (const area of ['header', 'guest_bubble', 'staff_bubble'] as const) expect(areaContrast(none, area).ok).toBe(true);
  });
  it('flags low contrast', () => {
    const pale = { ...none, staff_bubble_bg: '#ffffff', staff_bubble_fg: '#aaaaaa' };
    const c = areaContrast(pale, 'staff_bubble');
    expect(c.ok).toBe(false);
    expect(c.ratio).toBeCloseTo(2.32, 2);
  });
  it('sets the widget variables', () => {
    expect(previewStyle({ ...none, header_bg: '#000000' })['--header-bg']).toBe('#000000');
    expect(previewStyle(none)['--bubble-staff-text']).toBe(BUILT_IN.staff_bubble_fg);
  });
  it('normalises hex input', () => {
    expect(normaliseHex(' #ABCDEF ')).toBe('#abcdef');
    expect(normaliseHex('#abc')).toBeNull();
  });
});
