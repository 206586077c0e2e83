import { useEffect } from 'preact/hooks';
import { t } from '../shared/i18n';
import { postToHost } from './host';
import './guest.css';

interface Props {
  /** the store's widget key (?store=) */
  storeKey: string;
}

/** The chat panel shown in the loader's iframe. Placeholder until the chat lands. */
export function GuestApp({ storeKey }: Props) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') postToHost({ type: 'chats:close' });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div class="guest" data-store={storeKey}>
      <header class="guest__header">
        <h1 class="guest__title">{t('guest.title')}</h1>
        <button
          type="button"
          class="guest__close"
          aria-label={t('guest.close')}
          title={t('guest.close')}
          data-testid="guest-close"
          onClick={() => postToHost({ type: 'chats:close' })}
        >
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
          </svg>
        </button>
      </header>
      <main class="guest__body">
        <p class="guest__muted">{t('guest.placeholder')}</p>
      </main>
    </div>
  );
}
