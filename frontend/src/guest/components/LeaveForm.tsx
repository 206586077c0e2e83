import { useEffect, useRef, useState } from 'preact/hooks';
import { formatWallTime } from '../../shared/hours';
import { locale, t } from '../../shared/i18n';
import type { GuestChat } from '../chat';
import { MAX_TEXT, textLength } from '../timeline';
import { BusyNote } from './BusyNote';
import { saveNickname, savedNickname } from './EntryForm';

/** When nobody can chat: a message for the staff, kept as unread for them (G6). */
export function LeaveForm({ chat }: { chat: GuestChat }) {
  const [nickname, setNickname] = useState(savedNickname);
  const [email, setEmail] = useState('');
  const [text, setText] = useState('');
  const first = useRef<HTMLInputElement>(null);
  const sending = chat.outbox.entries.value.some((e) => e.kind === 'leave');
  const failed = chat.failed.value.find((f) => f.entry.kind === 'leave');
  const away = chat.availability.value !== 'busy';

  useEffect(() => first.current?.focus(), []);

  const onSubmit = (e: Event) => {
    e.preventDefault();
    saveNickname(nickname.trim());
    if (failed) chat.dismissFailed(failed.entry.client_msg_id);
    chat.leaveMessage(nickname, email, text);
  };
  const onText = (value: string) => {
    setText(value);
    if (value) chat.keepLeaveForm();
  };

  return (
    <form class="form" onSubmit={onSubmit} data-testid="leave-form">
      {!away && <BusyNote busy={chat.busy.value} />}
      {away && chat.opensAt.value && <HoursNote opensAt={chat.opensAt.value} />}
      <p class="form__intro">{away ? t(chat.opensAt.value ? 'leave.closed' : 'leave.away') : t('leave.busy')}</p>
      {chat.canQueue.value && (
        <p class="hint-box">
          {t('busy.can_join')}{' '}
          <button type="button" class="link" onClick={() => chat.startOver('new')} data-testid="busy-join">
            {t('busy.join')}
          </button>
        </p>
      )}
      {chat.availability.value === 'waiting' && !chat.blacklisted.value && (
        <p class="hint-box">
          {t('leave.available')}{' '}
          <button type="button" class="link" onClick={() => chat.startOver('new')}>
            {t('leave.start_chat')}
          </button>
        </p>
      )}
      <div class="field">
        <label for="l-nickname">
          {t('leave.nickname')} <span class="req">{t('form.required')}</span>
        </label>
        <input id="l-nickname" ref={first} class="input" autocomplete="nickname" maxLength={100} required value={nickname} onInput={(e) => setNickname(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="l-email">
          {t('leave.email')} <span class="opt">{t('leave.optional')}</span>
        </label>
        <input id="l-email" class="input" type="email" autocomplete="email" maxLength={320} aria-describedby="l-email-hint" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        <p id="l-email-hint" class="hint">
          {t('leave.email_hint')}
        </p>
      </div>
      <div class="field">
        <label for="l-text">
          {t('leave.text')} <span class="req">{t('form.required')}</span>
        </label>
        <textarea id="l-text" class="input" rows={5} required value={text} onInput={(e) => onText(e.currentTarget.value)} data-testid="leave-text" />
      </div>
      {textLength(text) > MAX_TEXT && (
        <p class="alert" role="alert">
          {t('composer.too_long')}
        </p>
      )}
      {failed && (
        <p class="alert" role="alert">
          {failed.message}
        </p>
      )}
      <button type="submit" class="btn btn-primary form__submit" disabled={sending || textLength(text) > MAX_TEXT} data-testid="leave-submit">
        {sending ? t('leave.sending') : t('leave.submit')}
      </button>
    </form>
  );
}

/** Outside business hours (issue 16): "12月4日（木）10:00 から受付", in the store's own time. */
function HoursNote({ opensAt }: { opensAt: string }) {
  return (
    <div class="busy-note hours-note" role="status" data-testid="hours-note">
      <p class="busy-note__title">{t('hours.closed')}</p>
      <p class="busy-note__figures" data-testid="opens-at">
        {t('hours.opens_at', { when: formatWallTime(opensAt, locale.value) })}
      </p>
    </div>
  );
}
