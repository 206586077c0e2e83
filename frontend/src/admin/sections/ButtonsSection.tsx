import type { ScreenSettings } from '../../shared/api-types';
import { locale, t } from '../../shared/i18n';
import { BUTTON_STATUSES, getScreen, putButton, resetButton, type ButtonStatus } from '../api';
import { Feedback } from '../components/Feedback';
import { FilePicker } from '../components/FilePicker';
import { LoadState } from '../components/LoadState';
import { useAction } from '../lib/useAction';
import { useLoad } from '../lib/useLoad';
import { QueueSetting } from './QueueSetting';
import './screen.css';

/** The built-in image the widget shows when the store has none (drawn per language). */
export function builtInButton(status: ButtonStatus): string {
  return `/static/buttons/${status}.${locale.value}.svg`;
}

/** A2: the three chat-start button images, or the built-in ones. */
export function ButtonsSection() {
  const loaded = useLoad(getScreen);
  return (
    <section class="admin-section" aria-labelledby="buttons-heading">
      <h2 id="buttons-heading" class="admin-section__title">
        {t('tab.buttons')}
      </h2>
      <p class="admin-muted">{t('buttons.intro')}</p>
      <LoadState loaded={loaded}>
        {(screen) => (
          <div class="button-grid">
            {BUTTON_STATUSES.map((status) => (
              <ButtonCard key={status} status={status} screen={screen} onChange={loaded.set} />
            ))}
          </div>
        )}
      </LoadState>
      <QueueSetting />
    </section>
  );
}

interface CardProps {
  status: ButtonStatus;
  screen: ScreenSettings;
  onChange: (s: ScreenSettings) => void;
}

function ButtonCard({ status, screen, onChange }: CardProps) {
  const action = useAction();
  const own = screen.buttons[status] ?? null;
  const name = t(`buttons.${status}`);

  const upload = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (!file) return;
    const saved = await action.run(() => putButton(status, file), t('buttons.uploaded', { name }));
    input.value = ''; // the same file can be chosen again after a refusal
    if (saved) onChange(saved);
  };
  const reset = async () => {
    const saved = await action.run(() => resetButton(status), t('buttons.reset_done', { name }));
    if (saved) onChange(saved);
  };

  return (
    <article class="admin-card button-card" aria-labelledby={`button-${status}-title`} data-testid={`button-card-${status}`}>
      <h3 id={`button-${status}-title`} class="admin-card__title">
        {name}
      </h3>
      <p class="admin-muted button-card__when">{t(`buttons.${status}_when`)}</p>
      <figure class="button-card__figure">
        <img src={own ?? builtInButton(status)} width={100} height={120} alt={t('buttons.image_alt', { name })}
          data-testid={`button-img-${status}`} data-own={own ? 'yes' : 'no'} />
        <figcaption class="admin-muted">{own ? t('buttons.own') : t('buttons.builtin')}</figcaption>
      </figure>
      <div class="button-card__actions">
        <FilePicker id={`button-file-${status}`} label={t('buttons.choose', { name })} accept="image/png" hint={t('buttons.rule')}
          disabled={action.busy} onPick={(input) => void upload(input)} testid={`button-file-${status}`} />
        <button type="button" class="btn btn-ghost btn-small" disabled={!own || action.busy} onClick={() => void reset()}
          data-testid={`button-reset-${status}`}>
          {t('buttons.reset')}
        </button>
      </div>
      <Feedback action={action} testid={`button-${status}`} />
    </article>
  );
}
