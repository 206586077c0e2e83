import { describe, expect, it } from 'vitest';
import { safeColour, themeVars } from './theme';

describe('theme', () => {
  it('maps the store colours onto the panel variables', () => {
    expect(themeVars({ header_bg: '#3d5a3a', staff_bubble_fg: 'rgb(10, 20, 30)', guest_bubble_bg: null })).toEqual({
      '--header-bg': '#3d5a3a',
      '--bubble-staff-text': 'rgb(10, 20, 30)',
    });
    expect(themeVars(undefined)).toEqual({});
  });
  it('refuses anything that is not a plain colour', () => {
    expect(safeColour('red;background:url(x)')).toBeNull();
    expect(safeColour('#12345')).toBeNull();
    expect(safeColour('expression(alert(1))')).toBeNull();
    expect(safeColour(' #ABC ')).toBe('#ABC');
  });
});
