// The widget's colours (A3): built-in values, contrast pairs, the preview (its CSS variables: shared/theme.ts).
import { COLOUR_VARS } from '../../shared/theme';
import type { ColourKey } from '../api';
import { contrastRatio, meetsAA } from './contrast';

export type Colours = Record<ColourKey, string | null>;

/** What the widget shows when the store sets nothing (shared/tokens.css, light scheme). */
export const BUILT_IN: Record<ColourKey, string> = {
  header_bg: '#1f6feb',
  header_fg: '#ffffff',
  guest_bubble_bg: '#1f6feb',
  guest_bubble_fg: '#ffffff',
  staff_bubble_bg: '#eef1f5',
  staff_bubble_fg: '#1d2430',
};

export type Area = 'header' | 'guest_bubble' | 'staff_bubble';
export const AREAS: readonly Area[] = ['header', 'guest_bubble', 'staff_bubble'];

/** The colour in effect: the store's own, else the built-in one. */
export function effective(colours: Colours, key: ColourKey): string {
  return colours[key] ?? BUILT_IN[key];
}

/** Text-on-background contrast of an area, and whether it passes AA. */
export function areaContrast(colours: Colours, area: Area): { ratio: number; ok: boolean } {
  const ratio = contrastRatio(effective(colours, `${area}_fg`), effective(colours, `${area}_bg`)) ?? 1;
  return { ratio, ok: meetsAA(ratio) };
}

/** Inline style for the preview: every colour as its CSS variable. */
export function previewStyle(colours: Colours): Record<string, string> {
  const style: Record<string, string> = {};
  for (const [key, name] of Object.entries(COLOUR_VARS) as [ColourKey, string][]) style[name] = effective(colours, key);
  return style;
}

/** #rrggbb in lower case, or null when the text is not one. */
export function normaliseHex(text: string): string | null {
  const s = text.trim().toLowerCase();
  return /^#[0-9a-f]{6}$/.test(s) ? s : null;
}
