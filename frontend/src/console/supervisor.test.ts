import { describe, expect, it } from 'vitest';
import type { StaffIn } from './frames';
import { emptyModel, type Model } from './model';
import { onSupervisorFrame, reassignTargets, resetSupervisor, watch, watched } from './supervisor';

const online = (id: string, active: number, max: number) => ({ id, name: id, active_chats: active, max_chats: max, status: 'waiting' });

describe('reassignTargets', () => {
  it('offers online members with room, never the holder or myself', () => {
    const m: Model = {
      ...emptyModel(),
      me: { id: 'admin', login_id: 'a', name: '管理者', role: 'admin', max_chats: 3 },
      online: [online('admin', 0, 3), online('sato', 1, 3), online('tanaka', 3, 3), online('suzuki', 0, 12), online('kato', 9, 12)],
    };
    expect(reassignTargets(m, 'sato').map((s) => s.id)).toEqual(['suzuki']);
    expect(reassignTargets(m, null).map((s) => s.id)).toEqual(['sato', 'suzuki']);
  });
});

describe('onSupervisorFrame', () => {
  it("keeps the followed chat's messages in seq order, and only that chat's", () => {
    resetSupervisor();
    watch('c1'); // not connected: the frame is simply not sent
    const message = (cid: string, seq: number): StaffIn => ({
      type: 'message', conversation_id: cid, seq, message_id: `m${seq}`, client_msg_id: null, author: 'guest', staff: null, kind: 'text', text: `t${seq}`, created_at: '2026-01-01T00:00:00Z',
    });
    for (const f of [message('c1', 2), message('c2', 1), message('c1', 1), message('c1', 2)]) onSupervisorFrame(f);
    expect(watched.value?.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(watched.value?.messages.every((m) => m.conversation_id === 'c1')).toBe(true);
  });
});
