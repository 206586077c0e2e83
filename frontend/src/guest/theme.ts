// The store's screen settings (A3) applied to the panel as CSS custom properties.
import { COLOUR_VARS } from '../shared/theme';
import type { ThemeKey, WidgetConfig } from './protocol';

/** Only plain colours get through: #rgb, #rrggbb(aa), rgb()/hsl() — nothing that could inject CSS. */
export function safeColour(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (/^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(s)) return s;
  if (/^(?:rgb|hsl)a?\(\s*[\d.%\s,/+-]+\)$/i.test(s)) return s;
  return null;
}

/** The custom properties to set for a theme, e.g. {"--header-bg": "#3d5a3a"}. */
export function themeVars(theme: WidgetConfig['theme'] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, name] of Object.entries(COLOUR_VARS)) {
    const c = safeColour(theme?.[key as ThemeKey]);
    if (c) out[name] = c;
  }
  return out;
}

/** Set the store's colours on el; a colour set back to the default is removed. */
export function applyTheme(theme: WidgetConfig['theme'] | undefined, el: HTMLElement): void {
  const vars = themeVars(theme);
  for (const name of Object.values(COLOUR_VARS)) {
    const value = vars[name];
    if (value) el.style.setProperty(name, value);
    else el.style.removeProperty(name);
  }
}
