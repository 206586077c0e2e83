// Issue 19: the guest's satisfaction rating on a conversation, and sending its transcript.
import { useState } from 'preact/hooks';
import type { ConversationRating, TranscriptOut } from '../../shared/api-types';
import { api } from '../../shared/session';
import { errorText } from '../../shared/components/errors';
import { Dialog } from '../../shared/components/Dialog';
import { t } from '../../shared/i18n';
import { notify } from '../store';

export type RatingView = Pick<ConversationRating, 'score' | 'comment'>;

/** "満足度 4 / 5" with the guest's comment (as text). */
export function RatingNote({ rating }: { rating: RatingView }) {
  return (
    <div class="csat-note" data-testid="csat-rating" data-score={rating.score}>
      <span class="csat-note__stars" aria-hidden="true">
        {'★'.repeat(rating.score)}
        <span class="csat-note__off">{'★'.repeat(Math.max(0, 5 - rating.score))}</span>
      </span>
      <span class="csat-note__score">{t('csat.score', { n: rating.score })}</span>
      {rating.comment && (
        <q class="csat-note__comment" data-testid="csat-comment">
          {rating.comment}
        </q>
      )}
    </div>
  );
}

/** A button that opens a dialog mailing the conversation's transcript (the guest's address or a typed one). */
export function TranscriptButton({ conversationId, guestEmail }: { conversationId: string; guestEmail?: string | null }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class="op-btn" data-testid="transcript-button" onClick={() => setOpen(true)}>
        {t('transcript.button')}
      </button>
      {open && <TranscriptDialog conversationId={conversationId} guestEmail={guestEmail} onClose={() => setOpen(false)} />}
    </>
  );
}

/** `guestEmail`: the guest's address when known, null when it has none, undefined when not looked up. */
function TranscriptDialog({ conversationId, guestEmail, onClose }: { conversationId: string; guestEmail: string | null | undefined; onClose: () => void }) {
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const body = to.trim() ? { to: to.trim() } : {};
      const r = await api.post<TranscriptOut>(`/api/conversations/${encodeURIComponent(conversationId)}/transcript`, body);
      notify(t('transcript.queued', { email: r.email }));
      onClose();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={t('transcript.title')} onClose={onClose} testId="transcript-dialog">
      <form class="transcript-form" onSubmit={(e) => void send(e)}>
        <label for="transcript-to">{t('transcript.to')}</label>
        <input
          id="transcript-to"
          class="input"
          type="email"
          maxLength={320}
          value={to}
          placeholder={guestEmail ?? ''}
          aria-describedby="transcript-hint"
          onInput={(e) => setTo(e.currentTarget.value)}
          data-testid="transcript-to"
        />
        <p id="transcript-hint" class="transcript-form__hint">
          {guestEmail ? t('transcript.hint_guest', { email: guestEmail }) : guestEmail === null ? t('transcript.hint_none') : t('transcript.hint_profile')}
        </p>
        <div class="alert" role="alert" data-testid="transcript-error">
          {error}
        </div>
        <div class="transcript-form__actions">
          <button type="button" class="btn btn-ghost" onClick={onClose}>
            {t('console.cancel')}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="transcript-submit">
            {t('transcript.send')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
