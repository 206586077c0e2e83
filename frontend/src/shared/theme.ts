// The store's widget colours (A3): the CSS custom property each one sets. The guest
// panel sets them on its page; the admin menu's preview shows them beside the form.
import type { ColoursIn } from './api-types';

export type ColourKey = keyof ColoursIn;

export const COLOUR_VARS: Record<ColourKey, string> = {
  header_bg: '--header-bg',
  header_fg: '--header-text',
  guest_bubble_bg: '--bubble-guest-bg',
  guest_bubble_fg: '--bubble-guest-text',
  staff_bubble_bg: '--bubble-staff-bg',
  staff_bubble_fg: '--bubble-staff-text',
};
