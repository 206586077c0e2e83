// Keyboard focus helpers shared by the dialogs of every surface.

import type { RefObject } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLatestCallback } from './hooks';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Keep Tab and Shift+Tab inside `panel`: from the last element to the first and back. */
export function trapTab(ev: KeyboardEvent, panel: HTMLElement | null): void {
  if (ev.key !== 'Tab' || !panel) return;
  const items = [...panel.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.tabIndex >= 0 && el.offsetParent !== null);
  const first = items[0];
  const last = items[items.length - 1];
  if (!first || !last) return;
  const at = document.activeElement;
  if (ev.shiftKey && (at === first || !panel.contains(at))) {
    ev.preventDefault();
    last.focus();
  } else if (!ev.shiftKey && (at === last || !panel.contains(at))) {
    ev.preventDefault();
    first.focus();
  }
}

/**
 * A modal dialog's keyboard contract: focus the first of `firstSelector` (else the panel)
 * on open, Escape closes, Tab stays inside, and focus returns where it was on close.
 */
export function useModalFocus(panel: RefObject<HTMLElement | null>, onClose: () => void, firstSelector: string): void {
  usePanelFocus(panel, onClose, firstSelector, true);
}

/** The same for a panel that is not modal: Tab may leave it. */
export function usePanelFocus(panel: RefObject<HTMLElement | null>, onClose: () => void, firstSelector: string, trap = false): void {
  const close = useLatestCallback(onClose);
  // Read while the panel first renders, not in the effect after the paint: by then another
  // part of the page (a chat just opened focuses its composer) may have taken the focus.
  const [opener] = useState(() => document.activeElement as HTMLElement | null);
  useEffect(() => {
    const previous = opener;
    (panel.current?.querySelector<HTMLElement>(firstSelector) ?? panel.current)?.focus();
    const onKey = (ev: KeyboardEvent) => {
      if (ev.key === 'Escape' && !ev.isComposing) close();
      if (trap) trapTab(ev, panel.current);
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      previous?.focus?.();
    };
  }, [panel, firstSelector, trap, close, opener]);
}
