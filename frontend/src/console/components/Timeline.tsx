import { useLayoutEffect, useRef } from 'preact/hooks';
import { Icon } from './Icon';
import type { ChatMessage } from '../../shared/api-types';
import { t } from '../../shared/i18n';
import { stampLabel, stampUrl } from '../data';
import { sizeOf, timeOf } from '../format';
import type { PendingSend } from '../model';

const INLINE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

interface Props {
  messages: ChatMessage[];
  /** the guest has read up to here (staff bubbles up to it show 既読) */
  guestReadSeq: number;
  pending?: PendingSend[];
  onRetry?: (clientMsgId: string) => void;
  onDiscard?: (clientMsgId: string) => void;
  /** shown when there are no messages */
  empty?: string;
}

/** S2: the chat timeline — bubbles, system lines, stamps, file links, read marks. */
export function Timeline({ messages, guestReadSeq, pending = [], onRetry, onDiscard, empty }: Props) {
  const boxRef = useRef<HTMLDivElement>(null);
  const stickRef = useRef(true);
  const lastSeq = messages[messages.length - 1]?.seq;

  useLayoutEffect(() => {
    const el = boxRef.current;
    if (el && stickRef.current) el.scrollTop = el.scrollHeight;
  }, [messages.length, pending.length, lastSeq]);

  const onScroll = () => {
    const el = boxRef.current;
    if (el) stickRef.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
  };

  return (
    <div class="timeline" ref={boxRef} onScroll={onScroll} role="log" aria-live="polite" aria-label={t('console.timeline')} data-testid="timeline">
      {messages.length === 0 && pending.length === 0 && empty && <p class="timeline__empty">{empty}</p>}
      {messages.map((m) => (
        <Bubble key={m.seq} message={m} read={m.author === 'staff' && m.seq <= guestReadSeq} />
      ))}
      {pending.map((p) => (
        <div key={p.client_msg_id} class={`bubble-row bubble-row--staff${p.failed ? ' is-failed' : ' is-pending'}`} data-testid="pending-message">
          <div class="bubble bubble--staff">
            {p.kind === 'stamp' && p.stamp ? <StampImage code={p.stamp} /> : <p class="bubble__text">{p.text}</p>}
          </div>
          <div class="bubble__meta">
            {p.failed ? (
              <span class="bubble__failed" role="alert">
                {p.failed}{' '}
                <button type="button" class="link-btn" onClick={() => onRetry?.(p.client_msg_id)}>{t('console.retry')}</button>{' '}
                <button type="button" class="link-btn" onClick={() => onDiscard?.(p.client_msg_id)}>{t('console.discard')}</button>
              </span>
            ) : (
              t('console.sending')
            )}
          </div>
        </div>
      ))}
    </div>
  );
}

function StampImage({ code }: { code: string }) {
  const url = stampUrl(code);
  const label = stampLabel(code);
  return url ? <img class="bubble__stamp" src={url} alt={label} title={label} width={112} height={112} /> : <p class="bubble__text">[{label}]</p>;
}

function Bubble({ message: m, read }: { message: ChatMessage; read: boolean }) {
  if (m.kind === 'system' || m.author === 'system') {
    return (
      <div class="timeline__system" data-testid="system-line">
        <span>{m.text}</span>
        <time>{timeOf(m.created_at)}</time>
      </div>
    );
  }
  const side = m.author === 'staff' ? 'staff' : 'guest';
  const isStamp = m.kind === 'stamp' && m.stamp;
  return (
    <div class={`bubble-row bubble-row--${side}`} data-testid={`message-${side}`} data-seq={m.seq}>
      {side === 'staff' && m.staff?.name && <div class="bubble__who">{m.staff.name}</div>}
      <div class={`bubble bubble--${side}${isStamp ? ' bubble--stamp' : ''}`}>
        {isStamp ? <StampImage code={m.stamp as string} /> : m.kind === 'file' && m.file ? <FileLink file={m.file} /> : <p class="bubble__text">{m.text}</p>}
      </div>
      <div class="bubble__meta">
        {side === 'staff' && read && <span class="bubble__read" data-testid="read-mark">{t('console.read')}</span>}
        <time>{timeOf(m.created_at)}</time>
      </div>
    </div>
  );
}

function FileLink({ file }: { file: NonNullable<ChatMessage['file']> }) {
  const image = file.content_type ? INLINE.has(file.content_type) : false;
  return (
    <a class="file-link" href={file.url} download={file.name} data-testid="file-link">
      {image && <img class="file-link__preview" src={`${file.url}?inline=1`} alt="" loading="lazy" />}
      <span class="file-link__icon"><Icon name="clip" /></span>
      <span class="file-link__name">{file.name}</span>
      <span class="file-link__size">{sizeOf(file.size)}</span>
    </a>
  );
}
