import { useLayoutEffect, useRef } from 'preact/hooks';
import { t } from '../../shared/i18n';
import type { GuestChat } from '../chat';
import type { OutboxEntry } from '../outbox';
import type { ChatMessage } from '../protocol';
import { formatSize, formatTime } from '../timeline';

interface Props {
  chat: GuestChat;
}

/** Messages of the conversation on screen, then what is still on its way. */
export function Timeline({ chat }: Props) {
  const boxRef = useRef<HTMLDivElement>(null);
  const stickRef = useRef(true);
  const conv = chat.conversation.value;
  const messages = chat.messages.value;
  const readUpTo = conv ? (chat.staffRead.value.get(conv.id) ?? 0) : 0;
  const pending = chat.outbox.entries.value.filter(
    (e) => e.kind === 'send' && (e.conversation_id === null || e.conversation_id === conv?.id),
  );
  const failed = chat.failed.value.filter((f) => f.entry.kind === 'send');
  const offline = !chat.ready.value;
  const staffName = conv?.staff?.name || t('chat.staff');

  // Follow new messages unless the guest has scrolled up to read.
  useLayoutEffect(() => {
    const el = boxRef.current;
    if (el && stickRef.current) el.scrollTop = el.scrollHeight;
  });
  const onScroll = () => {
    const el = boxRef.current;
    if (el) stickRef.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
  };

  return (
    <div class="timeline" ref={boxRef} onScroll={onScroll} data-testid="timeline">
      <div role="log" aria-live="polite" aria-relevant="additions" aria-label={t('chat.log')}>
        <ol class="timeline__list">
          {messages.map((m, i) => (
            <MessageItem key={m.seq} m={m} prev={messages[i - 1]} read={m.author === 'guest' && m.seq <= readUpTo} />
          ))}
          {pending.map((e) => (
            <PendingItem key={e.client_msg_id} e={e} label={offline ? t('chat.queued') : t('chat.sending')} />
          ))}
          {failed.map((f) => (
            <li key={f.entry.client_msg_id} class="msg msg--guest msg--failed" data-testid="message-failed">
              <p class="bubble">{f.entry.text}</p>
              <p class="msg__meta" role="alert">
                {t('chat.failed')}: {f.message}{' '}
                <button type="button" class="link" onClick={() => chat.retry(f.entry.client_msg_id)}>
                  {t('chat.retry')}
                </button>{' '}
                <button type="button" class="link" onClick={() => chat.dismissFailed(f.entry.client_msg_id)}>
                  {t('chat.dismiss')}
                </button>
              </p>
            </li>
          ))}
        </ol>
      </div>
      {conv?.status === 'waiting' && !messages.length && !pending.length && (
        <p class="timeline__hint">{t('queue.hint')}</p>
      )}
      {chat.staffTyping.value && (
        <p class="typing" role="status" data-testid="staff-typing">
          <span class="typing__dots" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          {t('chat.typing', { name: staffName })}
        </p>
      )}
    </div>
  );
}

function MessageItem({ m, prev, read }: { m: ChatMessage; prev: ChatMessage | undefined; read: boolean }) {
  if (m.kind === 'system' || m.author === 'system') {
    return (
      <li class="msg msg--system" data-testid="message" data-seq={m.seq}>
        <p>{m.text}</p>
      </li>
    );
  }
  const mine = m.author === 'guest';
  const showName = !mine && (prev?.author !== m.author || prev?.staff?.id !== m.staff?.id);
  return (
    <li class={`msg ${mine ? 'msg--guest' : 'msg--staff'}`} data-testid="message" data-seq={m.seq} data-author={m.author}>
      {showName && <p class="msg__name">{m.staff?.name || t('chat.staff')}</p>}
      <div class="msg__row">
        <Body m={m} />
        <p class="msg__meta">
          {read && <span class="msg__read" data-testid="read-mark">{t('chat.read')}</span>}
          <time dateTime={m.created_at}>{formatTime(m.created_at)}</time>
        </p>
      </div>
    </li>
  );
}

function Body({ m }: { m: ChatMessage }) {
  if (m.kind === 'stamp' && m.stamp) {
    const code = m.stamp;
    return (
      <img
        class="stamp"
        src={m.stamp_url || `/static/stamps/${encodeURIComponent(code)}.svg`}
        alt={t('chat.stamp', { code })}
        width={112}
        height={112}
        data-testid="stamp"
      />
    );
  }
  if (m.kind === 'file' && m.file) {
    const { name, size, url } = m.file;
    return (
      <a class="bubble file" href={url} download={name} data-testid="file-link" aria-label={t('chat.file', { name, size: formatSize(size) })}>
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
          <path d="M12 3v12m0 0l-5-5m5 5l5-5M5 20h14" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
        </svg>
        <span class="file__name">{name}</span>
        <span class="file__size">{formatSize(size)}</span>
      </a>
    );
  }
  return <p class="bubble">{m.text}</p>;
}

function PendingItem({ e, label }: { e: OutboxEntry; label: string }) {
  return (
    <li class="msg msg--guest msg--pending" data-testid="message-pending">
      <div class="msg__row">
        <p class="bubble">{e.text}</p>
        <p class="msg__meta">{label}</p>
      </div>
    </li>
  );
}
