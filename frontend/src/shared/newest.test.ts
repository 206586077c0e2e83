import { describe, expect, it } from 'vitest';
import { Newest } from './newest';

/** A promise resolved from outside, to answer requests in any order. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Newest', () => {
  it('drops an older answer that arrives after a newer one', async () => {
    const requests = new Newest();
    const shown: string[] = [];
    const read = async (answer: Promise<string>) => {
      const current = requests.begin();
      const value = await answer;
      if (current()) shown.push(value);
    };
    const first = deferred<string>();
    const second = deferred<string>();
    const a = read(first.promise);
    const b = read(second.promise);
    second.resolve('new');
    await b;
    first.resolve('old');
    await a;
    expect(shown).toEqual(['new']);
  });

  it('keeps answers that come in the order they were asked', () => {
    const requests = new Newest();
    const one = requests.begin();
    expect(one()).toBe(true);
    const two = requests.begin();
    expect(one()).toBe(false);
    expect(two()).toBe(true);
  });
});
