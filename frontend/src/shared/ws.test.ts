import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF, WsClient, wsUrl, type Frame } from './ws';

describe('backoffDelay', () => {
  const mid = () => 0.5; // no jitter
  it('starts at 0.5 s and doubles', () => {
    expect([0, 1, 2, 3, 4].map((a) => backoffDelay(a, DEFAULT_BACKOFF, mid))).toEqual([500, 1000, 2000, 4000, 8000]);
  });
  it('stops growing at 15 s', () => {
    expect(backoffDelay(5, DEFAULT_BACKOFF, mid)).toBe(15_000);
    expect(backoffDelay(50, DEFAULT_BACKOFF, mid)).toBe(15_000);
    expect(backoffDelay(10_000, DEFAULT_BACKOFF, mid)).toBe(15_000);
  });
  it('spreads by ±50 %', () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0)).toBe(250);
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0.999999)).toBe(750);
    expect(backoffDelay(9, DEFAULT_BACKOFF, () => 0)).toBe(7_500);
    expect(backoffDelay(9, DEFAULT_BACKOFF, () => 0.999999)).toBe(22_500);
  });
  it('stays within bounds for random jitter', () => {
    for (let a = 0; a < 12; a++) {
      const centre = Math.min(15_000, 500 * 2 ** a);
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(a);
        expect(d).toBeGreaterThanOrEqual(centre * 0.5);
        expect(d).toBeLessThanOrEqual(centre * 1.5);
      }
    }
  });
  it('treats a negative attempt as the first', () => {
    expect(backoffDelay(-3, DEFAULT_BACKOFF, mid)).toBe(500);
  });
});

describe('wsUrl', () => {
  it('switches http(s) to ws(s)', () => {
    expect(wsUrl('/ws/guest', 'https://chats.example.jp/widget/panel')).toBe('wss://chats.example.jp/ws/guest');
    expect(wsUrl('/ws/staff', 'http://localhost:8000/console/')).toBe('ws://localhost:8000/ws/staff');
  });
});

/** Minimal stand-in for the browser WebSocket, driven by the test. */
class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
  serverOpen() {
    this.readyState = 1;
    this.onopen?.();
  }
  serverSend(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  serverClose(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

function setup(shouldReconnect?: (ev: CloseEvent) => boolean) {
  FakeSocket.all = [];
  const timers: { fn: () => void; ms: number }[] = [];
  let seq = 0;
  const client = new WsClient<Frame & { seq?: number }, Frame & { after?: number }>({
    url: 'ws://x/ws/guest',
    hello: () => ({ type: 'hello', after: seq }),
    WebSocket: FakeSocket as unknown as new (url: string) => WebSocket,
    random: () => 0.5,
    setTimeout: (fn, ms) => timers.push({ fn, ms }),
    clearTimeout: () => {},
    ...(shouldReconnect ? { shouldReconnect } : {}),
  });
  const received: Frame[] = [];
  client.onFrame((f) => {
    received.push(f);
    if (typeof f.seq === 'number') seq = f.seq;
  });
  return { client, timers, received, last: () => FakeSocket.all[FakeSocket.all.length - 1]! };
}

describe('WsClient', () => {
  it('goes connecting → open and sends hello first', () => {
    const { client, last } = setup();
    client.connect();
    expect(client.state.value).toBe('connecting');
    last().serverOpen();
    expect(client.state.value).toBe('open');
    expect(last().sent).toEqual(['{"type":"hello","after":0}']);
  });

  it('reconnects with backoff and rebuilds hello for resume', () => {
    const { client, timers, received, last } = setup();
    client.connect();
    last().serverOpen();
    last().serverSend({ type: 'message', seq: 7 });
    expect(received).toEqual([{ type: 'message', seq: 7 }]);

    last().serverClose();
    expect(client.state.value).toBe('reconnecting');
    expect(client.send({ type: 'send' })).toBe(false);
    expect(timers.map((t) => t.ms)).toEqual([500]);

    timers[0]!.fn();
    expect(FakeSocket.all).toHaveLength(2);
    last().serverClose(); // refused again: the delay doubles
    expect(timers.map((t) => t.ms)).toEqual([500, 1000]);

    timers[1]!.fn();
    last().serverOpen();
    expect(client.state.value).toBe('open');
    expect(last().sent).toEqual(['{"type":"hello","after":7}']);
  });

  it('resets the backoff once the server answers', () => {
    const { client, timers, last } = setup();
    client.connect();
    last().serverClose();
    timers[0]!.fn();
    last().serverOpen();
    last().serverSend({ type: 'welcome' });
    last().serverClose();
    expect(timers.map((t) => t.ms)).toEqual([500, 500]);
  });

  it('stays closed after close() and when told not to reconnect', () => {
    const a = setup();
    a.client.connect();
    a.last().serverOpen();
    a.client.close();
    expect(a.client.state.value).toBe('closed');
    expect(a.timers).toHaveLength(0);

    const b = setup((ev) => ev.code !== 1008);
    b.client.connect();
    b.last().serverOpen();
    b.last().serverClose(1008);
    expect(b.client.state.value).toBe('closed');
    expect(b.timers).toHaveLength(0);
  });

  it('ignores frames that are not JSON objects with a type', () => {
    const { client, received, last } = setup();
    client.connect();
    last().serverOpen();
    last().onmessage?.({ data: 'not json' });
    last().serverSend([1, 2]);
    last().serverSend({ no: 'type' });
    expect(received).toEqual([]);
  });
});
