import { describe, expect, it } from 'vitest';
import { COMPOSITION_GRACE_MS, EnterKeyGuard } from './ime';

const enter = (extra: Record<string, unknown> = {}) => ({ key: 'Enter', keyCode: 13, timeStamp: 10_000, ...extra });

describe('EnterKeyGuard', () => {
  it('sends on a plain Enter', () => {
    expect(new EnterKeyGuard().decide(enter())).toBe('send');
  });

  it('makes a new line on Shift+Enter, and does nothing special with other modifiers', () => {
    const g = new EnterKeyGuard();
    expect(g.decide(enter({ shiftKey: true }))).toBe('newline');
    expect(g.decide(enter({ altKey: true }))).toBe('ignore');
    expect(g.decide(enter({ ctrlKey: true }))).toBe('ignore');
  });

  it('ignores other keys', () => {
    expect(new EnterKeyGuard().decide({ key: 'a', keyCode: 65 })).toBe('ignore');
  });

  it('never sends while the IME is composing (Chrome, Firefox: isComposing)', () => {
    const g = new EnterKeyGuard();
    g.compositionStart();
    expect(g.decide(enter({ isComposing: true, keyCode: 229 }))).toBe('ignore');
    // even when a browser forgets isComposing, the guard remembers compositionstart
    expect(g.decide(enter())).toBe('ignore');
  });

  it('ignores keyCode 229 and key "Process" even without a composition event', () => {
    const g = new EnterKeyGuard();
    expect(g.decide(enter({ keyCode: 229 }))).toBe('ignore');
    expect(g.decide({ key: 'Process', keyCode: 229 })).toBe('ignore');
  });

  it('ignores the Enter Safari sends right after compositionend', () => {
    const g = new EnterKeyGuard();
    g.compositionStart();
    g.compositionEnd(10_000);
    // Safari: compositionend, then keydown Enter with isComposing false
    expect(g.decide(enter({ timeStamp: 10_001 }))).toBe('ignore');
    expect(g.decide(enter({ timeStamp: 10_000 + COMPOSITION_GRACE_MS - 1 }))).toBe('ignore');
  });

  it('sends on the next, deliberate Enter after the conversion', () => {
    const g = new EnterKeyGuard();
    g.compositionStart();
    expect(g.decide(enter({ isComposing: true, keyCode: 229, timeStamp: 9_000 }))).toBe('ignore');
    g.compositionEnd(9_001);
    expect(g.decide(enter({ timeStamp: 9_500 }))).toBe('send');
  });

  it('Shift+Enter during composition is still ignored (the IME owns it)', () => {
    const g = new EnterKeyGuard();
    g.compositionStart();
    expect(g.decide(enter({ shiftKey: true, isComposing: true }))).toBe('ignore');
  });
});
