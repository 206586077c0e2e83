// The console's live state and its actions: one /ws/staff connection (with
// resume on reconnect), the model rebuilt from its frames, per-chat drafts,
// notices, and the attention signals (sound, title, desktop notification).
import { batch, signal } from '@preact/signals';
import type { ChatMessage, Preferences, SessionOut } from '../shared/api-types';
import { t } from '../shared/i18n';
import { api, loadSession, onLogout, session } from '../shared/session';
import { WsClient, wsUrl, type ConnectionState } from '../shared/ws';
import { beep, desktopNotify, flashTitle } from './alerts';
import { guestName, honorific } from './format';
import type { StaffIn, StaffOut } from './frames';
import { onSupervisorFrame, resetSupervisor } from './supervisor';
import {
  addMessage,
  addPending,
  applyFrame,
  closeChat,
  dropPending,
  emptyModel,
  lastSeq,
  markRead,
  MAX_TEXT,
  resumeMap,
  textLength,
  type Effect,
  type Model,
} from './model';

export interface Notice {
  id: number;
  tone: 'info' | 'error';
  text: string;
}

const SOUND_KEY = 'chats:console:sound';
const DRAFTS_KEY = 'chats:console:drafts';
const NOTICE_MS = 7000;

export const model = signal<Model>(emptyModel());
export const connection = signal<ConnectionState>('closed');
/** per conversation: the staff member's unsent text (kept across tab switches and reloads) */
export const drafts = signal<Record<string, string>>({});
/** Whose drafts `drafts` holds: each staff member's are kept apart (a shared shop PC). */
let draftsKey = DRAFTS_KEY;
export const notices = signal<Notice[]>([]);
/** The latest line for screen readers (a polite live region); `id` makes a repeat new. */
export const announcement = signal<{ id: number; text: string } | null>(null);
export const soundOn = signal<boolean>(readSound() ?? true);
/** true while the guest list / offline reply screen is open (S1.3 "replying") */
export const replyingOffline = signal(false);
/** bumped on every guest_updated frame: {guestId: version} */
export const guestVersions = signal<Record<string, number>>({});
/** Issue 16: the store's business hours as the server last said (null: not said yet). */
export const storeHours = signal<{ open: boolean; opensAt: string | null } | null>(null);
/** the conversation being claimed, so a lost race can be explained */
const claiming = signal<string | null>(null);
const endingByMe = new Set<string>();
let client: WsClient<StaffIn, StaffOut> | null = null;
let noticeSeq = 0;

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

function readSound(): boolean | null {
  const v = storage()?.getItem(SOUND_KEY);
  return v === 'on' ? true : v === 'off' ? false : null;
}

// Drafts live in localStorage (not sessionStorage) so that they also outlive a closed
// tab or a crashed browser, not only a reload — under the staff member's own key, and
// gone when they log out (another member may use the browser next).
function loadDrafts(key: string): Record<string, string> {
  try {
    const raw = storage()?.getItem(key);
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    if (!parsed || typeof parsed !== 'object') return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

function saveDrafts(value: Record<string, string>): void {
  try {
    storage()?.setItem(draftsKey, JSON.stringify(value));
  } catch {
    /* storage full or blocked: drafts still live in memory */
  }
}

/** Show a short message at the bottom of the screen. */
export function notify(text: string, tone: Notice['tone'] = 'info'): void {
  const id = ++noticeSeq;
  notices.value = [...notices.value.slice(-3), { id, tone, text }];
  setTimeout(() => dismiss(id), NOTICE_MS);
}

/** Tell screen readers about something that is not on screen (a waiting guest, another chat). */
export function announce(text: string): void {
  announcement.value = { id: ++noticeSeq, text };
}

export function dismiss(id: number): void {
  notices.value = notices.value.filter((n) => n.id !== id);
}

function send(frame: StaffOut): boolean {
  return client?.send(frame) ?? false;
}

/** Send a frame on the console's socket; false when it is not connected. */
export const sendFrame = send;

function newId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

function handleEffect(effect: Effect): void {
  const m = model.value;
  switch (effect.kind) {
    case 'new_waiting': {
      if (soundOn.value) beep('guest');
      const names = effect.entries.map((e) => guestName(e.nickname)).join('、');
      flashTitle(t('console.flash_waiting', { name: names }));
      announce(t('console.announce_waiting', { name: names }));
      desktopNotify(t('console.notify_waiting_title'), names);
      break;
    }
    case 'guest_message': {
      if (soundOn.value) beep('message');
      const hidden = typeof document !== 'undefined' && document.visibilityState !== 'visible';
      const chat = m.chats.find((c) => c.id === effect.chatId);
      if (hidden || m.selected !== effect.chatId) {
        flashTitle(t('console.flash_message', { name: guestName(chat?.nickname) }));
      }
      // One notification per chat (its tag): a burst of messages replaces, not piles up.
      const body = effect.text ? [...effect.text].slice(0, 120).join('') : t('console.notify_message_file');
      // The chat on screen reads its own messages out (its timeline is a log); others are told here.
      if (m.selected !== effect.chatId || replyingOffline.value) {
        announce(t('console.announce_message', { name: guestName(chat?.nickname), text: body }));
      }
      desktopNotify(t('console.notify_message_title', { name: guestName(chat?.nickname) }), body, `chats-message-${effect.chatId}`);
      break;
    }
    case 'assigned':
      if (claiming.value === effect.chatId) {
        claiming.value = null;
        replyingOffline.value = false; // taken from the queue beside the guest list: show the chat
        model.value = { ...m, selected: effect.chatId };
      }
      break;
    case 'transferred_away':
      notify(t('console.transferred_notice', { name: guestName(effect.nickname), to: honorific(effect.to) }));
      break;
    case 'returned_to_queue':
      notify(t('console.returned_notice', { name: guestName(effect.nickname) }));
      break;
    case 'ended':
      if (endingByMe.delete(effect.chatId)) {
        model.value = closeChat(m, effect.chatId);
        dropDraft(effect.chatId);
      } else {
        const chat = m.chats.find((c) => c.id === effect.chatId);
        notify(t('console.ended_notice', { name: guestName(chat?.nickname) }));
      }
      break;
    case 'guest_updated':
      guestVersions.value = { ...guestVersions.value, [effect.guestId]: (guestVersions.value[effect.guestId] ?? 0) + 1 };
      break;
    case 'error':
      onError(effect);
      break;
  }
}

function onError(effect: Extract<Effect, { kind: 'error' }>): void {
  if (effect.ref) return; // a failed send: shown on the message itself
  if (claiming.value && (effect.code === 'already_taken' || effect.code === 'capacity_full')) {
    claiming.value = null;
    notify(effect.code === 'already_taken' ? t('console.claim_lost') : t('console.claim_full'));
    return;
  }
  notify(effect.message || t('console.error_generic'), 'error');
}

function onFrame(frame: StaffIn): void {
  const { model: next, effects } = applyFrame(model.value, frame);
  batch(() => {
    model.value = next;
    for (const effect of effects) handleEffect(effect);
  });
  if (frame.type === 'welcome') {
    resendPending();
    pruneDrafts();
  }
  if (frame.type === 'hours') storeHours.value = { open: frame.open, opensAt: frame.opens_at };
  if (frame.type === 'me' && session.value) {
    // What else reads the session (the canned-response scopes, the admin link) follows too.
    const { id, login_id, name, role, max_chats } = frame.staff;
    session.value = { ...session.value, id, login_id, name, role: role === 'admin' ? 'admin' : 'agent', max_chats };
    // The member's own setting, changed in another tab or on another device.
    if (frame.staff.sound_enabled !== undefined && frame.staff.sound_enabled !== soundOn.value) {
      soundOn.value = frame.staff.sound_enabled;
      storage()?.setItem(SOUND_KEY, frame.staff.sound_enabled ? 'on' : 'off');
    }
  }
  onSupervisorFrame(frame);
  markSelectedRead();
}

function resendPending(): void {
  for (const chat of model.value.chats) {
    for (const p of chat.pending) {
      if (p.failed) continue;
      send({ type: 'send', conversation_id: chat.id, client_msg_id: p.client_msg_id, kind: p.kind, text: p.text ?? null, stamp: p.stamp ?? null });
    }
  }
}

/** Take up `staffId`'s drafts (those kept under the one key of earlier versions too). */
function openDrafts(staffId: string): void {
  draftsKey = `${DRAFTS_KEY}:${staffId}`;
  const earlier = loadDrafts(DRAFTS_KEY);
  drafts.value = { ...earlier, ...loadDrafts(draftsKey) };
  if (Object.keys(earlier).length) {
    saveDrafts(drafts.value);
    storage()?.removeItem(DRAFTS_KEY);
  }
}

/** Logging out: this member's drafts leave the browser with them. */
function forgetDrafts(): void {
  drafts.value = {};
  try {
    storage()?.removeItem(draftsKey);
  } catch {
    /* storage blocked: nothing was kept */
  }
}

/** Connect /ws/staff as `staffId`; returns the function that disconnects. */
export function startConsole(staffId: string): () => void {
  openDrafts(staffId);
  const offLogout = onLogout(forgetDrafts);
  model.value = emptyModel();
  resetSupervisor();
  client = new WsClient<StaffIn, StaffOut>({
    url: () => wsUrl('/ws/staff'),
    hello: () => {
      const resume = resumeMap(model.value);
      return Object.keys(resume).length ? { type: 'hello', resume } : { type: 'hello' };
    },
    shouldReconnect: (ev) => {
      // 1008: refused (session over?) — the login gate takes over when it is.
      if (ev.code === 1008) void loadSession().catch(() => undefined);
      return true;
    },
  });
  const offFrame = client.onFrame(onFrame);
  const offState = client.state.subscribe((s) => {
    connection.value = s;
  });
  const online = () => client?.retryNow();
  const visible = () => markSelectedRead();
  window.addEventListener('online', online);
  window.addEventListener('focus', visible);
  document.addEventListener('visibilitychange', visible);
  client.connect();
  void loadSoundPreference();
  return () => {
    offLogout();
    offFrame();
    offState();
    window.removeEventListener('online', online);
    window.removeEventListener('focus', visible);
    document.removeEventListener('visibilitychange', visible);
    client?.close();
    client = null;
  };
}

async function loadSoundPreference(): Promise<void> {
  if (readSound() !== null) return;
  try {
    const me = await api.get<SessionOut>('/api/auth/me');
    soundOn.value = me.staff.sound_enabled;
  } catch {
    /* keep the default */
  }
}

/** S1.4: switch the sound; remembered in this browser and on the server. */
export async function toggleSound(): Promise<void> {
  const on = !soundOn.value;
  soundOn.value = on;
  storage()?.setItem(SOUND_KEY, on ? 'on' : 'off');
  try {
    await api.patch<Preferences>('/api/auth/me', { sound_enabled: on });
  } catch {
    /* the local choice still holds */
  }
}

/** S6: take a waiting guest. */
export function claim(conversationId: string): void {
  if (model.value.chats.filter((c) => c.status === 'active').length >= (model.value.me?.max_chats ?? 9)) {
    notify(t('console.claim_full'));
    return;
  }
  claiming.value = conversationId;
  if (!send({ type: 'claim', conversation_id: conversationId })) {
    claiming.value = null;
    notify(t('console.offline_action'), 'error');
  }
}

export function selectChat(id: string): void {
  model.value = { ...model.value, selected: id };
  markSelectedRead();
}

/** Tell the server the selected chat was read, when the page is actually being looked at. */
export function markSelectedRead(): void {
  const m = model.value;
  const chat = m.chats.find((c) => c.id === m.selected);
  if (!chat || typeof document === 'undefined' || document.visibilityState !== 'visible') return;
  const seq = lastSeq(chat);
  if (seq > chat.staffReadSeq && send({ type: 'read', conversation_id: chat.id, seq })) {
    model.value = markRead(m, chat.id, seq);
  }
}

export function setDraft(chatId: string, text: string): void {
  const before = drafts.value[chatId] ?? '';
  const next = { ...drafts.value, [chatId]: text };
  if (!text) delete next[chatId];
  drafts.value = next;
  saveDrafts(next);
  // "Staff is typing" for the guest: only the edges, not every key.
  if (!before.trim() !== !text.trim()) send({ type: 'typing', conversation_id: chatId, active: Boolean(text.trim()) });
}

const OFFLINE_PREFIX = 'offline:';

/** The unsent offline reply to a guest (M1), kept like a chat draft. */
export function offlineDraft(guestId: string): string {
  return drafts.value[OFFLINE_PREFIX + guestId] ?? '';
}

export function setOfflineDraft(guestId: string, text: string): void {
  const next = { ...drafts.value, [OFFLINE_PREFIX + guestId]: text };
  if (!text) delete next[OFFLINE_PREFIX + guestId];
  drafts.value = next;
  saveDrafts(next);
}

/** Forget drafts of chats no longer held (ended, transferred or taken elsewhere while away). */
function pruneDrafts(): void {
  const held = new Set(model.value.chats.map((c) => c.id));
  const kept = Object.fromEntries(Object.entries(drafts.value).filter(([id]) => held.has(id) || id.startsWith(OFFLINE_PREFIX)));
  if (Object.keys(kept).length === Object.keys(drafts.value).length) return;
  drafts.value = kept;
  saveDrafts(kept);
}

function dropDraft(chatId: string): void {
  if (!(chatId in drafts.value)) return;
  const next = { ...drafts.value };
  delete next[chatId];
  drafts.value = next;
  saveDrafts(next);
}

function queueSend(chatId: string, kind: 'text' | 'stamp', value: string): void {
  const client_msg_id = newId();
  const pending = kind === 'text' ? { client_msg_id, kind, text: value } : { client_msg_id, kind, stamp: value };
  model.value = addPending(model.value, chatId, pending);
  // Not connected: it goes out with the other pending sends after the next welcome.
  send({ type: 'send', conversation_id: chatId, client_msg_id, kind, text: pending.text ?? null, stamp: pending.stamp ?? null });
}

/** S4.3: send the draft as a text message. */
export function sendText(chatId: string): boolean {
  const text = (drafts.value[chatId] ?? '').trim();
  // An overlong text would be refused by the server and its retry could never succeed.
  if (!text || textLength(text) > MAX_TEXT) return false;
  queueSend(chatId, 'text', text);
  setDraft(chatId, '');
  return true;
}

/** S4.4: post a stamp. */
export function sendStamp(chatId: string, code: string): void {
  queueSend(chatId, 'stamp', code);
}

export function retrySend(chatId: string, clientMsgId: string): void {
  const chat = model.value.chats.find((c) => c.id === chatId);
  const p = chat?.pending.find((x) => x.client_msg_id === clientMsgId);
  if (!p) return;
  model.value = addPending(model.value, chatId, { ...p, failed: undefined });
  send({ type: 'send', conversation_id: chatId, client_msg_id: p.client_msg_id, kind: p.kind, text: p.text ?? null, stamp: p.stamp ?? null });
}

export function discardSend(chatId: string, clientMsgId: string): void {
  model.value = dropPending(model.value, chatId, clientMsgId);
}

/** S5.2: hand the chat to another logged-in staff member. */
export function transfer(chatId: string, toStaffId: string): void {
  if (!send({ type: 'transfer', conversation_id: chatId, to_staff_id: toStaffId })) notify(t('console.offline_action'), 'error');
}

/** S5.4: end the chat and go back to waiting (the tab closes). */
export function endChat(chatId: string): void {
  const chat = model.value.chats.find((c) => c.id === chatId);
  if (chat && chat.status === 'ended') {
    closeTab(chatId);
    return;
  }
  endingByMe.add(chatId);
  if (!send({ type: 'end', conversation_id: chatId })) {
    endingByMe.delete(chatId);
    notify(t('console.offline_action'), 'error');
  }
}

/** Close the tab of a chat that has already ended. */
export function closeTab(chatId: string): void {
  model.value = closeChat(model.value, chatId);
  dropDraft(chatId);
}

/** A message that arrived over HTTP (the answer to a file upload). */
export function acceptMessage(message: ChatMessage): void {
  model.value = addMessage(model.value, message);
}
