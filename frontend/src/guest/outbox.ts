// Messages typed but not yet acknowledged (G10). Kept in localStorage with
// their client_msg_id so that a dropped connection, a reload or a crashed tab
// loses nothing: every entry is sent again after (re)connecting until its
// `ack` arrives. Sending again is safe: the server answers a repeated
// client_msg_id with the same ack and stores nothing new.
import { signal, type ReadonlySignal } from '@preact/signals';

export interface OutboxEntry {
  kind: 'send' | 'leave';
  client_msg_id: string;
  text: string;
  /** the conversation it was typed in (null before one exists) */
  conversation_id: string | null;
  /** leave_message only */
  nickname?: string;
  email?: string;
  created_at: string;
}

function isEntry(v: unknown): v is OutboxEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (e['kind'] === 'send' || e['kind'] === 'leave') && typeof e['client_msg_id'] === 'string' && typeof e['text'] === 'string';
}

export class Outbox {
  private readonly list = signal<OutboxEntry[]>([]);
  /** pending entries, oldest first */
  readonly entries: ReadonlySignal<OutboxEntry[]> = this.list;

  constructor(
    private readonly storage: Storage | null,
    private readonly key: string,
  ) {
    this.list.value = this.load();
  }

  private load(): OutboxEntry[] {
    try {
      const raw = this.storage?.getItem(this.key);
      const parsed: unknown = raw ? JSON.parse(raw) : [];
      return Array.isArray(parsed) ? parsed.filter(isEntry) : [];
    } catch {
      return [];
    }
  }

  private save(): void {
    try {
      if (this.list.value.length) this.storage?.setItem(this.key, JSON.stringify(this.list.value));
      else this.storage?.removeItem(this.key);
    } catch {
      /* quota or blocked storage: the entries still live in memory */
    }
  }

  add(entry: OutboxEntry): void {
    if (this.has(entry.client_msg_id)) return;
    this.list.value = [...this.list.value, entry];
    this.save();
  }

  /** Drop an entry (acknowledged or refused); returns it, or undefined when unknown. */
  remove(clientMsgId: string): OutboxEntry | undefined {
    const found = this.list.value.find((e) => e.client_msg_id === clientMsgId);
    if (found) {
      this.list.value = this.list.value.filter((e) => e !== found);
      this.save();
    }
    return found;
  }

  has(clientMsgId: string): boolean {
    return this.list.value.some((e) => e.client_msg_id === clientMsgId);
  }
}
