import { signal } from '@preact/signals';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { MessageHit, MessageSearchPage } from '../../shared/api-types';
import { errorText } from '../../shared/components/errors';
import { Tag } from '../../shared/components/Tag';
import { usePanelFocus } from '../../shared/focus';
import { t } from '../../shared/i18n';
import { api } from '../../shared/session';
import { dateTimeOf } from '../format';
import { GuestView } from './GuestList';

/** Whether the message search panel is open (in place of the chat, like the guest list). */
export const searchingMessages = signal(false);

type Query = { q: string; from: string; to: string; status: string };
const EMPTY: Query = { q: '', from: '', to: '', status: '' };

/**
 * Issue 19: search every message of the store; a hit opens its guest's history at the
 * conversation and message. Snippets are text segments drawn as text (never HTML).
 */
export function MessageSearch({ onClose }: { onClose: () => void }) {
  const [open, setOpen] = useState<MessageHit | null>(null);
  const [form, setForm] = useState<Query>(EMPTY);
  const [query, setQuery] = useState<Query | null>(null);
  const [page, setPage] = useState(1);
  const panel = useRef<HTMLElement>(null);
  usePanelFocus(panel, onClose, 'input');
  return (
    <section class="guest-panel" aria-labelledby="msearch-title" ref={panel} data-testid="message-search">
      <header class="guest-panel__header">
        <h2 id="msearch-title" class="guest-panel__title">{t('console.msearch.title')}</h2>
        <button type="button" class="btn btn-ghost btn-sm" onClick={onClose} data-testid="message-search-close">
          {t('console.msearch.close')}
        </button>
      </header>
      <div class="guest-panel__body">
        {open ? (
          <GuestView guestId={open.guest_id} conversationId={open.conversation_id} focusSeq={open.seq} onBack={() => setOpen(null)} backLabel={t('console.msearch.back')} />
        ) : (
          <div class="guest-list">
            <SearchForm
              form={form}
              setForm={setForm}
              onSearch={() => {
                setPage(1);
                setQuery({ ...form, q: form.q.trim() });
              }}
            />
            {query && <Results query={query} page={page} setPage={setPage} onOpen={setOpen} />}
          </div>
        )}
      </div>
    </section>
  );
}

function SearchForm({ form, setForm, onSearch }: { form: Query; setForm: (q: Query) => void; onSearch: () => void }) {
  const set = (key: keyof Query) => (e: Event) => setForm({ ...form, [key]: (e.currentTarget as HTMLInputElement).value });
  return (
    <form
      class="msearch__form"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onSearch();
      }}
    >
      <div class="guest-list__search">
        <label class="visually-hidden" for="msearch-q">{t('console.msearch.words')}</label>
        <input id="msearch-q" class="input" type="search" maxLength={100} value={form.q} placeholder={t('console.msearch.placeholder')} onInput={set('q')} data-testid="msearch-q" />
        <button type="submit" class="btn btn-primary" data-testid="msearch-submit">{t('console.search')}</button>
      </div>
      <div class="msearch__filters">
        <label>
          {t('console.msearch.from')} <input class="input" type="date" value={form.from} onInput={set('from')} data-testid="msearch-from" />
        </label>
        <label>
          {t('console.msearch.to')} <input class="input" type="date" value={form.to} onInput={set('to')} data-testid="msearch-to" />
        </label>
        <label>
          {t('console.msearch.status')}{' '}
          <select class="input" value={form.status} onChange={set('status')} data-testid="msearch-status">
            <option value="">{t('console.msearch.any')}</option>
            <option value="active">{t('console.msearch.status_active')}</option>
            <option value="waiting">{t('console.msearch.status_waiting')}</option>
            <option value="ended">{t('console.msearch.status_ended')}</option>
          </select>
        </label>
      </div>
      <p class="msearch__hint">{t('console.msearch.hint')}</p>
    </form>
  );
}

function Results({ query, page, setPage, onOpen }: { query: Query; page: number; setPage: (p: number) => void; onOpen: (hit: MessageHit) => void }) {
  const [data, setData] = useState<MessageSearchPage | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    const params: Record<string, string | number> = { q: query.q, page };
    if (query.from) params.from = query.from;
    if (query.to) params.to = query.to;
    if (query.status) params.status = query.status;
    setData(null);
    api.get<MessageSearchPage>('/api/search/messages', params).then(
      (d) => live && (setData(d), setError('')),
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [query, page]);
  if (error) return <div class="alert" role="alert" data-testid="msearch-error">{error}</div>;
  if (!data) return <p class="panel__empty">{t('common.loading')}</p>;
  return (
    <div>
      {data.scan_limit !== null && <p class="msearch__note" data-testid="msearch-short">{t('console.msearch.short_note', { n: data.scan_limit.toLocaleString() })}</p>}
      {data.hits.length === 0 ? (
        <p class="panel__empty" data-testid="msearch-none">{t('console.msearch.none')}</p>
      ) : (
        <ol class="msearch__hits" data-testid="msearch-hits">
          {data.hits.map((h) => (
            <li key={h.message_id}>
              <button type="button" class="msearch__hit" onClick={() => onOpen(h)} data-testid="msearch-hit" data-message={h.message_id}>
                <span class="msearch__meta">
                  <span class="msearch__who">{h.nickname || t('console.guest_unnamed')}</span>
                  <span data-testid="msearch-author">{h.author === 'guest' ? t('console.msearch.author_guest') : h.author === 'staff' ? h.staff_name || t('console.msearch.author_staff') : t('console.msearch.author_system')}</span>
                  <span>{dateTimeOf(h.created_at)}</span>
                  <Tag>{t(`console.msearch.status_${h.status}`)}</Tag>
                </span>
                <span class="msearch__snippet" data-testid="msearch-snippet">
                  {h.snippet.map((s, i) => (s.hit ? <mark key={i}>{s.text}</mark> : <span key={i}>{s.text}</span>))}
                </span>
              </button>
            </li>
          ))}
        </ol>
      )}
      <nav class="pager" aria-label={t('console.pages')}>
        <button type="button" class="btn btn-ghost btn-sm" disabled={page <= 1} onClick={() => setPage(page - 1)} data-testid="msearch-prev">{t('console.prev')}</button>
        <span>{t('console.page_n', { n: page })}</span>
        <button type="button" class="btn btn-ghost btn-sm" disabled={!data.has_more} onClick={() => setPage(page + 1)} data-testid="msearch-next">{t('console.next')}</button>
      </nav>
    </div>
  );
}
