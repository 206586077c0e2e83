// The guest token's way from the loader (on the store's page) to the panel (its
// iframe): postMessage both ways, each side hearing only the other.
import { describe, expect, it } from 'vitest';
import { handOver, panelMessage } from '../loader/handover';
import { askHostForToken, takeSecretsFromUrl, type HostMessage } from './host';

const CHATS = 'https://chats.example.jp';
const SHOP = 'https://shop.example.jp';

function pair(): { shop: FakeWindow; panel: FakeWindow } {
  const shop = new FakeWindow(SHOP);
  const panel = new FakeWindow(CHATS);
  shop.peer = panel;
  panel.peer = shop;
  return { shop, panel };
}

type Handler = (e: MessageEvent) => void;

/** A window as postMessage sees it: listeners, and messages that arrive from a source at an origin. */
class FakeWindow {
  private handlers = new Set<Handler>();
  sent: { message: unknown; target: string }[] = [];
  /** the window whose script calls this one's postMessage (the parent of a frame, the frame of a parent) */
  peer: FakeWindow | null = null;
  constructor(readonly origin: string) {}
  addEventListener(_type: 'message', fn: Handler): void {
    this.handlers.add(fn);
  }
  removeEventListener(_type: 'message', fn: Handler): void {
    this.handlers.delete(fn);
  }
  get listeners(): number {
    return this.handlers.size;
  }
  receive(data: unknown, source: unknown, origin: string): void {
    for (const fn of [...this.handlers]) fn({ data, source, origin } as MessageEvent);
  }
  /** Called by the peer's script: delivered (a copy) only when the target origin matches. */
  postMessage(message: unknown, target: string): void {
    this.sent.push({ message, target });
    if (target === this.origin) this.receive(structuredClone(message), this.peer, this.peer?.origin ?? 'null');
  }
}

/** The loader's message handler, as widget.ts wires it: answers `chats:need-token` with `token`. */
function loader(shop: FakeWindow, panel: FakeWindow, token: string | undefined) {
  const frame = { contentWindow: panel };
  const heard: string[] = [];
  shop.addEventListener('message', (e) => {
    const m = panelMessage(e, CHATS, frame);
    if (!m) return;
    heard.push(m.type);
    if (m.type === 'chats:need-token') handOver(frame, CHATS, token);
  });
  return { frame, heard };
}

function panelAsks(panel: FakeWindow, shop: FakeWindow, host: string | null = SHOP, timeoutMs = 1000) {
  const timers: (() => void)[] = [];
  const promise = askHostForToken({
    self: panel,
    parent: shop,
    host,
    post: (msg: HostMessage) => host && shop.postMessage(msg, host),
    timeoutMs,
    setTimeout: (fn) => timers.push(fn),
    clearTimeout: () => undefined,
  });
  return { promise, expire: () => timers.forEach((fn) => fn()) };
}

describe('guest token handover', () => {
  it('gives the panel the loader token, addressed to the CHATS origin only', async () => {
    const { shop, panel } = pair();
    const { heard } = loader(shop, panel, 'guest-token-1');
    await expect(panelAsks(panel, shop).promise).resolves.toBe('guest-token-1');
    expect(heard).toEqual(['chats:need-token']);
    expect(panel.sent).toEqual([{ message: { type: 'chats:token', token: 'guest-token-1' }, target: CHATS }]);
    expect(panel.listeners).toBe(0);
  });

  it('answers a reloaded panel again', async () => {
    const { shop, panel } = pair();
    loader(shop, panel, 'guest-token-1');
    await expect(panelAsks(panel, shop).promise).resolves.toBe('guest-token-1');
    await expect(panelAsks(panel, shop).promise).resolves.toBe('guest-token-1');
  });

  it('gives null when the loader has no token yet', async () => {
    const { shop, panel } = pair();
    loader(shop, panel, undefined);
    await expect(panelAsks(panel, shop).promise).resolves.toBeNull();
  });

  it('the loader hears its own panel only, never another frame or origin', () => {
    const frame = { contentWindow: new FakeWindow(CHATS) };
    const ask = { type: 'chats:need-token' };
    expect(panelMessage({ data: ask, source: frame.contentWindow, origin: CHATS }, CHATS, frame)).toEqual(ask);
    expect(panelMessage({ data: ask, source: new FakeWindow(CHATS), origin: CHATS }, CHATS, frame)).toBeNull();
    expect(panelMessage({ data: ask, source: frame.contentWindow, origin: SHOP }, CHATS, frame)).toBeNull();
    expect(panelMessage({ data: ask, source: frame.contentWindow, origin: CHATS }, CHATS, null)).toBeNull();
    expect(panelMessage({ data: 'chats:need-token', source: frame.contentWindow, origin: CHATS }, CHATS, frame)).toBeNull();
    expect(panelMessage({ data: null, source: frame.contentWindow, origin: CHATS }, CHATS, frame)).toBeNull();
  });

  it('the panel takes answers from its parent on the host origin only', async () => {
    const { shop, panel } = pair();
    const { promise, expire } = panelAsks(panel, shop);
    const answer = { type: 'chats:token', token: 'stolen' };
    panel.receive(answer, new FakeWindow(SHOP), SHOP); // another frame of the page
    panel.receive(answer, shop, 'https://evil.example'); // the parent, navigated elsewhere
    panel.receive({ type: 'chats:open', open: true }, shop, SHOP);
    expect(panel.listeners).toBe(1);
    expire();
    await expect(promise).resolves.toBeNull();
    expect(panel.listeners).toBe(0);
  });

  it('the panel refuses answers that are not tokens', async () => {
    for (const token of [42, '', 'a b', 'x'.repeat(129), { t: 1 }]) {
      const { shop, panel } = pair();
      const { promise } = panelAsks(panel, shop);
      panel.receive({ type: 'chats:token', token }, shop, SHOP);
      await expect(promise).resolves.toBeNull();
    }
  });

  it('a page that never answers (no loader, an old one) lets the panel go on after the timeout', async () => {
    const { shop, panel } = pair();
    const { promise, expire } = panelAsks(panel, shop);
    expect(shop.sent).toEqual([{ message: { type: 'chats:need-token' }, target: SHOP }]);
    expire();
    await expect(promise).resolves.toBeNull();
  });

  it('with no known host nothing is asked', async () => {
    const { shop, panel } = pair();
    await expect(panelAsks(panel, shop, null).promise).resolves.toBeNull();
    expect(shop.sent).toEqual([]);
  });
});

describe('takeSecretsFromUrl', () => {
  function fakeHistory(state: unknown = null) {
    const calls: { state: unknown; url: string }[] = [];
    return {
      calls,
      history: {
        state,
        replaceState(s: unknown, _unused: string, url?: string | URL | null) {
          calls.push({ state: s, url: String(url) });
          this.state = s;
        },
      },
    };
  }

  it('removes the e-mail token and a stray guest token from the address at once', () => {
    const { calls, history } = fakeHistory();
    const loc = { pathname: '/widget/panel', search: '?store=k&mail=abc.def&token=t1&lang=en', hash: '' };
    expect(takeSecretsFromUrl(loc, history)).toBe('abc.def');
    expect(calls).toEqual([{ state: { chatsMail: 'abc.def' }, url: '/widget/panel?store=k&lang=en' }]);
  });

  it('finds the e-mail token again after a reload, from the history entry', () => {
    const { calls, history } = fakeHistory({ chatsMail: 'abc.def' });
    expect(takeSecretsFromUrl({ pathname: '/widget/panel', search: '?store=k', hash: '' }, history)).toBe('abc.def');
    expect(calls).toEqual([]);
  });

  it('leaves an address without secrets alone', () => {
    const { calls, history } = fakeHistory();
    expect(takeSecretsFromUrl({ pathname: '/widget/panel', search: '?store=k&host=x', hash: '' }, history)).toBeNull();
    expect(calls).toEqual([]);
  });
});
