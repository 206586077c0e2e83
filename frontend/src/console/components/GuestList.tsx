import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatMessage, ConversationOut, GuestDetail, GuestPage, GuestSummary, MessagePage, OfflineReplyOut } from '../../shared/api-types';
import { RatingNote, TranscriptButton } from './Csat';
import { errorText } from '../../shared/components/errors';
import { submitted } from '../../shared/components/forms';
import { Tag } from '../../shared/components/Tag';
import { usePanelFocus } from '../../shared/focus';
import { t } from '../../shared/i18n';
import { api } from '../../shared/session';
import { dateTimeOf } from '../format';
import { guestVersions, notify, offlineDraft, setOfflineDraft } from '../store';
import { Timeline } from './Timeline';
import { UserInfo } from './UserInfo';

/**
 * W1 + M1/M2: every guest the store has talked to; open one to read and reply offline.
 * A panel in place of the chat and user information, not a modal: the waiting queue
 * beside it stays in view (and clickable) while offline replies are written.
 */
export function GuestList({ onClose }: { onClose: () => void }) {
  const [openId, setOpenId] = useState<string | null>(null);
  const panel = useRef<HTMLElement>(null);
  // The row's or the back button's view goes away on a switch: the focus moves into the
  // new view (its back button, or the search field) rather than falling to the page.
  const switchedRef = useRef(false);
  useEffect(() => {
    if (!switchedRef.current) return;
    const target = openId ? '[data-testid=guest-back]' : '#guest-search';
    panel.current?.querySelector<HTMLElement>(target)?.focus();
  }, [openId]);
  const open = (id: string | null) => {
    switchedRef.current = true;
    setOpenId(id);
  };
  usePanelFocus(panel, onClose, 'input');
  return (
    <section class="guest-panel" aria-labelledby="guest-panel-title" ref={panel} data-testid="guest-list">
      <header class="guest-panel__header">
        <h2 id="guest-panel-title" class="guest-panel__title">{t('console.guest_list')}</h2>
        <button type="button" class="btn btn-ghost btn-sm" onClick={onClose} data-testid="guest-list-close">
          {t('console.guest_list_close')}
        </button>
      </header>
      <div class="guest-panel__body">
        {openId ? <GuestView guestId={openId} onBack={() => open(null)} /> : <GuestTable onOpen={open} />}
      </div>
    </section>
  );
}

function GuestTable({ onOpen }: { onOpen: (id: string) => void }) {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<GuestPage | null>(null);
  const [error, setError] = useState('');
  const version = Object.values(guestVersions.value).reduce((a, b) => a + b, 0);

  useEffect(() => {
    let live = true;
    api.get<GuestPage>('/api/guests', { q: query, page }).then(
      (d) => live && (setData(d), setError('')),
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [query, page, version]);

  const search = (ev: Event) => {
    ev.preventDefault();
    setPage(1);
    setQuery(q.trim());
  };

  return (
    <div class="guest-list">
      <form class="guest-list__search" role="search" onSubmit={search}>
        <label class="visually-hidden" for="guest-search">{t('console.guest_search')}</label>
        <input id="guest-search" class="input" type="search" value={q} placeholder={t('console.guest_search_placeholder')} onInput={(e) => setQ(e.currentTarget.value)} data-testid="guest-search" />
        <button type="submit" class="btn btn-primary">{t('console.search')}</button>
      </form>
      {error && <div class="alert" role="alert">{error}</div>}
      {data && data.guests.length === 0 && <p class="panel__empty">{query ? t('console.guest_none_found') : t('console.guest_none')}</p>}
      {data && data.guests.length > 0 && (
        <table class="table guest-table" data-testid="guest-table">
          <thead>
            <tr>
              <th scope="col">{t('console.col_guest')}</th>
              <th scope="col">{t('console.col_last_contact')}</th>
              <th scope="col">{t('console.col_unread_staff')}</th>
              <th scope="col">{t('console.col_sent')}</th>
              <th scope="col">{t('console.col_blacklist')}</th>
            </tr>
          </thead>
          <tbody>
            {data.guests.map((g) => (
              <GuestRow key={g.id} guest={g} onOpen={onOpen} />
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label={t('console.pages')}>
        <button type="button" class="btn btn-ghost btn-sm" disabled={page <= 1} onClick={() => setPage(page - 1)} data-testid="page-prev">{t('console.prev')}</button>
        <span>{t('console.page_n', { n: page })}</span>
        <button type="button" class="btn btn-ghost btn-sm" disabled={!data?.has_more} onClick={() => setPage(page + 1)} data-testid="page-next">{t('console.next')}</button>
      </nav>
    </div>
  );
}

function GuestRow({ guest: g, onOpen }: { guest: GuestSummary; onOpen: (id: string) => void }) {
  return (
    <tr class={g.blacklisted ? 'is-blacklisted' : undefined} data-testid="guest-row" data-guest={g.id}>
      <td>
        <button type="button" class="link-btn guest-table__name" onClick={() => onOpen(g.id)}>
          {g.nickname || t('console.guest_unnamed')}
        </button>
        {g.name && <span class="guest-table__sub">{g.name}</span>}
      </td>
      <td>{dateTimeOf(g.last_contact_at)}</td>
      <td data-testid="unread-staff">{g.unread_for_staff ? <span class="flag flag--on">{t('console.yes_unread')}</span> : <span class="flag">—</span>}</td>
      <td data-testid="sent-to-guest">
        {g.sent_to_guest > 0
          ? g.unread_by_guest > 0
            ? t('console.sent_unread', { n: g.sent_to_guest, u: g.unread_by_guest })
            : t('console.sent_read', { n: g.sent_to_guest })
          : '—'}
      </td>
      <td>{g.blacklisted ? <span class="flag flag--danger">{t('console.blacklisted')}</span> : '—'}</td>
    </tr>
  );
}

/** One guest's conversations; `conversationId`/`focusSeq` open one at a message (search). */
export function GuestView({ guestId, onBack, conversationId: initial = null, focusSeq, backLabel }: { guestId: string; onBack: () => void; conversationId?: string | null; focusSeq?: number; backLabel?: string }) {
  const [guest, setGuest] = useState<GuestDetail | null>(null);
  const [conversationId, setConversationId] = useState<string | null>(initial);
  const conversations = guest?.conversations ?? [];
  const current = conversations.find((c) => c.id === conversationId) ?? conversations[0] ?? null;
  const chatting = conversations.some((c) => c.status !== 'ended');
  return (
    <div class="guest-view" data-testid="guest-view">
      <button type="button" class="link-btn guest-view__back" onClick={onBack} data-testid="guest-back">← {backLabel ?? t('console.back_to_list')}</button>
      <div class="guest-view__grid">
        <div class="guest-view__main">
          <div class="guest-view__convs" role="tablist" aria-label={t('console.past_conversations')}>
            {conversations.map((c) => (
              <button key={c.id} type="button" role="tab" aria-selected={current?.id === c.id} class={`conv-chip${current?.id === c.id ? ' is-selected' : ''}`} onClick={() => setConversationId(c.id)} data-testid="conversation-chip">
                <span>{dateTimeOf(c.created_at)}</span>
                <Tag>{t(`console.kind.${c.kind}`)}</Tag>
              </button>
            ))}
          </div>
          {current && (
            <div class="chat-pane__csat">
              {current.rating && <RatingNote rating={current.rating} />}
              <TranscriptButton conversationId={current.id} guestEmail={guest?.email ?? null} />
            </div>
          )}
          {current ? <History conversation={current} focusSeq={current.id === initial ? focusSeq : undefined} /> : <p class="panel__empty">{t('console.no_conversations')}</p>}
          {guest && <OfflineReply guest={guest} chatting={chatting} onSent={(cid) => setConversationId(cid)} />}
        </div>
        <UserInfo guestId={guestId} onLoaded={setGuest} />
      </div>
    </div>
  );
}

function History({ conversation, focusSeq }: { conversation: ConversationOut; focusSeq?: number }) {
  const [messages, setMessages] = useState<ChatMessage[] | null>(null);
  const version = guestVersions.value;
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!messages || focusSeq === undefined) return;
    // After the timeline's own scroll to the newest message: bring the found one into view.
    const frame = requestAnimationFrame(() => {
      const found = box.current?.querySelector<HTMLElement>(`[data-seq="${focusSeq}"]`);
      found?.classList.add('is-found');
      found?.scrollIntoView({ block: 'center' });
    });
    return () => cancelAnimationFrame(frame);
  }, [messages, focusSeq]);
  useEffect(() => {
    // Only the newest read: an older one answered late would hide the newest messages.
    let live = true;
    api
      .get<MessagePage>(`/api/conversations/${conversation.id}/messages`, { after_seq: 0, limit: 500 })
      .then(
        (p) => live && setMessages(p.messages as unknown as ChatMessage[]),
        () => live && setMessages([]),
      );
    return () => {
      live = false;
    };
  }, [conversation.id, conversation.last_seq, version]);
  return (
    <div class="guest-view__history" ref={box}>
      {messages ? <Timeline messages={messages} guestReadSeq={conversation.guest_read_seq} empty={t('console.no_messages')} /> : <p class="panel__empty">{t('common.loading')}</p>}
    </div>
  );
}

function OfflineReply({ guest, chatting, onSent }: { guest: GuestDetail; chatting: boolean; onSent: (conversationId: string) => void }) {
  const text = offlineDraft(guest.id);
  const setText = (value: string) => setOfflineDraft(guest.id, value);
  const [mail, setMail] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const send = async () => {
    if (!text.trim()) return;
    setBusy(true);
    setError('');
    try {
      const r = await api.post<OfflineReplyOut>(`/api/guests/${guest.id}/messages`, { text, notify_email: mail });
      setText('');
      notify(r.notified ? t('console.offline_sent_mailed') : t('console.offline_sent'));
      onSent(r.message.conversation_id);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  if (chatting) return <p class="offline-reply__note">{t('console.offline_in_chat')}</p>;
  return (
    <form class="offline-reply" onSubmit={submitted(send)} data-testid="offline-reply">
      <label for="offline-text" class="offline-reply__label">{t('console.offline_reply')}</label>
      <textarea id="offline-text" class="input" rows={3} value={text} maxLength={4000} placeholder={t('console.offline_placeholder')} onInput={(e) => setText(e.currentTarget.value)} data-testid="offline-text" />
      <div class="offline-reply__row">
        <label class="check">
          <input type="checkbox" checked={mail} onChange={(e) => setMail(e.currentTarget.checked)} data-testid="offline-notify" />{' '}
          {t('console.notify_email')}
          <span class="offline-reply__to">{guest.email ? `（${guest.email}）` : t('console.no_email')}</span>
        </label>
        <button type="submit" class="btn btn-primary" disabled={busy || !text.trim()} data-testid="offline-send">{t('console.offline_send')}</button>
      </div>
      <div class="alert" role="alert">{error}</div>
    </form>
  );
}
