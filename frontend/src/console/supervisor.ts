// The supervisor view (issue 14 item 3, admins only): every open chat of the store,
// kept current by `overview` frames; one chat followed read-only (`watch`); and the
// admin's take-over, reassignment, return to the queue and end of any of them.
import { signal } from '@preact/signals';
import type { ChatMessage, WsStaffConversationFrame, WsSupervisedConversation } from '../shared/api-types';
import { t } from '../shared/i18n';
import type { StaffIn } from './frames';
import { insertMessage, MAX_TABS, type Model } from './model';
import { model, notify, selectChat, sendFrame } from './store';

export type Intervention = 'take_over' | 'reassign' | 'release' | 'end';

export interface Watched {
  id: string;
  /** null until the server's `watching` answer */
  conversation: WsStaffConversationFrame | null;
  messages: ChatMessage[];
}

/** true while the admin has the supervisor view open */
export const supervising = signal(false);
/** the store's open chats, oldest first (null until the first `overview`) */
export const overview = signal<WsSupervisedConversation[] | null>(null);
export const watched = signal<Watched | null>(null);
/** the chat this admin is taking over: once it is ours, the console shows it */
let takingOver: string | null = null;

export function resetSupervisor(): void {
  supervising.value = false;
  overview.value = null;
  watched.value = null;
  takingOver = null;
}

export function openSupervisor(): void {
  supervising.value = true;
  if (!sendFrame({ type: 'supervise' })) notify(t('console.offline_action'), 'error');
}

export function closeSupervisor(): void {
  stopWatching();
  supervising.value = false;
}

/** Follow a chat read-only: its timeline so far, then every new message. */
export function watch(conversationId: string): void {
  const before = watched.value;
  if (before?.id === conversationId) return;
  if (before) sendFrame({ type: 'unwatch', conversation_id: before.id });
  watched.value = { id: conversationId, conversation: null, messages: [] };
  sendFrame({ type: 'watch', conversation_id: conversationId });
}

export function stopWatching(): void {
  const before = watched.value;
  if (before) sendFrame({ type: 'unwatch', conversation_id: before.id });
  watched.value = null;
}

export function intervene(action: Intervention, conversationId: string, toStaffId?: string): void {
  if (action === 'take_over') takingOver = conversationId;
  const frame = { type: 'intervene' as const, conversation_id: conversationId, action, to_staff_id: toStaffId ?? null };
  if (!sendFrame(frame)) notify(t('console.offline_action'), 'error');
}

/** Online staff a chat may be given to: under their limit, not its current holder, not me. */
export function reassignTargets(m: Model, holder: string | null): Model['online'] {
  return m.online.filter((s) => s.id !== holder && s.id !== m.me?.id && s.active_chats < Math.min(s.max_chats, MAX_TABS));
}

/** The supervisor's share of every frame the console receives. */
export function onSupervisorFrame(frame: StaffIn): void {
  switch (frame.type) {
    case 'welcome':
      // A new socket: ask again for what the view showed.
      if (supervising.value && frame.staff.role === 'admin') {
        sendFrame({ type: 'supervise' });
        const w = watched.value;
        if (w) {
          watched.value = { ...w, messages: [] };
          sendFrame({ type: 'watch', conversation_id: w.id });
        }
      }
      break;
    case 'me':
      if (frame.staff.role !== 'admin' && supervising.value) closeSupervisor();
      break;
    case 'overview':
      overview.value = frame.conversations;
      break;
    case 'watching': {
      const w = watched.value;
      if (w && w.id === frame.conversation.id) watched.value = { ...w, conversation: frame.conversation };
      break;
    }
    case 'message': {
      const w = watched.value;
      if (w && w.id === frame.conversation_id) {
        const { type: _type, ...message } = frame as ChatMessage & { type?: string };
        watched.value = { ...w, messages: insertMessage(w.messages, message) };
      }
      break;
    }
    case 'conversation':
      if (frame.id === takingOver && frame.status === 'active' && frame.staff_id === model.value.me?.id) {
        takingOver = null;
        closeSupervisor();
        selectChat(frame.id);
      }
      break;
    case 'error':
      takingOver = null;
      break;
  }
}
