import { useState } from 'preact/hooks';
import { locale, t } from '../../shared/i18n';
import type { GuestChat } from '../chat';
import type { WidgetConfig } from '../protocol';

/** Issue 19: a rating's comment, in code points after trimming (the server's rule). */
export const MAX_COMMENT = 1000;

/** After a chat ended: rate it (when the store asks) and ask for its transcript by mail. */
export function AfterChat({ chat, config }: { chat: GuestChat; config: WidgetConfig | null }) {
  const conv = chat.conversation.value;
  if (!conv) return null;
  const csat = config?.csat;
  return (
    <div class="after" data-testid="after-chat">
      {csat?.enabled && <RateForm chat={chat} conversationId={conv.id} wording={locale.value === 'en' ? csat.en : csat.ja} />}
      <TranscriptForm chat={chat} conversationId={conv.id} />
    </div>
  );
}

function RateForm({ chat, conversationId, wording }: { chat: GuestChat; conversationId: string; wording: { question: string; labels: string[] } }) {
  const [score, setScore] = useState(0);
  const [comment, setComment] = useState('');
  const done = chat.ratings.value.get(conversationId);
  const pending = chat.afterPending.value === 'rate';
  const error = chat.afterError.value?.what === 'rate' ? chat.afterError.value.message : '';
  if (done) {
    return (
      <p class="after__done" role="status" data-testid="rated">
        {t('csat.thanks')}
      </p>
    );
  }
  const tooLong = [...comment.trim()].length > MAX_COMMENT;
  return (
    <form
      class="after__card"
      data-testid="rate-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (score) chat.rate(score, comment);
      }}
    >
      <fieldset class="rate">
        <legend class="rate__question">{wording.question}</legend>
        <div class="rate__scale">
          {wording.labels.map((label, i) => (
            <label key={i} class={`rate__option${score === i + 1 ? ' is-selected' : ''}`} data-testid={`rate-${i + 1}`}>
              <input type="radio" name="csat-score" value={i + 1} checked={score === i + 1} onChange={() => setScore(i + 1)} />
              <span class="rate__num" aria-hidden="true">
                {i + 1}
              </span>
              <span class="rate__label">{label}</span>
            </label>
          ))}
        </div>
      </fieldset>
      {score > 0 && (
        <>
          <label for="csat-comment">
            {t('csat.comment')} <span class="opt">{t('leave.optional')}</span>
          </label>
          <textarea id="csat-comment" class="input" rows={2} value={comment} onInput={(e) => setComment(e.currentTarget.value)} data-testid="rate-comment" />
          {tooLong && (
            <p class="alert" role="alert">
              {t('csat.too_long', { n: MAX_COMMENT })}
            </p>
          )}
          {error && (
            <p class="alert" role="alert" data-testid="rate-error">
              {error}
            </p>
          )}
          <button type="submit" class="btn btn-primary" disabled={!score || pending || tooLong} data-testid="rate-submit">
            {t('csat.submit')}
          </button>
        </>
      )}
    </form>
  );
}

function TranscriptForm({ chat, conversationId }: { chat: GuestChat; conversationId: string }) {
  const [email, setEmail] = useState('');
  const [open, setOpen] = useState(false);
  const sentTo = chat.transcripts.value.get(conversationId);
  const pending = chat.afterPending.value === 'transcript';
  const error = chat.afterError.value?.what === 'transcript' ? chat.afterError.value.message : '';
  if (!open && !sentTo) {
    return (
      <button type="button" class="btn btn-ghost after__open" onClick={() => setOpen(true)} data-testid="transcript-open">
        {t('transcript.open')}
      </button>
    );
  }
  return (
    <form
      class="after__card"
      data-testid="transcript-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (email.trim()) chat.requestTranscript(email);
      }}
    >
      <label for="transcript-email">
        {t('transcript.email')}
      </label>
      <div class="after__row">
        <input id="transcript-email" class="input" type="email" autocomplete="email" maxLength={320} required value={email} onInput={(e) => setEmail(e.currentTarget.value)} data-testid="transcript-email" />
        <button type="submit" class="btn btn-primary" disabled={pending || !email.trim()} data-testid="transcript-send">
          {t('transcript.send')}
        </button>
      </div>
      {sentTo && (
        <p class="after__done" role="status" data-testid="transcript-sent">
          {t('transcript.sent', { email: sentTo })}
        </p>
      )}
      {error && (
        <p class="alert" role="alert" data-testid="transcript-error">
          {error}
        </p>
      )}
    </form>
  );
}
