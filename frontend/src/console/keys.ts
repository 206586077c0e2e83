// Keyboard rules of the console: IME-safe Enter (G8 applies to staff too) and
// Alt+1…9 to switch chats (S7).

/** What an Enter keydown in the message box should do. */
export type EnterDecision = 'send' | 'newline' | 'none';

/** An Enter this soon (ms) after compositionend commits the conversion (Safari). */
export const AFTER_COMPOSITION_MS = 100;

export interface EnterKey {
  key: string;
  keyCode: number;
  isComposing: boolean;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  timeStamp: number;
}

/**
 * Enter sends; Shift+Enter is a new line; an Enter that belongs to the IME
 * (while composing, keyCode 229, or right after compositionend) does nothing.
 */
export function enterDecision(ev: EnterKey, lastCompositionEnd: number): EnterDecision {
  if (ev.key !== 'Enter') return 'none';
  if (ev.isComposing || ev.keyCode === 229) return 'none';
  if (ev.timeStamp - lastCompositionEnd >= 0 && ev.timeStamp - lastCompositionEnd < AFTER_COMPOSITION_MS) return 'none';
  if (ev.shiftKey) return 'newline';
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return 'none';
  return 'send';
}

/** The tab index (0–8) for Alt+1…9, else null. `code` is layout-independent (Mac Option). */
export function tabShortcut(ev: { altKey: boolean; ctrlKey: boolean; metaKey: boolean; code: string }): number | null {
  if (!ev.altKey || ev.ctrlKey || ev.metaKey) return null;
  const m = /^(?:Digit|Numpad)([1-9])$/.exec(ev.code);
  return m ? Number(m[1]) - 1 : null;
}

/** The `/shortcut` being typed at the caret, or null (S8). */
export function slashQuery(text: string, caret: number): { query: string; start: number } | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)\/([^\s/]*)$/.exec(before);
  if (!m) return null;
  const query = m[2] ?? '';
  return { query, start: caret - query.length - 1 };
}
