// The guest side of the wire protocol (docs/protocol.md §2–§3), as the panel
// uses it. Fields the panel does not read are left out on purpose.

export type Availability = 'away' | 'waiting' | 'busy';
export type ConversationStatus = 'waiting' | 'active' | 'ended';

export interface ConversationInfo {
  id: string;
  status: ConversationStatus;
  staff: { name: string } | null;
  queue_position?: number | null;
  /** issue 19: the guest's rating of this (ended) chat, once given */
  rating?: Rating | null;
}

/** While busy (issue 14): how many wait, the usual wait lately, whether one may join. */
export interface BusyInfo {
  waiting: number;
  /** null: no chat was taken lately, so there is nothing honest to say */
  estimated_wait_seconds: number | null;
  queue_open: boolean;
}

export interface ChatMessage {
  conversation_id: string;
  seq: number;
  message_id: string;
  client_msg_id: string | null;
  author: 'guest' | 'staff' | 'system';
  staff?: { id: string; name: string } | null;
  kind: 'text' | 'stamp' | 'file' | 'system';
  text?: string | null;
  stamp?: string | null;
  /** where a store's own stamp is drawn; built-in stamps are /static/stamps/{code}.svg */
  stamp_url?: string | null;
  file?: { name: string; size: number; url: string } | null;
  created_at: string;
}

export type ServerFrame =
  | {
      type: 'welcome';
      token: string;
      guest_id: string;
      availability: Availability;
      conversation: ConversationInfo | null;
      unread: number;
      /** the store blacklisted this guest: no form the server would refuse */
      blacklisted?: boolean;
      busy?: BusyInfo | null;
      /** outside business hours: when the store next opens, in its zone (issue 16) */
      opens_at?: string | null;
    }
  | { type: 'availability'; status: Availability; blacklisted?: boolean | null; busy?: BusyInfo | null; opens_at?: string | null }
  | ({ type: 'conversation' } & ConversationInfo)
  | ({ type: 'message' } & ChatMessage)
  | { type: 'ack'; client_msg_id: string; conversation_id: string; seq: number; message_id: string }
  | { type: 'read'; conversation_id: string; seq: number }
  | { type: 'typing'; conversation_id: string; active: boolean }
  | { type: 'error'; code: string; message: string; ref?: string | null }
  /** the admin changed button images, colours, logo or fields: reload the config */
  | { type: 'settings_changed'; what: string }
  /** issue 19: the answer to `rate` */
  | { type: 'rated'; conversation_id: string; rating: Rating }
  /** issue 19: the answer to `transcript` (the mail is queued) */
  | { type: 'transcript_queued'; conversation_id: string; email: string };

/** A satisfaction rating (issue 19): 1 (worst) to 5. */
export interface Rating {
  score: number;
  comment: string | null;
}

export type ClientFrame =
  | {
      type: 'hello';
      store: string;
      token?: string;
      resume?: { conversation_id: string; after_seq: number };
      locale?: 'ja' | 'en';
    }
  | { type: 'form_shown' }
  | { type: 'start'; nickname: string; fields?: Record<string, string> }
  | { type: 'send'; client_msg_id: string; text: string }
  | { type: 'typing'; text: string }
  | { type: 'read'; conversation_id: string; seq: number }
  | { type: 'leave_message'; client_msg_id: string; nickname: string; email?: string; text: string }
  | { type: 'end' }
  | { type: 'rate'; conversation_id: string; score: number; comment?: string }
  | { type: 'transcript'; conversation_id: string; email: string };

/** GET /api/widget/{key}/config */
export interface WidgetConfig {
  store: { id: string; name: string; locale: string };
  buttons: Partial<Record<Availability, string | null>>;
  theme: Partial<Record<ThemeKey, string | null>>;
  logo_url: string | null;
  fields: FormField[];
  /** issue 19: the rating offered after a chat, worded by the store (absent on older servers) */
  csat?: { enabled: boolean; ja: CsatWording; en: CsatWording } | null;
}

export interface CsatWording {
  question: string;
  /** five, worst first */
  labels: string[];
}

export type ThemeKey =
  | 'header_bg'
  | 'header_fg'
  | 'guest_bubble_bg'
  | 'guest_bubble_fg'
  | 'staff_bubble_bg'
  | 'staff_bubble_fg';

export interface FormField {
  key: string;
  label: string;
  /** text, email, tel, number, radio, select, textarea, kana, postal; an unknown one is shown as text */
  type: string;
  options: string[];
  required: boolean;
}

/** A random UUID v4 (crypto.randomUUID where available). */
export function newClientMsgId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
