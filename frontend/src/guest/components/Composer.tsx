import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../../shared/i18n';
import type { GuestChat } from '../chat';
import { loadDraft, panelStoreKey, saveDraft } from '../draft';
import { EnterKeyGuard } from '../ime';
import { MAX_TEXT, textLength } from '../timeline';

/** Text input: Enter sends (never while an IME is converting, G8), Shift+Enter is a new line. */
export function Composer({ chat }: { chat: GuestChat }) {
  const storeKey = useRef(panelStoreKey()).current;
  const [text, setText] = useState(() => loadDraft(storeKey));
  const guard = useRef(new EnterKeyGuard());
  const areaRef = useRef<HTMLTextAreaElement>(null);
  const tooLong = textLength(text) > MAX_TEXT;

  useEffect(() => {
    // Added by hand: Preact maps onCompositionStart to a wrong-cased event name
    // in browsers without an oncompositionstart property.
    const el = areaRef.current;
    if (!el) return;
    el.focus();
    const start = () => guard.current.compositionStart();
    const end = (e: Event) => guard.current.compositionEnd(e.timeStamp);
    el.addEventListener('compositionstart', start);
    el.addEventListener('compositionend', end);
    return () => {
      el.removeEventListener('compositionstart', start);
      el.removeEventListener('compositionend', end);
    };
  }, []);
  useEffect(() => {
    // grow with the text, up to the CSS max-height
    const el = areaRef.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight}px`;
  }, [text]);

  const submit = () => {
    if (tooLong || !chat.send(text)) return;
    setText('');
    saveDraft(storeKey, '');
  };
  const onInput = (e: Event) => {
    const value = (e.currentTarget as HTMLTextAreaElement).value;
    setText(value);
    saveDraft(storeKey, value);
    chat.setDraft(value);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (guard.current.decide(e) === 'send') {
      e.preventDefault();
      submit();
    }
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label class="visually-hidden" for="composer-text">
        {t('composer.label')}
      </label>
      <textarea
        id="composer-text"
        ref={areaRef}
        class="input composer__text"
        rows={1}
        value={text}
        placeholder={t('composer.placeholder')}
        aria-invalid={tooLong}
        aria-describedby={tooLong ? 'composer-hint composer-error' : 'composer-hint'}
        onInput={onInput}
        onKeyDown={onKeyDown}
        data-testid="composer"
      />
      <button type="submit" class="composer__send" disabled={!text.trim() || tooLong} data-testid="send">
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
          <path d="M4 12l16-8-6 16-2.5-6.5L4 12z" fill="currentColor" />
        </svg>
        <span class="visually-hidden">{t('composer.send')}</span>
      </button>
      <span id="composer-hint" class="visually-hidden">
        {t('composer.hint')}
      </span>
      {tooLong && (
        <p id="composer-error" class="composer__error" role="alert">
          {t('composer.too_long')}
        </p>
      )}
    </form>
  );
}
