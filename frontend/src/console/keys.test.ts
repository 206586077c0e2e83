import { describe, expect, it } from 'vitest';
import { matchCanned } from './data';
import { enterDecision, slashQuery, tabShortcut, type EnterKey } from './keys';

const key = (over: Partial<EnterKey> = {}): EnterKey => ({
  key: 'Enter', keyCode: 13, isComposing: false, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, timeStamp: 10_000, ...over,
});

describe('enterDecision', () => {
  it('sends on a plain Enter and makes a newline with Shift', () => {
    expect(enterDecision(key(), -Infinity)).toBe('send');
    expect(enterDecision(key({ shiftKey: true }), -Infinity)).toBe('newline');
  });
  it('never sends while the IME is converting', () => {
    expect(enterDecision(key({ isComposing: true }), -Infinity)).toBe('none');
    expect(enterDecision(key({ keyCode: 229 }), -Infinity)).toBe('none');
    // Safari: compositionend arrives just before the Enter keydown.
    expect(enterDecision(key({ timeStamp: 10_020 }), 10_000)).toBe('none');
    expect(enterDecision(key({ timeStamp: 10_500 }), 10_000)).toBe('send');
  });
  it('ignores other keys and modified Enter', () => {
    expect(enterDecision(key({ key: 'a' }), -Infinity)).toBe('none');
    expect(enterDecision(key({ ctrlKey: true }), -Infinity)).toBe('none');
  });
});

describe('tabShortcut', () => {
  it('maps Alt+1…9 by physical key', () => {
    expect(tabShortcut({ altKey: true, ctrlKey: false, metaKey: false, code: 'Digit1' })).toBe(0);
    expect(tabShortcut({ altKey: true, ctrlKey: false, metaKey: false, code: 'Digit9' })).toBe(8);
    expect(tabShortcut({ altKey: false, ctrlKey: false, metaKey: false, code: 'Digit1' })).toBeNull();
    expect(tabShortcut({ altKey: true, ctrlKey: false, metaKey: false, code: 'Digit0' })).toBeNull();
  });
});

describe('slash search', () => {
  it('finds the /shortcut at the caret', () => {
    expect(slashQuery('/ho', 3)).toEqual({ query: 'ho', start: 0 });
    expect(slashQuery('こんにちは /eig', 10)).toEqual({ query: 'eig', start: 6 });
    expect(slashQuery('a/b', 3)).toBeNull();
    expect(slashQuery('/ho more', 8)).toBeNull();
  });
  it('ranks shortcut prefixes first', () => {
    const list = [
      { id: '1', scope: 'store' as const, shortcut: 'thanks', title: 'お礼', text: 'x', editable: false },
      { id: '2', scope: 'personal' as const, shortcut: 'hours', title: '営業時間 thanks', text: 'y', editable: true },
    ];
    expect(matchCanned(list, 'th').map((c) => c.id)).toEqual(['1', '2']);
    expect(matchCanned(list, 'ho').map((c) => c.id)).toEqual(['2']);
    expect(matchCanned(list, '')).toHaveLength(2);
  });
});
