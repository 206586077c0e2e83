// Enter-to-send that never fires while a Japanese IME is converting (G8).
//
// Browsers disagree on what the Enter that commits a conversion looks like:
// - Chrome, Firefox, Edge: keydown with isComposing = true (keyCode 229).
// - Safari: compositionend first, then a keydown with isComposing = false but
//   keyCode 229 — and on some versions a plain keyCode 13 in the same task.
// So Enter is ignored while composing, when it carries keyCode 229, and when
// it comes right after a compositionend.

/** The parts of a KeyboardEvent the decision needs. */
export interface KeyLike {
  key: string;
  keyCode?: number;
  isComposing?: boolean;
  shiftKey?: boolean;
  altKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  /** event.timeStamp, ms */
  timeStamp?: number;
}

export type EnterAction = 'send' | 'newline' | 'ignore';

/** An Enter this soon (ms) after compositionend belongs to the conversion. */
export const COMPOSITION_GRACE_MS = 80;

export class EnterKeyGuard {
  private composing = false;
  private endedAt = -Infinity;

  compositionStart(): void {
    this.composing = true;
  }

  compositionEnd(timeStamp: number): void {
    this.composing = false;
    this.endedAt = timeStamp;
  }

  /** What a keydown should do: send, let the textarea add a newline, or nothing special. */
  decide(e: KeyLike): EnterAction {
    if (e.key !== 'Enter' && e.keyCode !== 13) return 'ignore';
    if (e.isComposing || this.composing || e.keyCode === 229 || e.key === 'Process') return 'ignore';
    if (e.timeStamp !== undefined && e.timeStamp - this.endedAt < COMPOSITION_GRACE_MS) return 'ignore';
    if (e.shiftKey) return 'newline';
    // Alt/Ctrl/Cmd+Enter: leave it to the browser and the IME, never send by surprise.
    if (e.altKey || e.ctrlKey || e.metaKey) return 'ignore';
    return 'send';
  }
}
