import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../shared/api-types';
import type { ConversationFrame, StaffIn, WelcomeFrame } from './frames';
import { applyFrame, emptyModel, insertMessage, MAX_TEXT, ownStatus, resumeMap, textLength, transferTargets, unreadCount, type Model } from './model';

const me = { id: 's1', login_id: 'sato', name: '佐藤', role: 'agent', max_chats: 3 };
const conv = (id: string, over: Partial<ConversationFrame> = {}): ConversationFrame => ({
  type: 'conversation', id, status: 'active', staff_id: 's1', guest: { id: `g-${id}`, nickname: `guest-${id}` }, last_seq: 0, ...over,
});
const msg = (cid: string, seq: number, author: ChatMessage['author'] = 'guest', text = `m${seq}`): StaffIn => ({
  type: 'message', conversation_id: cid, seq, message_id: `id${seq}`, client_msg_id: null, author, staff: null, kind: 'text', text, created_at: '2026-01-01T00:00:00Z',
});
const welcome = (mine: ConversationFrame[] = []): WelcomeFrame => ({
  type: 'welcome', staff: me, store: { id: 'st', name: '茶房' }, queue: [], mine,
  online: [{ id: 's1', name: '佐藤', active_chats: mine.length, max_chats: 3, status: 'chatting' }],
});

function run(frames: StaffIn[], start: Model = emptyModel()) {
  let model = start;
  const effects = [];
  for (const f of frames) {
    const r = applyFrame(model, f);
    model = r.model;
    effects.push(...r.effects);
  }
  return { model, effects };
}

describe('insertMessage', () => {
  it('keeps seq order and ignores repeats', () => {
    const a = msg('c', 1) as ChatMessage;
    const b = msg('c', 2) as ChatMessage;
    const c = msg('c', 3) as ChatMessage;
    let list = insertMessage([], c);
    list = insertMessage(list, a);
    list = insertMessage(list, b);
    list = insertMessage(list, b);
    expect(list.map((m) => m.seq)).toEqual([1, 2, 3]);
  });
});

describe('applyFrame', () => {
  it('builds chats from welcome and counts unread guest messages', () => {
    const { model, effects } = run([welcome([conv('a', { last_seq: 2 })]), msg('a', 1), msg('a', 2), msg('a', 3)]);
    expect(model.chats.map((c) => c.id)).toEqual(['a']);
    expect(model.selected).toBe('a');
    expect(unreadCount(model.chats[0]!)).toBe(3);
    // Only the message after the history makes a sound.
    expect(effects.filter((e) => e.kind === 'guest_message')).toHaveLength(1);
    expect(resumeMap(model)).toEqual({ a: 3 });
  });

  it('reports new waiting guests once', () => {
    const entry = { conversation_id: 'w', guest_id: 'g', nickname: 'はな', since: '2026-01-01T00:00:00Z' };
    const { effects } = run([welcome(), { type: 'queue', waiting: [entry] }, { type: 'queue', waiting: [entry] }]);
    expect(effects.filter((e) => e.kind === 'new_waiting')).toHaveLength(1);
  });

  it('adds a claimed chat and removes one transferred away', () => {
    let { model, effects } = run([welcome(), conv('b')]);
    expect(effects).toContainEqual({ kind: 'assigned', chatId: 'b' });
    ({ model, effects } = run([conv('b', { staff_id: 's2' })], model));
    expect(model.chats).toEqual([]);
    expect(effects[0]?.kind).toBe('transferred_away');
  });

  it('keeps an ended chat visible and reports it', () => {
    const { model, effects } = run([welcome([conv('a')]), conv('a', { status: 'ended' })]);
    expect(model.chats[0]?.status).toBe('ended');
    expect(effects).toContainEqual({ kind: 'ended', chatId: 'a' });
  });

  it('turns an ack into a message and a refusal into a failed send', () => {
    let { model } = run([welcome([conv('a')])]);
    model = { ...model, chats: model.chats.map((c) => ({ ...c, pending: [{ client_msg_id: 'x', kind: 'text' as const, text: 'hi' }, { client_msg_id: 'y', kind: 'text' as const, text: 'no' }] })) };
    ({ model } = run([
      { type: 'ack', client_msg_id: 'x', conversation_id: 'a', seq: 4, message_id: 'm4' },
      { type: 'error', code: 'too_large', message: '大きすぎます', ref: 'y' },
    ], model));
    const chat = model.chats[0]!;
    expect(chat.messages.map((m) => [m.seq, m.text, m.author])).toEqual([[4, 'hi', 'staff']]);
    expect(chat.pending).toEqual([{ client_msg_id: 'y', kind: 'text', text: 'no', failed: '大きすぎます' }]);
  });

  it('tracks the guest draft and read marks', () => {
    const { model } = run([welcome([conv('a')]), { type: 'typing', conversation_id: 'a', text: 'こんに' }, { type: 'read', conversation_id: 'a', seq: 5 }]);
    expect(model.chats[0]?.guestDraft).toBe('こんに');
    expect(model.chats[0]?.guestReadSeq).toBe(5);
    const after = run([msg('a', 6)], model).model;
    expect(after.chats[0]?.guestDraft).toBe('');
  });

  it('follows its own record when the admin changes it', () => {
    const { model } = run([welcome(), { type: 'me', staff: { ...me, max_chats: 9, name: '佐藤花子' } }]);
    expect(model.me).toEqual({ ...me, max_chats: 9, name: '佐藤花子' });
  });

  it('closes a chat that went back to the queue and says so', () => {
    const { model, effects } = run([welcome([conv('a'), conv('b')]), conv('a', { status: 'waiting', staff_id: null })]);
    expect(model.chats.map((c) => c.id)).toEqual(['b']);
    expect(effects).toContainEqual({ kind: 'returned_to_queue', chatId: 'a', nickname: 'guest-a' });
  });

  it('keeps held chats across a reconnect welcome', () => {
    const first = run([welcome([conv('a')]), msg('a', 1)]).model;
    const { model } = run([welcome([conv('a'), conv('b')])], first);
    expect(model.chats.map((c) => c.id)).toEqual(['a', 'b']);
    expect(model.chats[0]?.messages).toHaveLength(1);
  });
});

describe('ownStatus and transfer targets', () => {
  it('computes chatting / replying / waiting', () => {
    expect(ownStatus(run([welcome()]).model, false)).toBe('waiting');
    expect(ownStatus(run([welcome()]).model, true)).toBe('replying');
    expect(ownStatus(run([welcome([conv('a')])]).model, true)).toBe('chatting');
  });

  it('offers only other online staff with room', () => {
    const { model } = run([welcome(), {
      type: 'online', staff: [
        { id: 's1', name: '佐藤', active_chats: 0, max_chats: 3, status: 'waiting' },
        { id: 's2', name: '鈴木', active_chats: 1, max_chats: 3, status: 'chatting' },
        { id: 's3', name: '高橋', active_chats: 2, max_chats: 2, status: 'chatting' },
      ],
    }]);
    expect(transferTargets(model).map((s) => s.id)).toEqual(['s2']);
  });
});

describe('textLength', () => {
  it('counts code points after trimming, like the server', () => {
    expect(textLength('  あいう  ')).toBe(3);
    expect(textLength('😀'.repeat(2))).toBe(2);
    expect(textLength('あ'.repeat(MAX_TEXT - 1) + '😀')).toBe(MAX_TEXT);
  });
});
