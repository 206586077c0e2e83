import { LOCALES, locale, setLocale, t } from '../i18n';
import './langswitch.css';

/** Two-button language switch (日本語 / English); each name is shown in its own language. */
export function LangSwitch({ tone = 'light' }: { tone?: 'light' | 'dark' }) {
  return (
    <div
      class={`lang-switch lang-switch--${tone}`}
      role="group"
      aria-label={t('lang.label')}
      data-testid="lang-switch"
    >
      {LOCALES.map((l) => (
        <button
          key={l}
          type="button"
          class="lang-switch__btn"
          lang={l}
          data-lang={l}
          aria-pressed={locale.value === l}
          onClick={() => setLocale(l)}
        >
          {t(`lang.${l}`)}
        </button>
      ))}
    </div>
  );
}
