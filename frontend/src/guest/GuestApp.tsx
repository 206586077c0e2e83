import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../shared/i18n';
import type { PostalLookupFn } from '../shared/postal';
import type { GuestChat } from './chat';
import { AfterChat } from './components/AfterChat';
import { waitMinutes } from './components/BusyNote';
import { Composer } from './components/Composer';
import { EntryForm } from './components/EntryForm';
import { LeaveForm } from './components/LeaveForm';
import { Timeline } from './components/Timeline';
import { postToHost } from './host';
import type { WidgetConfig } from './protocol';
import './guest.css';

interface Props {
  chat: GuestChat;
  config: WidgetConfig | null;
  /** false when the panel is opened on its own page (no loader to close it) */
  embedded: boolean;
  /** the entry form's postal code look-up */
  lookupPostal: PostalLookupFn;
}

/** The chat panel shown in the loader's iframe. */
export function GuestApp({ chat, config, embedded, lookupPostal }: Props) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && embedded) postToHost({ type: 'chats:close' });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [embedded]);

  const screen = chat.screen.value;
  return (
    <div class="guest" data-screen={screen} data-testid="guest-panel">
      <Header chat={chat} config={config} embedded={embedded} />
      <ConnectionBar chat={chat} />
      <main class="guest__body">
        {screen === 'loading' && (
          <p class="guest__center guest__muted" role="status">
            {t('guest.loading')}
          </p>
        )}
        {screen === 'form' && (
          <div class="guest__scroll">
            <EntryForm chat={chat} fields={config?.fields ?? []} lookupPostal={lookupPostal} />
          </div>
        )}
        {screen === 'leave' && (
          <div class="guest__scroll">
            <LeaveForm chat={chat} />
          </div>
        )}
        {screen === 'chat' && <ChatScreen chat={chat} config={config} />}
        {screen === 'left' && <Left chat={chat} />}
        {screen === 'closed' && (
          <p class="guest__center guest__muted" role="status" data-testid="closed">
            {t('closed.body')}
          </p>
        )}
      </main>
    </div>
  );
}

function Header({ chat, config, embedded }: Omit<Props, 'lookupPostal'>) {
  const [confirming, setConfirming] = useState(false);
  const conv = chat.conversation.value;
  const open = conv !== null && conv.status !== 'ended' && chat.screen.value === 'chat';
  useEffect(() => {
    if (!open) setConfirming(false);
  }, [open]);
  const storeName = config?.store.name || t('guest.title');
  return (
    <header class="guest__header">
      {config?.logo_url ? (
        <img class="guest__logo" src={config.logo_url} alt={storeName} />
      ) : (
        <h1 class="guest__title">{storeName}</h1>
      )}
      {config?.logo_url && <h1 class="visually-hidden">{storeName}</h1>}
      <span class="guest__spacer" />
      {open && !confirming && (
        <button type="button" class="guest__end" onClick={() => setConfirming(true)} data-testid="end">
          {t('guest.end')}
        </button>
      )}
      {embedded && (
        <button
          type="button"
          class="guest__close"
          aria-label={t('guest.minimize')}
          title={t('guest.close')}
          data-testid="guest-close"
          onClick={() => postToHost({ type: 'chats:close' })}
        >
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
          </svg>
        </button>
      )}
      {confirming && (
        <div class="confirm float-card" role="alertdialog" aria-labelledby="end-q">
          <p id="end-q">{t('guest.end_confirm')}</p>
          <button type="button" class="btn btn-ghost" onClick={() => setConfirming(false)} autoFocus>
            {t('guest.end_no')}
          </button>
          <button
            type="button"
            class="btn btn-danger"
            data-testid="end-confirm"
            onClick={() => {
              chat.end();
              setConfirming(false);
            }}
          >
            {t('guest.end_yes')}
          </button>
        </div>
      )}
    </header>
  );
}

function ConnectionBar({ chat }: { chat: GuestChat }) {
  const state = chat.ws.state.value;
  const ready = chat.ready.value;
  let key: string | null = null;
  let kind = 'ok';
  if (!chat.online.value) {
    key = 'conn.offline';
    kind = 'offline';
  } else if (!ready && chat.welcomed.value) {
    key = 'conn.reconnecting';
    kind = 'reconnecting';
  } else if (!ready && state !== 'connecting') {
    key = 'conn.connecting';
    kind = 'connecting';
  }
  return (
    <div class={`conn conn--${kind}`} role="status" data-testid="connection" data-state={kind}>
      {key && t(key)}
    </div>
  );
}

function ChatScreen({ chat, config }: { chat: GuestChat; config: WidgetConfig | null }) {
  const conv = chat.conversation.value;
  if (!conv) return null;
  return (
    <>
      <StatusLine chat={chat} />
      <Timeline chat={chat} />
      {conv.status === 'ended' ? <Ended chat={chat} config={config} /> : <Composer chat={chat} />}
    </>
  );
}

function StatusLine({ chat }: { chat: GuestChat }) {
  const conv = chat.conversation.value;
  if (!conv) return null;
  if (conv.status === 'waiting') {
    const estimate = chat.availability.value === 'busy' ? (chat.busy.value?.estimated_wait_seconds ?? null) : null;
    return (
      <div class="banner banner--queue" role="status" data-testid="queue">
        <span class="banner__pulse" aria-hidden="true" />
        <span>
          {t('queue.calling')}
          {conv.queue_position ? (
            <strong class="banner__pos" data-testid="queue-position">
              {t('queue.position', { n: conv.queue_position })}
            </strong>
          ) : null}
          {estimate !== null && (
            <span class="banner__estimate" data-testid="queue-estimate">
              {t('queue.estimate', { m: waitMinutes(estimate) })}
            </span>
          )}
        </span>
      </div>
    );
  }
  if (conv.status === 'active') {
    return (
      <div class="banner" role="status" data-testid="staff-name">
        {t('chat.with', { name: conv.staff?.name || t('chat.staff') })}
      </div>
    );
  }
  return null;
}

function Ended({ chat, config }: { chat: GuestChat; config: WidgetConfig | null }) {
  const canChat = chat.canStart.value;
  // A reply to a left message (M1) was never a live chat: no "chat ended" for it.
  const wasChat = chat.messages.value.some((m) => m.author !== 'staff');
  return (
    <div class="ended" data-testid="ended">
      <p>{wasChat ? t('chat.ended') : t('chat.reply_note')}</p>
      {wasChat && <AfterChat chat={chat} config={config} />}
      <div class="ended__actions">
        {canChat && (
          <button type="button" class="btn btn-primary" onClick={() => chat.startOver('new')} data-testid="new-chat">
            {chat.canQueue.value ? t('busy.join') : t('chat.new')}
          </button>
        )}
        {!chat.blacklisted.value && (
          <button type="button" class={`btn ${canChat ? 'btn-ghost' : 'btn-primary'}`} onClick={() => chat.startOver('leave')}>
            {t('chat.leave')}
          </button>
        )}
      </div>
    </div>
  );
}

function Left({ chat }: { chat: GuestChat }) {
  const entry = chat.left.value;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <div class="guest__scroll left" data-testid="left">
      <svg class="left__icon" viewBox="0 0 48 48" width="48" height="48" aria-hidden="true">
        <circle cx="24" cy="24" r="22" fill="var(--color-success)" />
        <path d="M14 25l7 7 13-15" fill="none" stroke="#fff" stroke-width="4" stroke-linecap="round" stroke-linejoin="round" />
      </svg>
      <h2 tabIndex={-1} ref={heading}>
        {t('left.title')}
      </h2>
      <p>{t('left.body')}</p>
      {entry && <blockquote class="left__quote">{entry.text}</blockquote>}
      <button type="button" class="btn btn-ghost" onClick={() => chat.startOver('new')}>
        {t('left.back')}
      </button>
    </div>
  );
}
