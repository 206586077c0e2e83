// The console's picture of the world, rebuilt from /ws/staff frames. Pure
// functions over plain data (unit-tested): `applyFrame` returns the next model
// and the side effects the frame should cause (a sound, a notice, …).
import type { ChatMessage } from '../shared/api-types';
import type { ConversationFrame, OnlineStaff, QueueEntry, StaffIn, WelcomeFrame } from './frames';

/** Protocol §3: a message holds at most this many code points after trimming. */
export const MAX_TEXT = 4000;
/** The composer's counter shows from here on, so the limit never comes as a surprise. */
export const COUNTER_FROM = 3600;

/** Length as the server counts it: Unicode code points after trimming. */
export function textLength(text: string): number {
  return [...text.trim()].length;
}

/** S7: one staff member holds at most nine chats. */
export const MAX_TABS = 9;

export interface PendingSend {
  client_msg_id: string;
  kind: 'text' | 'stamp';
  text?: string;
  stamp?: string;
  /** the refusal's message when the server said no */
  failed?: string;
}

export interface Chat {
  id: string;
  guestId: string;
  nickname: string;
  status: 'waiting' | 'active' | 'ended';
  staffId: string | null;
  /** messages up to here were history when the chat came to us (no sound for them) */
  historySeq: number;
  messages: ChatMessage[];
  staffReadSeq: number;
  guestReadSeq: number;
  /** the guest's live draft (S4.1) */
  guestDraft: string;
  pending: PendingSend[];
  /** issue 19: the guest's satisfaction rating, once given (after the end) */
  rating?: { score: number; comment: string | null } | null;
}

export interface Model {
  me: WelcomeFrame['staff'] | null;
  store: WelcomeFrame['store'] | null;
  queue: QueueEntry[];
  online: OnlineStaff[];
  chats: Chat[];
  selected: string | null;
}

export type Effect =
  | { kind: 'new_waiting'; entries: QueueEntry[] }
  | { kind: 'guest_message'; chatId: string; text: string }
  | { kind: 'assigned'; chatId: string }
  | { kind: 'transferred_away'; chatId: string; nickname: string; to: string }
  | { kind: 'returned_to_queue'; chatId: string; nickname: string }
  | { kind: 'ended'; chatId: string }
  | { kind: 'guest_updated'; guestId: string }
  | { kind: 'error'; code: string; message: string; ref?: string };

export const emptyModel = (): Model => ({ me: null, store: null, queue: [], online: [], chats: [], selected: null });

/** Highest seq held for a chat (0 when none). */
export function lastSeq(chat: Chat): number {
  const last = chat.messages[chat.messages.length - 1];
  return last ? last.seq : 0;
}

/** Guest messages the staff member has not read (the tab's badge). */
export function unreadCount(chat: Chat): number {
  return chat.messages.filter((m) => m.author === 'guest' && m.seq > chat.staffReadSeq).length;
}

/** Insert by seq; a seq already held is ignored (replay and live delivery may overlap). */
export function insertMessage(messages: ChatMessage[], message: ChatMessage): ChatMessage[] {
  let i = messages.length;
  while (i > 0 && (messages[i - 1] as ChatMessage).seq > message.seq) i--;
  if (i > 0 && (messages[i - 1] as ChatMessage).seq === message.seq) return messages;
  return [...messages.slice(0, i), message, ...messages.slice(i)];
}

/** `hello.resume`: the last seq seen per conversation held (protocol §4). */
export function resumeMap(model: Model): Record<string, number> {
  const out: Record<string, number> = {};
  for (const chat of model.chats) out[chat.id] = lastSeq(chat);
  return out;
}

function chatFrom(frame: ConversationFrame, previous?: Chat): Chat {
  return {
    id: frame.id,
    guestId: frame.guest.id,
    nickname: frame.guest.nickname ?? previous?.nickname ?? '',
    status: frame.status,
    staffId: frame.staff_id,
    historySeq: previous ? previous.historySeq : frame.last_seq ?? 0,
    messages: previous?.messages ?? [],
    staffReadSeq: Math.max(previous?.staffReadSeq ?? 0, frame.staff_read_seq ?? 0),
    guestReadSeq: Math.max(previous?.guestReadSeq ?? 0, frame.guest_read_seq ?? 0),
    guestDraft: frame.status === 'active' ? previous?.guestDraft ?? '' : '',
    pending: previous?.pending ?? [],
    rating: frame.rating ?? previous?.rating ?? null,
  };
}

function updateChat(model: Model, id: string, fn: (chat: Chat) => Chat): Model {
  if (!model.chats.some((c) => c.id === id)) return model;
  return { ...model, chats: model.chats.map((c) => (c.id === id ? fn(c) : c)) };
}

function onWelcome(model: Model, frame: WelcomeFrame): Model {
  // Chats held before a reconnect stay (their messages resume); new ones come from `mine`.
  const chats = model.chats.map((c) => {
    const fresh = frame.mine.find((m) => m.id === c.id);
    return fresh ? chatFrom(fresh, c) : c;
  });
  for (const m of frame.mine) if (!chats.some((c) => c.id === m.id)) chats.push(chatFrom(m));
  const selected = model.selected && chats.some((c) => c.id === model.selected) ? model.selected : chats[0]?.id ?? null;
  return { ...model, me: frame.staff, store: frame.store, queue: frame.queue, online: frame.online, chats, selected };
}

function onConversation(model: Model, frame: ConversationFrame, effects: Effect[]): Model {
  const me = model.me?.id;
  const held = model.chats.find((c) => c.id === frame.id);
  if (frame.status === 'active' && frame.staff_id === me) {
    if (held) return updateChat(model, frame.id, (c) => chatFrom(frame, c));
    effects.push({ kind: 'assigned', chatId: frame.id });
    const chats = [...model.chats, chatFrom(frame)];
    return { ...model, chats, selected: model.selected ?? frame.id };
  }
  if (!held) return model;
  if (frame.status === 'active' && frame.staff_id !== me) {
    // Transferred to someone else: the tab goes away (S5.2).
    const to = model.online.find((s) => s.id === frame.staff_id)?.name ?? '';
    effects.push({ kind: 'transferred_away', chatId: frame.id, nickname: held.nickname, to });
    return closeChat(model, frame.id);
  }
  if (frame.status === 'waiting' && held.status === 'active') {
    // Back in the queue (this account can no longer answer it): the tab goes away.
    effects.push({ kind: 'returned_to_queue', chatId: frame.id, nickname: held.nickname });
    return closeChat(model, frame.id);
  }
  if (frame.status === 'ended' && held.status !== 'ended') effects.push({ kind: 'ended', chatId: frame.id });
  return updateChat(model, frame.id, (c) => chatFrom(frame, c));
}

function onMessage(model: Model, frame: ChatMessage, effects: Effect[]): Model {
  const held = model.chats.find((c) => c.id === frame.conversation_id);
  if (!held) return model;
  const { type: _type, ...message } = frame as ChatMessage & { type?: string };
  const fresh = !held.messages.some((m) => m.seq === message.seq);
  if (fresh && message.author === 'guest' && message.seq > held.historySeq) {
    effects.push({ kind: 'guest_message', chatId: held.id, text: message.text });
  }
  return updateChat(model, held.id, (c) => ({
    ...c,
    messages: insertMessage(c.messages, message),
    pending: message.client_msg_id ? c.pending.filter((p) => p.client_msg_id !== message.client_msg_id) : c.pending,
    guestDraft: message.author === 'guest' ? '' : c.guestDraft,
  }));
}

function onAck(model: Model, frame: Extract<StaffIn, { type: 'ack' }>): Model {
  return updateChat(model, frame.conversation_id, (c) => {
    const sent = c.pending.find((p) => p.client_msg_id === frame.client_msg_id);
    if (!sent) return c;
    // The ack alone means "stored": show it now; a later `message` with this seq is a no-op.
    const message: ChatMessage = {
      conversation_id: c.id,
      seq: frame.seq,
      message_id: frame.message_id,
      client_msg_id: frame.client_msg_id,
      author: 'staff',
      staff: model.me ? { id: model.me.id, name: model.me.name } : null,
      kind: sent.kind,
      text: sent.text ?? '',
      stamp: sent.stamp ?? null,
      created_at: new Date().toISOString(),
    };
    return {
      ...c,
      messages: insertMessage(c.messages, message),
      pending: c.pending.filter((p) => p.client_msg_id !== frame.client_msg_id),
    };
  });
}

function onError(model: Model, frame: Extract<StaffIn, { type: 'error' }>, effects: Effect[]): Model {
  effects.push({ kind: 'error', code: frame.code, message: frame.message, ref: frame.ref });
  if (!frame.ref) return model;
  const chats = model.chats.map((c) =>
    c.pending.some((p) => p.client_msg_id === frame.ref)
      ? { ...c, pending: c.pending.map((p) => (p.client_msg_id === frame.ref ? { ...p, failed: frame.message } : p)) }
      : c,
  );
  return { ...model, chats };
}

/** The next model after one frame, and what the frame should cause beyond the screen. */
export function applyFrame(model: Model, frame: StaffIn): { model: Model; effects: Effect[] } {
  const effects: Effect[] = [];
  let next = model;
  switch (frame.type) {
    case 'welcome':
      next = onWelcome(model, frame);
      break;
    case 'queue': {
      const known = new Set(model.queue.map((q) => q.conversation_id));
      const added = frame.waiting.filter((q) => !known.has(q.conversation_id));
      if (added.length) effects.push({ kind: 'new_waiting', entries: added });
      next = { ...model, queue: frame.waiting };
      break;
    }
    case 'online':
      next = { ...model, online: frame.staff };
      break;
    case 'me':
      // The admin changed this account (limit, role, name): the console follows at once.
      next = { ...model, me: frame.staff };
      break;
    case 'conversation':
      next = onConversation(model, frame, effects);
      break;
    case 'message':
      next = onMessage(model, frame, effects);
      break;
    case 'ack':
      next = onAck(model, frame);
      break;
    case 'read':
      next = updateChat(model, frame.conversation_id, (c) => ({ ...c, guestReadSeq: Math.max(c.guestReadSeq, frame.seq) }));
      break;
    case 'typing':
      next = updateChat(model, frame.conversation_id, (c) => ({ ...c, guestDraft: frame.text }));
      break;
    case 'guest_updated':
      effects.push({ kind: 'guest_updated', guestId: frame.guest_id });
      break;
    case 'error':
      next = onError(model, frame, effects);
      break;
  }
  return { model: next, effects };
}

/** Remove a tab; the selection moves to a neighbour. */
export function closeChat(model: Model, id: string): Model {
  const index = model.chats.findIndex((c) => c.id === id);
  if (index < 0) return model;
  const chats = model.chats.filter((c) => c.id !== id);
  let selected = model.selected;
  if (selected === id) selected = (chats[index] ?? chats[index - 1])?.id ?? null;
  return { ...model, chats, selected };
}

/** Queue a send (shown greyed until its ack). */
export function addPending(model: Model, chatId: string, pending: PendingSend): Model {
  return updateChat(model, chatId, (c) => ({ ...c, pending: [...c.pending.filter((p) => p.client_msg_id !== pending.client_msg_id), pending] }));
}

/** Forget a failed send. */
export function dropPending(model: Model, chatId: string, clientMsgId: string): Model {
  return updateChat(model, chatId, (c) => ({ ...c, pending: c.pending.filter((p) => p.client_msg_id !== clientMsgId) }));
}

/** Remember that everything up to `seq` was read (the badge clears at once). */
export function markRead(model: Model, chatId: string, seq: number): Model {
  return updateChat(model, chatId, (c) => ({ ...c, staffReadSeq: Math.max(c.staffReadSeq, seq) }));
}

/** Add a message that came over HTTP (a file upload's answer). */
export function addMessage(model: Model, message: ChatMessage): Model {
  return updateChat(model, message.conversation_id, (c) => ({ ...c, messages: insertMessage(c.messages, message) }));
}

export type OwnStatus = 'chatting' | 'waiting' | 'replying';

/** S1.3: chatting with an active chat; replying while writing offline replies; else waiting. */
export function ownStatus(model: Model, replyingOffline: boolean): OwnStatus {
  if (model.chats.some((c) => c.status === 'active' && c.staffId === model.me?.id)) return 'chatting';
  return replyingOffline ? 'replying' : 'waiting';
}

/** Staff a chat can be transferred to: online, not me, with a free slot (S5.2). */
export function transferTargets(model: Model): OnlineStaff[] {
  return model.online.filter((s) => s.id !== model.me?.id && s.active_chats < Math.min(s.max_chats, MAX_TABS));
}
