import { t } from '../../shared/i18n';
import { MAX_TABS, unreadCount } from '../model';
import { drafts, model, selectChat } from '../store';

/** S7: up to nine chats as tabs, each with its unread badge; Alt+1…9 switches. */
export function ChatTabs() {
  const { chats, selected, me } = model.value;
  const active = chats.filter((c) => c.status === 'active').length;
  return (
    // A tablist only while there are tabs: an empty one is an error for screen readers.
    <div class="chat-tabs" role={chats.length ? 'tablist' : undefined} aria-label={chats.length ? t('console.chats') : undefined} data-testid="chat-tabs">
      {chats.map((chat, i) => {
        const unread = unreadCount(chat);
        const isSelected = chat.id === selected;
        return (
          <button
            key={chat.id}
            type="button"
            role="tab"
            id={`tab-${chat.id}`}
            aria-selected={isSelected}
            aria-controls="chat-pane"
            class={`chat-tab${isSelected ? ' is-selected' : ''}${chat.status === 'ended' ? ' is-ended' : ''}`}
            data-testid="chat-tab"
            data-conversation={chat.id}
            title={i < MAX_TABS ? t('console.tab_shortcut', { n: i + 1 }) : undefined}
            onClick={() => selectChat(chat.id)}
          >
            <span class="chat-tab__key" aria-hidden="true">{i + 1}</span>
            <span class="chat-tab__name">{chat.nickname || t('console.guest_unnamed')}</span>
            {drafts.value[chat.id] && <span class="chat-tab__draft" title={t('console.has_draft')} aria-label={t('console.has_draft')}>✎</span>}
            {unread > 0 && (
              <span class="chat-tab__badge" data-testid="unread-badge" aria-label={t('console.unread_n', { n: unread })}>
                {unread}
              </span>
            )}
          </button>
        );
      })}
      <span class="chat-tabs__load" data-testid="my-load">
        {t('console.load', { n: active, max: me?.max_chats ?? MAX_TABS })}
      </span>
    </div>
  );
}
