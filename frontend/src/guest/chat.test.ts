import { beforeEach, describe, expect, it } from 'vitest';
import { GuestChat, TYPING_INTERVAL_MS } from './chat';
import type { HostMessage } from './host';
import type { ChatMessage } from './protocol';

class MemoryStorage implements Storage {
  private m = new Map<string, string>();
  get length() {
    return this.m.size;
  }
  clear() {
    this.m.clear();
  }
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  key(i: number) {
    return [...this.m.keys()][i] ?? null;
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
}

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  frame(f: object) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
  types() {
    return this.sent.map((f) => f['type']);
  }
}

/** Timers run by hand: `tick(ms)` fires everything due. */
class Clock {
  now = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 1;
  set = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.timers.push({ at: this.now + ms, fn, id });
    return id;
  };
  clear = (id: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== id);
  };
  tick(ms: number) {
    const end = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.now = due.at;
      due.fn();
    }
    this.now = end;
  }
}

const CONV = 'c1';
const msg = (seq: number, extra: Partial<ChatMessage> = {}): ChatMessage & { type: 'message' } => ({
  type: 'message',
  conversation_id: CONV,
  seq,
  message_id: `m${seq}`,
  client_msg_id: null,
  author: 'staff',
  staff: { id: 's1', name: '担当 一郎' },
  kind: 'text',
  text: `staff ${seq}`,
  created_at: '2025-01-01T00:00:00Z',
  ...extra,
});
const welcome = (extra: object = {}) => ({
  type: 'welcome',
  token: 'tok',
  guest_id: 'g1',
  availability: 'waiting',
  conversation: null,
  unread: 0,
  ...extra,
});
const active = { id: CONV, status: 'active', staff: { name: '担当 一郎' } };

let clock: Clock;
let storage: MemoryStorage;
let posted: HostMessage[];

function make(opts: { token?: string | null; handed?: string | null } = {}) {
  const chat = new GuestChat({
    storeKey: 'KEY',
    token: opts.token ?? null,
    wsUrl: 'ws://chats.test/ws/guest',
    locale: () => 'ja',
    storage,
    post: (m) => posted.push(m),
    WebSocket: FakeSocket as unknown as new (url: string) => WebSocket,
    random: () => 0.5,
    setTimeout: clock.set,
    clearTimeout: clock.clear,
    ackTimeoutMs: 5000,
  });
  chat.connect(opts.handed);
  return chat;
}
const last = () => FakeSocket.all[FakeSocket.all.length - 1] as FakeSocket;

beforeEach(() => {
  FakeSocket.all = [];
  clock = new Clock();
  storage = new MemoryStorage();
  posted = [];
});

describe('GuestChat connection', () => {
  it('says hello with the store, the token and the locale', () => {
    make({ token: 'from-mail-link' });
    last().open();
    expect(last().sent[0]).toEqual({ type: 'hello', store: 'KEY', token: 'from-mail-link', locale: 'ja' });
  });

  it('says hello with the token the loader handed over rather than the one it saved', () => {
    storage.setItem('chats:guest:KEY', 'saved');
    make({ handed: 'from-loader' });
    last().open();
    expect(last().sent[0]).toMatchObject({ token: 'from-loader' });
    make({ handed: null });
    last().open();
    expect(last().sent[0]).toMatchObject({ token: 'saved' });
  });

  it('keeps the token of the welcome and tells the loader', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ token: 'new-token', availability: 'away' }));
    expect(storage.getItem('chats:guest:KEY')).toBe('new-token');
    expect(posted).toContainEqual({ type: 'chats:token', token: 'new-token' });
    expect(posted).toContainEqual({ type: 'chats:availability', status: 'away', blacklisted: false });
    expect(chat.screen.value).toBe('leave');
    // a reload of the panel that nobody hands a token reuses it
    make();
    last().open();
    expect(last().sent[0]).toMatchObject({ token: 'new-token' });
  });

  it('chooses the screen from availability and the conversation', () => {
    const chat = make();
    expect(chat.screen.value).toBe('loading');
    last().open();
    last().frame(welcome());
    expect(chat.screen.value).toBe('form');
    last().frame({ type: 'availability', status: 'busy' });
    expect(chat.screen.value).toBe('leave');
    last().frame({ type: 'conversation', id: CONV, status: 'waiting', staff: null, queue_position: 2 });
    expect(chat.screen.value).toBe('chat');
    expect(chat.conversation.value?.queue_position).toBe(2);
    last().frame({ type: 'conversation', id: CONV, status: 'ended', staff: null });
    expect(chat.screen.value).toBe('chat'); // the ended chat stays readable
    chat.startOver('new');
    expect(chat.screen.value).toBe('leave'); // busy: no new chat, a message instead
  });

  it('treats a blacklisted refusal as away with no chat (G5)', () => {
    const chat = make();
    last().open();
    last().frame(welcome());
    chat.start('山田', {});
    last().frame({ type: 'error', code: 'blacklisted', message: '…' });
    expect(chat.availability.value).toBe('away');
    expect(chat.screen.value).toBe('closed');
  });
});

describe('GuestChat while busy (issue 14)', () => {
  const open = { waiting: 2, estimated_wait_seconds: 150, queue_open: true };

  it('offers the queue while busy when the store allows it, else the leave form', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ availability: 'busy', busy: open }));
    expect(chat.busy.value).toEqual(open);
    expect(chat.canQueue.value).toBe(true);
    expect(chat.screen.value).toBe('form');
    last().frame({ type: 'availability', status: 'busy', busy: { ...open, queue_open: false } });
    expect(chat.canQueue.value).toBe(false);
    expect(chat.screen.value).toBe('leave');
    last().frame({ type: 'availability', status: 'waiting' });
    expect(chat.busy.value).toBeNull();
    expect(chat.screen.value).toBe('form');
  });

  it('keeps the leave form once the guest writes in it, even when a staff member frees up', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ availability: 'busy' }));
    expect(chat.screen.value).toBe('leave');
    chat.keepLeaveForm();
    last().frame({ type: 'availability', status: 'waiting' });
    expect(chat.screen.value).toBe('leave');
    chat.startOver('new');
    expect(chat.screen.value).toBe('form'); // a later choice still wins
  });

  it('offers a queued new chat after an ended one only while the queue is open', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ conversation: active, availability: 'busy', busy: open }));
    last().frame({ type: 'conversation', id: CONV, status: 'ended', staff: null });
    expect(chat.canStart.value).toBe(true);
    chat.startOver('new');
    expect(chat.screen.value).toBe('form');
    last().frame({ type: 'availability', status: 'away' });
    expect(chat.screen.value).toBe('leave');
  });

  it('never offers the queue to a blacklisted guest', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ availability: 'busy', busy: open }));
    last().frame({ type: 'availability', status: 'away', blacklisted: true });
    expect(chat.canQueue.value).toBe(false);
    expect(chat.screen.value).toBe('closed');
    // the loader shows its plain away button, with no offer to leave a message
    expect(posted).toContainEqual({ type: 'chats:availability', status: 'away', blacklisted: true });
  });
});

describe('GuestChat and the blacklist', () => {
  it('never offers a form after a reload when the welcome says blacklisted', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ availability: 'away', blacklisted: true }));
    expect(chat.screen.value).toBe('closed');
    chat.startOver('leave');
    expect(chat.screen.value).toBe('closed');
  });

  it('closes at once when the staff blacklists the guest during a chat, and reopens when lifted', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ conversation: active }));
    last().frame({ type: 'conversation', id: CONV, status: 'ended', staff: null });
    last().frame({ type: 'availability', status: 'away', blacklisted: true });
    expect(chat.blacklisted.value).toBe(true);
    chat.startOver('leave');
    expect(chat.screen.value).toBe('closed');
    last().frame({ type: 'availability', status: 'waiting', blacklisted: false });
    expect(chat.blacklisted.value).toBe(false);
    chat.startOver('new');
    expect(chat.screen.value).toBe('form');
  });
});

describe('GuestChat timeline', () => {
  it('keeps seq order and shows each seq once', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ conversation: active }));
    for (const seq of [1, 3, 2, 3, 1]) last().frame(msg(seq));
    expect(chat.messages.value.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('marks staff messages read only while the panel is visible, and reports unread', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ conversation: active, unread: 0 }));
    last().frame(msg(1));
    clock.tick(500);
    expect(last().types()).not.toContain('read');
    expect(posted.filter((m) => m.type === 'chats:unread').at(-1)).toEqual({ type: 'chats:unread', count: 1 });
    last().frame(msg(2));
    expect(chat.unread.value).toBe(2);
    chat.setVisible(true);
    clock.tick(10);
    expect(last().sent.at(-1)).toEqual({ type: 'read', conversation_id: CONV, seq: 2 });
    expect(chat.unread.value).toBe(0);
    expect(posted.at(-1)).toEqual({ type: 'chats:unread', count: 0 });
  });

  it('shows the staff read mark and "typing"', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ conversation: active }));
    last().frame({ type: 'typing', conversation_id: CONV, active: true });
    expect(chat.staffTyping.value).toBe(true);
    last().frame(msg(1));
    expect(chat.staffTyping.value).toBe(false);
    last().frame({ type: 'read', conversation_id: CONV, seq: 1 });
    expect(chat.staffRead.value.get(CONV)).toBe(1);
  });
});

describe('GuestChat outbox (G10)', () => {
  it('sends at once when connected and forgets the message on ack', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ conversation: active }));
    expect(chat.send('  こんにちは  ')).toBe(true);
    const sent = last().sent.at(-1) as { client_msg_id: string };
    expect(sent).toMatchObject({ type: 'send', text: 'こんにちは' });
    expect(JSON.parse(storage.getItem('chats:outbox:KEY') ?? '[]')).toHaveLength(1);
    last().frame({ type: 'ack', client_msg_id: sent.client_msg_id, conversation_id: CONV, seq: 1, message_id: 'x' });
    expect(chat.outbox.entries.value).toEqual([]);
    expect(storage.getItem('chats:outbox:KEY')).toBeNull();
  });

  it('refuses empty and over-long text locally', () => {
    const chat = make();
    expect(chat.send('   ')).toBe(false);
    expect(chat.send('あ'.repeat(4001))).toBe(false);
    expect(chat.send('あ'.repeat(4000))).toBe(true);
  });

  it('keeps what is typed offline and sends it once, in order, after resuming', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ conversation: active }));
    last().frame(msg(1));
    last().frame(msg(2, { author: 'guest', client_msg_id: 'earlier' }));
    last().drop();
    expect(chat.ready.value).toBe(false);
    for (const text of ['一', '二', '三']) chat.send(text);
    expect(chat.outbox.entries.value.map((e) => e.text)).toEqual(['一', '二', '三']);
    clock.tick(10_000); // backoff
    const second = last();
    expect(FakeSocket.all).toHaveLength(2);
    second.open();
    expect(second.sent[0]).toMatchObject({ type: 'hello', resume: { conversation_id: CONV, after_seq: 2 } });
    expect(second.sent.filter((f) => f['type'] === 'send')).toEqual([]); // not before welcome
    second.frame(welcome({ conversation: active }));
    const sends = second.sent.filter((f) => f['type'] === 'send');
    expect(sends.map((f) => f['text'])).toEqual(['一', '二', '三']);
    // acked twice (the resend of an id already stored gets the same ack): no harm
    sends.forEach((f, i) => {
      const ack = { type: 'ack', client_msg_id: f['client_msg_id'], conversation_id: CONV, seq: 3 + i, message_id: `g${i}` };
      second.frame(ack);
      second.frame(ack);
    });
    expect(chat.outbox.entries.value).toEqual([]);
  });

  it('survives a reload: the outbox in storage is sent by the next panel', () => {
    const first = make();
    first.send('届いてほしい');
    expect(FakeSocket.all[0]?.sent).toEqual([]);
    FakeSocket.all = [];
    make();
    last().open();
    last().frame(welcome({ conversation: active }));
    expect(last().sent.filter((f) => f['type'] === 'send').map((f) => f['text'])).toEqual(['届いてほしい']);
  });

  it('counts a message echoed with its client_msg_id as delivered', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ conversation: active }));
    chat.send('echo');
    const id = last().sent.at(-1)?.['client_msg_id'] as string;
    last().frame(msg(1, { author: 'guest', client_msg_id: id, text: 'echo' }));
    expect(chat.outbox.entries.value).toEqual([]);
    expect(chat.messages.value).toHaveLength(1);
  });

  it('replaces a connection that swallows messages without an ack', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ conversation: active }));
    chat.send('lost in a dead socket');
    clock.tick(5000);
    expect(FakeSocket.all).toHaveLength(2);
    last().open();
    last().frame(welcome({ conversation: active }));
    expect(last().sent.filter((f) => f['type'] === 'send').map((f) => f['text'])).toEqual(['lost in a dead socket']);
  });

  it('drops the socket when the browser goes offline and comes back when online', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ conversation: active }));
    chat.setOnline(false);
    expect(chat.ready.value).toBe(false);
    chat.send('offline');
    chat.setOnline(true);
    expect(FakeSocket.all).toHaveLength(2);
    last().open();
    last().frame(welcome({ conversation: active }));
    expect(last().sent.some((f) => f['text'] === 'offline')).toBe(true);
  });

  it('retries after rate_limited, and reports other refusals', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ conversation: active }));
    chat.send('a');
    chat.send('b');
    const [a, b] = last().sent.filter((f) => f['type'] === 'send').map((f) => f['client_msg_id'] as string);
    last().frame({ type: 'error', code: 'rate_limited', message: 'slow down', ref: a });
    clock.tick(2000);
    expect(last().sent.filter((f) => f['client_msg_id'] === a)).toHaveLength(2);
    last().frame({ type: 'error', code: 'too_large', message: 'too long', ref: b });
    expect(chat.failed.value.map((f) => f.entry.text)).toEqual(['b']);
    chat.retry(b as string);
    expect(chat.failed.value).toEqual([]);
    expect(last().sent.at(-1)).toMatchObject({ type: 'send', text: 'b' });
  });

  it('leaves a message when away and shows it was received', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ availability: 'away' }));
    expect(chat.leaveMessage('山田', 'y@example.jp', '在庫はありますか')).toBe(true);
    const f = last().sent.at(-1) as Record<string, unknown>;
    expect(f).toMatchObject({ type: 'leave_message', nickname: '山田', email: 'y@example.jp', text: '在庫はありますか' });
    last().frame({ type: 'ack', client_msg_id: f['client_msg_id'], conversation_id: 'c9', seq: 1, message_id: 'x' });
    expect(chat.screen.value).toBe('left');
  });
});

describe('GuestChat typing', () => {
  it('sends the live draft at most every 250 ms, ending with the latest text', () => {
    const realNow = Date.now;
    let now = 1_000_000;
    Date.now = () => now;
    try {
      const chat = make();
      last().open();
      last().frame(welcome({ conversation: active }));
      for (let i = 1; i <= 20; i++) {
        chat.setDraft('あ'.repeat(i));
        now += 20;
        clock.tick(20);
      }
      now += TYPING_INTERVAL_MS;
      clock.tick(TYPING_INTERVAL_MS);
      const typing = last().sent.filter((f) => f['type'] === 'typing');
      expect(typing.length).toBeLessThanOrEqual(3); // 400 ms of typing
      expect(typing.at(-1)).toEqual({ type: 'typing', text: 'あ'.repeat(20) });
    } finally {
      Date.now = realNow;
    }
  });

  it('sends no draft while the chat is not active', () => {
    const chat = make();
    last().open();
    last().frame(welcome());
    chat.setDraft('x');
    clock.tick(1000);
    expect(last().types()).not.toContain('typing');
  });
});

describe('GuestChat after a chat (issue 19)', () => {
  const ended = { id: CONV, status: 'ended', staff: null };

  it('rates the ended chat once and keeps the answer', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ conversation: ended }));
    expect(chat.rate(4, '  とても丁寧でした  ')).toBe(true);
    expect(last().sent.at(-1)).toEqual({ type: 'rate', conversation_id: CONV, score: 4, comment: 'とても丁寧でした' });
    expect(chat.afterPending.value).toBe('rate');
    expect(chat.rate(5, '')).toBe(false); // one request at a time
    last().frame({ type: 'rated', conversation_id: CONV, rating: { score: 4, comment: 'とても丁寧でした', rated_at: null } });
    expect(chat.afterPending.value).toBeNull();
    expect(chat.ratings.value.get(CONV)?.score).toBe(4);
  });

  it('knows a chat rated before, from the conversation the server sends', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ conversation: { ...ended, rating: { score: 3, comment: null, rated_at: null } } }));
    expect(chat.ratings.value.get(CONV)?.score).toBe(3);
  });

  it('shows a refusal of a transcript request by the form, not as a general notice', () => {
    const chat = make();
    last().open();
    last().frame(welcome({ conversation: ended }));
    expect(chat.requestTranscript(' hanako@example ')).toBe(true);
    expect(last().sent.at(-1)).toEqual({ type: 'transcript', conversation_id: CONV, email: 'hanako@example' });
    last().frame({ type: 'error', code: 'bad_frame', message: 'メールアドレスの形式が正しくありません。' });
    expect(chat.afterError.value).toEqual({ what: 'transcript', message: 'メールアドレスの形式が正しくありません。' });
    expect(chat.notice.value).toBeNull();
    chat.requestTranscript('hanako@example.com');
    expect(chat.afterError.value).toBeNull();
    last().frame({ type: 'transcript_queued', conversation_id: CONV, email: 'hanako@example.com' });
    expect(chat.transcripts.value.get(CONV)).toBe('hanako@example.com');
  });
});
