// The guest's chat session: one /ws/guest connection, the state the panel
// draws, and the rules that make it lose, repeat and reorder nothing (G10):
// resume after the last seq seen, an outbox resent until acked, timelines
// deduplicated by seq.
import { batch, computed, signal } from '@preact/signals';
import { WsClient, type BackoffOptions, type Timer } from '../shared/ws';
import type { HostMessage } from './host';
import { Outbox, type OutboxEntry } from './outbox';
import {
  newClientMsgId,
  type Availability,
  type BusyInfo,
  type ChatMessage,
  type ClientFrame,
  type ConversationInfo,
  type Rating,
  type ServerFrame,
} from './protocol';
import { insertMessage, lastSeq, MAX_TEXT, textLength } from './timeline';

export type Screen = 'loading' | 'form' | 'chat' | 'leave' | 'left' | 'closed';

export interface Failed {
  entry: OutboxEntry;
  code: string;
  message: string;
}

export interface GuestChatOptions {
  storeKey: string;
  /** token of an e-mail link (M2), else the one this panel saved is used */
  token: string | null;
  wsUrl: string;
  locale: () => 'ja' | 'en';
  storage?: Storage | null;
  post?: (msg: HostMessage) => void;
  WebSocket?: new (url: string) => WebSocket;
  backoff?: BackoffOptions;
  random?: () => number;
  setTimeout?: (fn: () => void, ms: number) => Timer;
  clearTimeout?: (id: Timer) => void;
  /** ms without an ack before the connection is presumed dead and replaced */
  ackTimeoutMs?: number;
}

/** At most this often (ms) is the live draft sent as `typing` (limit: 10/s). */
export const TYPING_INTERVAL_MS = 250;
/** "staff is typing" disappears on its own after this long without news. */
export const STAFF_TYPING_TTL_MS = 20_000;
const RETRY_RATE_LIMITED_MS = 1500;

export class GuestChat {
  readonly availability = signal<Availability>('away');
  /** true between `welcome` and the next disconnect: frames may be sent */
  readonly ready = signal(false);
  /** a `welcome` has been seen at least once (the screen stops loading) */
  readonly welcomed = signal(false);
  readonly conversation = signal<ConversationInfo | null>(null);
  /** messages per conversation id, each in seq order */
  readonly timelines = signal<ReadonlyMap<string, ChatMessage[]>>(new Map());
  readonly staffTyping = signal(false);
  /** per conversation: the staff member has read up to this seq */
  readonly staffRead = signal<ReadonlyMap<string, number>>(new Map());
  readonly unread = signal(0);
  readonly failed = signal<Failed[]>([]);
  /** last refusal not tied to a message (start refused, …) */
  readonly notice = signal<{ code: string; message: string } | null>(null);
  readonly startPending = signal(false);
  readonly blacklisted = signal(false);
  /** while busy: the queue and the estimated wait (issue 14) */
  readonly busy = signal<BusyInfo | null>(null);
  /** outside business hours: when the store next opens ("2026-12-04T10:00+09:00", issue 16) */
  readonly opensAt = signal<string | null>(null);
  /** busy, and the store lets a guest join the queue: `start` opens a waiting chat */
  readonly canQueue = computed(
    () => this.availability.value === 'busy' && this.busy.value?.queue_open === true && !this.blacklisted.value,
  );
  /** a chat may be started now: a staff member is free, or the queue is open */
  readonly canStart = computed(() => !this.blacklisted.value && (this.availability.value === 'waiting' || this.canQueue.value));
  /** the message left while away, once acknowledged */
  readonly left = signal<OutboxEntry | null>(null);
  /** what the guest chose after a chat ended: a new chat or a message */
  readonly choice = signal<'auto' | 'new' | 'leave'>('auto');
  readonly online = signal(typeof navigator === 'undefined' ? true : navigator.onLine !== false);
  /** the panel is on screen (loader says open, document visible) */
  readonly visible = signal(false);
  /** bumped on `settings_changed`: the panel reloads the store's config */
  readonly settingsVersion = signal(0);
  /** issue 19: ratings given in this panel, by conversation id */
  readonly ratings = signal<ReadonlyMap<string, Rating>>(new Map());
  /** issue 19: the address the last transcript of each conversation went to */
  readonly transcripts = signal<ReadonlyMap<string, string>>(new Map());
  /** issue 19: a rating or transcript request on its way, and the refusal it got */
  readonly afterPending = signal<'rate' | 'transcript' | null>(null);
  readonly afterError = signal<{ what: 'rate' | 'transcript'; message: string } | null>(null);

  readonly outbox: Outbox;
  readonly ws: WsClient<ServerFrame, ClientFrame>;
  token: string | null;

  readonly messages = computed<ChatMessage[]>(() => {
    const c = this.conversation.value;
    return (c && this.timelines.value.get(c.id)) || [];
  });

  readonly screen = computed<Screen>(() => {
    if (this.left.value) return 'left';
    if (!this.welcomed.value) return 'loading';
    const c = this.conversation.value;
    if (c && c.status !== 'ended') return 'chat';
    if (this.blacklisted.value) return 'closed';
    const choice = this.choice.value;
    if (choice === 'leave') return 'leave';
    if (c && choice === 'auto') return 'chat';
    return this.canStart.value ? 'form' : 'leave';
  });

  private readonly opts: GuestChatOptions;
  private readonly set: (fn: () => void, ms: number) => Timer;
  private readonly clear: (id: Timer) => void;
  private readSent = new Map<string, number>();
  private typingTimer: Timer | null = null;
  private typingLastSent = -Infinity;
  private typingDraft: string | null = null;
  private typingSentText = '';
  private staffTypingTimer: Timer | null = null;
  private ackTimer: Timer | null = null;
  private readTimer: Timer | null = null;
  private retryTimer: Timer | null = null;
  private lastPosted = new Map<string, unknown>();

  constructor(opts: GuestChatOptions) {
    this.opts = opts;
    this.set = opts.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
    this.clear = opts.clearTimeout ?? ((id) => globalThis.clearTimeout(id as number));
    const storage = opts.storage ?? null;
    this.token = opts.token || readStored(storage, `chats:guest:${opts.storeKey}`);
    this.outbox = new Outbox(storage, `chats:outbox:${opts.storeKey}`);
    this.ws = new WsClient<ServerFrame, ClientFrame>({
      url: opts.wsUrl,
      hello: () => this.hello(),
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
      ...(opts.WebSocket ? { WebSocket: opts.WebSocket } : {}),
      ...(opts.random ? { random: opts.random } : {}),
      setTimeout: this.set,
      clearTimeout: this.clear,
    });
    this.ws.onFrame((f) => this.onFrame(f));
    this.ws.state.subscribe((s) => {
      if (s !== 'open') this.ready.value = false;
    });
  }

  /** Open the socket; `token` (the loader's, handed over by postMessage) wins over the saved one. */
  connect(token?: string | null): void {
    if (token) this.token = token;
    this.ws.connect();
  }

  /** The browser says the network is back: reconnect now instead of waiting out the backoff. */
  setOnline(online: boolean): void {
    this.online.value = online;
    if (!online) {
      // The old socket may linger half-dead; drop it and wait for the network.
      this.stopAckTimer();
      this.ws.close(4000);
    } else if (this.ws.state.value === 'closed') this.ws.connect();
    else this.ws.retryNow();
  }

  setVisible(visible: boolean): void {
    this.visible.value = visible;
    if (!visible) return;
    if (this.readTimer !== null) this.clear(this.readTimer);
    this.readTimer = null;
    this.scheduleRead(0);
  }

  // -- frames in ---------------------------------------------------------

  private hello(): ClientFrame {
    const c = this.conversation.value;
    const frame: ClientFrame = { type: 'hello', store: this.opts.storeKey, locale: this.opts.locale() };
    if (this.token) frame.token = this.token;
    // Resume only a conversation whose messages this page holds; otherwise
    // the server sends the latest ones after `welcome` anyway.
    if (c && this.timelines.value.has(c.id)) {
      frame.resume = { conversation_id: c.id, after_seq: lastSeq(this.timelines.value.get(c.id) ?? []) };
    }
    return frame;
  }

  private onFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'welcome':
        return this.onWelcome(f);
      case 'availability':
        batch(() => {
          if (typeof f.blacklisted === 'boolean') this.blacklisted.value = f.blacklisted;
          this.availability.value = f.status;
          this.busy.value = f.busy ?? null;
          this.opensAt.value = f.opens_at ?? null;
        });
        return this.postAvailability();
      case 'conversation':
        return this.onConversation(f);
      case 'message':
        return this.onMessage(f);
      case 'ack':
        return this.onAck(f.client_msg_id, f.conversation_id);
      case 'read': {
        const m = new Map(this.staffRead.value);
        m.set(f.conversation_id, Math.max(m.get(f.conversation_id) ?? 0, f.seq));
        this.staffRead.value = m;
        return;
      }
      case 'typing':
        if (f.conversation_id === this.conversation.value?.id) this.setStaffTyping(f.active);
        return;
      case 'error':
        return this.onError(f.code, f.message, f.ref ?? null);
      case 'settings_changed':
        this.settingsVersion.value += 1;
        return;
      case 'rated':
        batch(() => {
          this.ratings.value = new Map(this.ratings.value).set(f.conversation_id, f.rating);
          this.afterPending.value = null;
        });
        return;
      case 'transcript_queued':
        batch(() => {
          this.transcripts.value = new Map(this.transcripts.value).set(f.conversation_id, f.email);
          this.afterPending.value = null;
        });
        return;
    }
  }

  private onWelcome(f: Extract<ServerFrame, { type: 'welcome' }>): void {
    batch(() => {
      this.token = f.token;
      this.availability.value = f.availability;
      this.blacklisted.value = f.blacklisted === true;
      this.busy.value = f.busy ?? null;
      this.opensAt.value = f.opens_at ?? null;
      const current = this.conversation.value;
      if (f.conversation) this.adopt(f.conversation);
      if (f.conversation?.rating) this.ratings.value = new Map(this.ratings.value).set(f.conversation.id, f.conversation.rating);
      // Our chat was ended (and read) while we were away: keep it on screen as ended.
      else if (current) this.conversation.value = { ...current, status: 'ended' };
      // Later welcomes: our own count already holds what arrived live, and
      // the resume replays only what is new.
      if (!this.welcomed.value) this.unread.value = f.unread;
      this.ready.value = true;
      this.welcomed.value = true;
      this.startPending.value = false;
    });
    writeStored(this.opts.storage ?? null, `chats:guest:${this.opts.storeKey}`, f.token);
    this.postHost({ type: 'chats:token', token: f.token });
    this.postAvailability();
    this.postUnread();
    this.flush();
  }

  private adopt(c: ConversationInfo): void {
    const prev = this.conversation.value;
    if (prev?.id !== c.id) {
      this.staffTyping.value = false;
      this.choice.value = 'auto';
    }
    this.conversation.value = { ...c };
  }

  private onConversation(f: ConversationInfo): void {
    const current = this.conversation.value;
    // A left message lives in an ended conversation of its own: not the chat on screen.
    if (f.status === 'ended' && current && current.id !== f.id) return;
    batch(() => {
      this.adopt({ id: f.id, status: f.status, staff: f.staff ?? null, queue_position: f.queue_position ?? null });
      if (f.rating) this.ratings.value = new Map(this.ratings.value).set(f.id, f.rating);
      if (f.status !== 'waiting' || this.startPending.value) this.startPending.value = false;
      if (f.status === 'ended') this.setStaffTyping(false);
    });
  }

  private onMessage(m: ChatMessage): void {
    const list = this.timelines.value.get(m.conversation_id) ?? [];
    const next = insertMessage(list, m);
    if (m.client_msg_id && m.author === 'guest') this.onAck(m.client_msg_id, m.conversation_id);
    if (!next) return; // seen already
    const map = new Map(this.timelines.value);
    map.set(m.conversation_id, next);
    batch(() => {
      this.timelines.value = map;
      const current = this.conversation.value;
      // A reply to a left message (M1) while no chat is open: show it (G7).
      if (m.author === 'staff' && current?.id !== m.conversation_id && (!current || current.status === 'ended')) {
        this.adopt({ id: m.conversation_id, status: 'ended', staff: null });
      }
      if (m.author === 'staff' && m.conversation_id === this.conversation.value?.id) {
        this.setStaffTyping(false);
        if (!this.visible.value && m.seq > (this.readSent.get(m.conversation_id) ?? 0)) {
          this.unread.value += 1;
        }
      }
    });
    this.postUnread();
    this.scheduleRead(150);
  }

  private onAck(clientMsgId: string, conversationId: string): void {
    const entry = this.outbox.remove(clientMsgId);
    if (!entry) return;
    if (!this.outbox.entries.value.length) this.stopAckTimer();
    if (entry.kind === 'leave') this.left.value = { ...entry, conversation_id: conversationId };
  }

  private onError(code: string, message: string, ref: string | null): void {
    const pending = this.afterPending.value;
    if (pending && !ref) {
      batch(() => {
        this.afterPending.value = null;
        this.afterError.value = { what: pending, message };
      });
      return;
    }
    if (ref && this.outbox.has(ref)) {
      if (code === 'rate_limited') {
        this.retryLater();
        return;
      }
      const entry = this.outbox.remove(ref);
      if (entry) this.failed.value = [...this.failed.value, { entry, code, message }];
      if (code === 'blacklisted') this.blacklisted.value = true;
      return;
    }
    batch(() => {
      this.startPending.value = false;
      if (code === 'blacklisted') {
        this.blacklisted.value = true;
        this.availability.value = 'away';
      }
      if (code !== 'rate_limited' || !ref) this.notice.value = { code, message };
    });
  }

  // -- actions from the panel ----------------------------------------------

  /** The entry form is on screen (counts one "form shown", A5). */
  formShown(): void {
    this.sendFrame({ type: 'form_shown' });
  }

  start(nickname: string, fields: Record<string, string>): boolean {
    const name = nickname.trim();
    if (!name || !this.ready.value) return false;
    const frame: ClientFrame = { type: 'start', nickname: name };
    const filled = Object.fromEntries(Object.entries(fields).filter(([, v]) => v.trim() !== ''));
    if (Object.keys(filled).length) frame.fields = filled;
    this.notice.value = null;
    this.startPending.value = true;
    this.choice.value = 'auto';
    return this.sendFrame(frame);
  }

  /** Queue a message; it goes out now or after the next (re)connect. Returns false when refused locally. */
  send(text: string): boolean {
    const len = textLength(text);
    if (len === 0 || len > MAX_TEXT) return false;
    this.enqueue({
      kind: 'send',
      client_msg_id: newClientMsgId(),
      text: text.trim(),
      conversation_id: this.conversation.value?.id ?? null,
      created_at: new Date().toISOString(),
    });
    this.setDraft('');
    return true;
  }

  leaveMessage(nickname: string, email: string, text: string): boolean {
    const len = textLength(text);
    if (!nickname.trim() || len === 0 || len > MAX_TEXT) return false;
    const entry: OutboxEntry = {
      kind: 'leave',
      client_msg_id: newClientMsgId(),
      text: text.trim(),
      conversation_id: null,
      nickname: nickname.trim(),
      created_at: new Date().toISOString(),
    };
    if (email.trim()) entry.email = email.trim();
    this.enqueue(entry);
    return true;
  }

  /** Put a refused message back in the outbox under a new id. */
  retry(clientMsgId: string): void {
    const f = this.failed.value.find((x) => x.entry.client_msg_id === clientMsgId);
    if (!f) return;
    this.failed.value = this.failed.value.filter((x) => x !== f);
    this.enqueue({ ...f.entry, client_msg_id: newClientMsgId(), conversation_id: this.conversation.value?.id ?? null });
  }

  dismissFailed(clientMsgId: string): void {
    this.failed.value = this.failed.value.filter((x) => x.entry.client_msg_id !== clientMsgId);
  }

  end(): void {
    this.sendFrame({ type: 'end' });
  }

  /** Issue 19: rate the ended chat (1–5), with an optional comment. */
  rate(score: number, comment: string): boolean {
    const c = this.conversation.value;
    if (!c || this.afterPending.value) return false;
    const frame: ClientFrame = { type: 'rate', conversation_id: c.id, score };
    if (comment.trim()) frame.comment = comment.trim();
    return this.sendAfter('rate', frame);
  }

  /** Issue 19: mail the ended chat's transcript to `email`. */
  requestTranscript(email: string): boolean {
    const c = this.conversation.value;
    if (!c || this.afterPending.value) return false;
    return this.sendAfter('transcript', { type: 'transcript', conversation_id: c.id, email: email.trim() });
  }

  private sendAfter(what: 'rate' | 'transcript', frame: ClientFrame): boolean {
    batch(() => {
      this.afterError.value = null;
      this.afterPending.value = what;
    });
    const sent = this.sendFrame(frame);
    if (!sent) this.afterPending.value = null;
    return sent;
  }

  /** After an ended chat or a left message: back to the form (or the message form). */
  startOver(choice: 'new' | 'leave'): void {
    batch(() => {
      this.left.value = null;
      this.choice.value = choice;
      this.notice.value = null;
    });
  }

  /** The guest began to write a message to leave: the form stays even if a staff member frees up. */
  keepLeaveForm(): void {
    if (this.choice.value === 'auto') this.choice.value = 'leave';
  }

  /** The composer's current text, sent live to the staff member (S4.1), throttled. */
  setDraft(text: string): void {
    if (this.conversation.value?.status !== 'active') return;
    this.typingDraft = text;
    if (this.typingTimer !== null) return;
    const now = Date.now();
    const wait = Math.max(0, this.typingLastSent + TYPING_INTERVAL_MS - now);
    if (wait === 0) this.flushTyping();
    else this.typingTimer = this.set(() => this.flushTyping(), wait);
  }

  private flushTyping(): void {
    this.typingTimer = null;
    const text = this.typingDraft;
    this.typingDraft = null;
    if (text === null || text === this.typingSentText) return;
    if (this.sendFrame({ type: 'typing', text })) {
      this.typingSentText = text;
      this.typingLastSent = Date.now();
    }
  }

  // -- sending -------------------------------------------------------------

  private sendFrame(frame: ClientFrame): boolean {
    return this.ready.value && this.ws.send(frame);
  }

  private enqueue(entry: OutboxEntry): void {
    this.outbox.add(entry);
    if (this.ready.value) this.transmit(entry);
  }

  private transmit(e: OutboxEntry): void {
    const frame: ClientFrame =
      e.kind === 'send'
        ? { type: 'send', client_msg_id: e.client_msg_id, text: e.text }
        : {
            type: 'leave_message',
            client_msg_id: e.client_msg_id,
            nickname: e.nickname ?? '',
            text: e.text,
            ...(e.email ? { email: e.email } : {}),
          };
    if (this.sendFrame(frame)) this.startAckTimer();
  }

  /** Send every unacknowledged entry again, oldest first (after welcome). */
  private flush(): void {
    for (const e of this.outbox.entries.value) this.transmit(e);
  }

  private retryLater(): void {
    if (this.retryTimer !== null) return;
    this.retryTimer = this.set(() => {
      this.retryTimer = null;
      if (this.ready.value) this.flush();
    }, RETRY_RATE_LIMITED_MS);
  }

  // A socket can look open while the network under it is gone (no close event
  // for a long time). No ack within the limit: replace the connection; the
  // outbox sends everything again on the new one.
  private startAckTimer(): void {
    if (this.ackTimer !== null) return;
    this.ackTimer = this.set(() => {
      this.ackTimer = null;
      if (this.outbox.entries.value.length) this.restart();
    }, this.opts.ackTimeoutMs ?? 10_000);
  }

  private stopAckTimer(): void {
    if (this.ackTimer !== null) this.clear(this.ackTimer);
    this.ackTimer = null;
  }

  private restart(): void {
    this.stopAckTimer();
    this.ws.close(4000);
    this.ws.connect();
  }

  // -- read marks and unread count (G7) ------------------------------------

  private scheduleRead(ms: number): void {
    if (this.readTimer !== null) return;
    this.readTimer = this.set(() => {
      this.readTimer = null;
      this.markRead();
    }, ms);
  }

  private markRead(): void {
    const c = this.conversation.value;
    if (!c || !this.visible.value || !this.ready.value) return;
    const list = this.timelines.value.get(c.id) ?? [];
    const last = lastSeq(list);
    const sent = this.readSent.get(c.id) ?? 0;
    // Only worth a frame when something not written by the guest is new.
    const news = list.some((m) => m.seq > sent && m.author !== 'guest');
    if (news && this.sendFrame({ type: 'read', conversation_id: c.id, seq: last })) {
      this.readSent.set(c.id, last);
    }
    if (this.unread.value !== 0) {
      this.unread.value = 0;
      this.postUnread();
    }
  }

  /** The loader's button follows: a blacklisted guest gets plain away, no form offered. */
  private postAvailability(): void {
    this.postHost({ type: 'chats:availability', status: this.availability.value, blacklisted: this.blacklisted.value });
  }

  private postUnread(): void {
    this.postHost({ type: 'chats:unread', count: this.unread.value });
  }

  private setStaffTyping(active: boolean): void {
    if (this.staffTypingTimer !== null) this.clear(this.staffTypingTimer);
    this.staffTypingTimer = null;
    this.staffTyping.value = active;
    if (active) {
      this.staffTypingTimer = this.set(() => {
        this.staffTypingTimer = null;
        this.staffTyping.value = false;
      }, STAFF_TYPING_TTL_MS);
    }
  }

  private postHost(msg: HostMessage): void {
    const value = 'status' in msg ? msg.status : 'count' in msg ? msg.count : 'token' in msg ? msg.token : null;
    if (this.lastPosted.get(msg.type) === value && msg.type !== 'chats:close') return;
    this.lastPosted.set(msg.type, value);
    this.opts.post?.(msg);
  }
}

function readStored(storage: Storage | null, key: string): string | null {
  try {
    return storage?.getItem(key) || null;
  } catch {
    return null;
  }
}

function writeStored(storage: Storage | null, key: string, value: string): void {
  try {
    storage?.setItem(key, value);
  } catch {
    /* blocked storage: the loader keeps the token too */
  }
}
