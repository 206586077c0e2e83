// Frames the server sends to /ws/staff (protocol §5). Client frames and every
// HTTP body are generated (shared/api-types.ts). The server-to-client frames
// are not yet described by models in chats.realtime.frames; until they are,
// they are composed here from the generated message type, and only with the
// fields the console reads.
import type { ChatMessage, WsOverviewFrame, WsStaffClientFrame, WsWatchingFrame, WsHoursFrame } from '../shared/api-types';

export type StaffOut = WsStaffClientFrame;

export interface MessageFrame extends ChatMessage {
  type: 'message';
}

export interface QueueEntry {
  conversation_id: string;
  guest_id: string;
  nickname: string;
  since: string;
}

export interface OnlineStaff {
  id: string;
  name: string;
  active_chats: number;
  max_chats: number;
  status: string;
}

export interface ConversationFrame {
  type: 'conversation';
  id: string;
  status: 'waiting' | 'active' | 'ended';
  staff_id: string | null;
  guest: { id: string; nickname: string | null };
  kind?: string;
  last_seq?: number;
  staff_read_seq?: number;
  guest_read_seq?: number;
  /** issue 19: the guest's satisfaction rating, once given */
  rating?: { score: number; comment: string | null } | null;
}

export interface WelcomeFrame {
  type: 'welcome';
  staff: { id: string; login_id: string; name: string; role: string; max_chats: number; sound_enabled?: boolean };
  store: { id: string; name: string };
  queue: QueueEntry[];
  mine: ConversationFrame[];
  online: OnlineStaff[];
}

export type StaffIn =
  | WelcomeFrame
  | ConversationFrame
  | MessageFrame
  | { type: 'queue'; waiting: QueueEntry[] }
  | { type: 'online'; staff: OnlineStaff[] }
  | { type: 'ack'; client_msg_id: string; conversation_id: string; seq: number; message_id: string }
  | { type: 'read'; conversation_id: string; seq: number }
  | { type: 'typing'; conversation_id: string; text: string }
  | { type: 'guest_updated'; guest_id: string }
  | { type: 'me'; staff: WelcomeFrame['staff'] }
  | WsOverviewFrame
  | WsWatchingFrame
  | WsHoursFrame
  | { type: 'error'; code: string; message: string; ref?: string };
