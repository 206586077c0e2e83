import { useEffect, useRef } from 'preact/hooks';
import { Icon } from './components/Icon';
import { AppBar } from '../shared/components/AppBar';
import { LoginGate } from '../shared/components/LoginGate';
import { Tag } from '../shared/components/Tag';
import { formatWallTime } from '../shared/hours';
import { locale, t } from '../shared/i18n';
import type { Staff } from '../shared/session';
import { unlockAudio } from './alerts';
import { guestName } from './format';
import { ChatTabs } from './components/ChatTabs';
import { Composer } from './components/Composer';
import { GuestList } from './components/GuestList';
import { MessageSearch, searchingMessages } from './components/MessageSearch';
import { Operations } from './components/Operations';
import { RatingNote, TranscriptButton } from './components/Csat';
import { StaffList } from './components/StaffList';
import { StatusItems } from './components/StatusItems';
import { SupervisorView } from './components/SupervisorView';
import { Timeline } from './components/Timeline';
import { UserInfo } from './components/UserInfo';
import { WaitingList } from './components/WaitingList';
import { loadCanned, loadStamps } from './data';
import { tabShortcut } from './keys';
import { announcement, discardSend, dismiss, model, notices, replyingOffline, retrySend, selectChat, startConsole, storeHours } from './store';
import { closeSupervisor, openSupervisor, supervising } from './supervisor';

/** The staff console: login gate, then the operator screen of the seed. */
export function ConsoleApp() {
  return <LoginGate subtitle={t('console.title')}>{(staff) => <ConsoleShell staff={staff} />}</LoginGate>;
}

function ConsoleShell({ staff }: { staff: Staff }) {
  useEffect(() => {
    const stop = startConsole(staff.id);
    void loadStamps().catch(() => undefined);
    void loadCanned().catch(() => undefined);
    const onKey = (ev: KeyboardEvent) => {
      const index = tabShortcut(ev);
      const chat = index === null ? undefined : model.value.chats[index];
      if (chat) {
        ev.preventDefault();
        selectChat(chat.id);
      }
    };
    // Browsers allow sound only after a gesture: the first click anywhere unlocks it.
    const unlock = () => unlockAudio();
    window.addEventListener('keydown', onKey);
    window.addEventListener('pointerdown', unlock);
    return () => {
      stop();
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('pointerdown', unlock);
    };
  }, [staff.id]);

  const { chats, selected, me } = model.value;
  const chat = chats.find((c) => c.id === selected) ?? null;
  // The last chat ended or its tab closed: its pane (and the focused button) went away.
  // Focus lands on what replaces it, not on the page (another chat's composer takes it itself).
  const emptyPane = useRef<HTMLParagraphElement>(null);
  const chatId = chat?.id;
  useEffect(() => {
    if (chatId === undefined && (document.activeElement === document.body || !document.activeElement)) emptyPane.current?.focus();
  }, [chatId]);
  const admin = me?.role === 'admin';

  return (
    <div class="console">
      <AppBar staff={staff} title={t('console.title')}>
        {admin && (
          <button
            type="button"
            class="bar-btn"
            aria-pressed={supervising.value}
            data-testid="supervisor-toggle"
            onClick={() => (supervising.value ? closeSupervisor() : openSupervisor())}
          >
            <Icon name="users" /> {supervising.value ? t('console.sv.close') : t('console.sv.open')}
          </button>
        )}
        <StatusItems />
      </AppBar>
      <HoursNotice />
      {admin && supervising.value ? <SupervisorView /> : <main class={`console__grid${replyingOffline.value || searchingMessages.value ? ' is-guests' : ''}`}>
        <h1 class="visually-hidden">{t('console.title')}</h1>
        <aside class="console__side" aria-label={t('console.side')}>
          <WaitingList />
          <section class="panel" aria-labelledby="waiting-ops">
            <header class="panel__header">
              <h2 id="waiting-ops" class="panel__title">{t('console.waiting_operations')}</h2>
            </header>
            <div class="side-ops">
              <button type="button" class="op-btn op-btn--wide" data-testid="guest-list-button" aria-pressed={replyingOffline.value} onClick={() => (replyingOffline.value = !replyingOffline.value)}>
                <Icon name="book" /> {t('console.guest_list')}
              </button>
              <button type="button" class="op-btn op-btn--wide" data-testid="message-search-button" aria-pressed={searchingMessages.value} onClick={() => { replyingOffline.value = false; searchingMessages.value = !searchingMessages.value; }}>
                <Icon name="search" /> {t('console.msearch.open')}
              </button>
            </div>
          </section>
          <section class="panel" aria-labelledby="online-heading">
            <header class="panel__header">
              <h2 id="online-heading" class="panel__title">{t('console.staff_list')}</h2>
            </header>
            <StaffList />
          </section>
        </aside>
        {replyingOffline.value && <GuestList onClose={() => (replyingOffline.value = false)} />}
        {searchingMessages.value && !replyingOffline.value && <MessageSearch onClose={() => (searchingMessages.value = false)} />}
        <section class="console__chat" aria-label={t('console.chats')}>
          <ChatTabs />
          {chat ? (
            <div class="chat-pane" id="chat-pane" role="tabpanel" aria-labelledby={`tab-${chat.id}`} data-testid="chat-pane">
              <div class="chat-pane__head">
                <h2 class="chat-pane__title">{t('console.chat_with', { name: guestName(chat.nickname) })}</h2>
                {chat.status === 'ended' && <Tag tone="ended" testId="chat-ended">{t('console.chat_ended')}</Tag>}
              </div>
              <div class="chat-pane__csat">
                {chat.rating && <RatingNote rating={chat.rating} />}
                <TranscriptButton conversationId={chat.id} />
              </div>
              <Timeline
                messages={chat.messages}
                guestReadSeq={chat.guestReadSeq}
                pending={chat.pending}
                onRetry={(id) => retrySend(chat.id, id)}
                onDiscard={(id) => discardSend(chat.id, id)}
              />
              <Composer chat={chat} />
              <Operations chat={chat} />
            </div>
          ) : (
            <div class="chat-pane chat-pane--empty" data-testid="no-chat">
              <p class="chat-pane__empty-title" tabIndex={-1} ref={emptyPane} data-testid="no-chat-title">{t('console.no_chat')}</p>
              <p class="panel__empty">{t('console.no_chat_hint')}</p>
            </div>
          )}
        </section>
        <aside class="console__info" aria-label={t('console.user_info')}>
          {chat ? <UserInfo guestId={chat.guestId} /> : <section class="panel"><p class="panel__empty">{t('console.info_empty')}</p></section>}
        </aside>
      </main>}
      <div class="visually-hidden" role="status" aria-live="polite" data-testid="announcer">
        {announcement.value && <p key={announcement.value.id}>{announcement.value.text}</p>}
      </div>
      <div class="notices" aria-live="polite" data-testid="notices">
        {notices.value.map((n) => (
          <div key={n.id} class={`notice notice--${n.tone}`} role={n.tone === 'error' ? 'alert' : 'status'} data-testid="notice">
            <span>{n.text}</span>
            <button type="button" class="notice__close" aria-label={t('console.close')} onClick={() => dismiss(n.id)}>×</button>
          </div>
        ))}
      </div>
    </div>
  );
}

/** Issue 16: outside business hours guests see the store away; staff still work here. */
function HoursNotice() {
  const hours = storeHours.value;
  if (!hours || hours.open) return null;
  return (
    <p class="hours-notice" role="status" data-testid="hours-notice">
      {hours.opensAt
        ? t('console.outside_hours_until', { when: formatWallTime(hours.opensAt, locale.value) })
        : t('console.outside_hours')}
    </p>
  );
}
