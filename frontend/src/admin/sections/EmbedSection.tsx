import { useState } from 'preact/hooks';
import type { EmbedSettings } from '../../shared/api-types';
import { Field, submitted } from '../../shared/components/forms';
import { t } from '../../shared/i18n';
import { putEmbed } from '../api';
import { Feedback } from '../components/Feedback';
import { LoadState } from '../components/LoadState';
import { useAction } from '../lib/useAction';
import type { Loaded } from '../lib/useLoad';
import './embed.css';

/** The sites that may embed the widget (issue 12): empty means any site, shown as a warning. */
export function EmbedSection({ loaded }: { loaded: Loaded<EmbedSettings> }) {
  return (
    <section class="admin-section" aria-labelledby="embed-heading">
      <h2 id="embed-heading" class="admin-section__title">
        {t('tab.embed')}
      </h2>
      <p class="admin-muted">{t('embed.intro')}</p>
      <LoadState loaded={loaded}>
        {({ origins }) => (
          <>
            {origins.length === 0 && <EmbedWarning />}
            <EmbedEditor origins={origins} onChange={(next) => loaded.set({ origins: next })} />
          </>
        )}
      </LoadState>
    </section>
  );
}

function EmbedWarning() {
  return (
    <div class="notice-warn" data-testid="embed-warning">
      <strong class="notice-warn__title">{t('embed.warning_title')}</strong>
      <p>{t('embed.warning')}</p>
    </div>
  );
}

function EmbedEditor({ origins, onChange }: { origins: string[]; onChange: (o: string[]) => void }) {
  const [draft, setDraft] = useState('');
  const action = useAction();

  const save = async (next: string[], success: string) => {
    const saved = await action.run(() => putEmbed(next), success);
    if (saved) onChange(saved.origins);
    return Boolean(saved);
  };
  const add = async () => {
    const origin = draft.trim();
    if (!origin) return;
    if (await save([...origins, origin], t('embed.added', { origin }))) setDraft('');
  };
  const remove = (origin: string) => void save(origins.filter((o) => o !== origin), t('embed.removed', { origin }));

  return (
    <div class="admin-card" data-testid="embed-card">
      <h3 class="admin-card__title">{t('embed.sites')}</h3>
      {origins.length === 0 ? (
        <p class="admin-muted">{t('embed.none')}</p>
      ) : (
        <ul class="embed-list" aria-label={t('embed.list_caption', { n: origins.length })} data-testid="embed-list">
          {origins.map((origin) => (
            <li key={origin} class="embed-list__item">
              <code class="embed-list__origin">{origin}</code>
              <button type="button" class="btn btn-ghost btn-small" disabled={action.busy} aria-label={t('embed.remove_label', { origin })}
                onClick={() => remove(origin)} data-testid="embed-remove">
                {t('embed.remove')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form class="embed-add" onSubmit={submitted(add)}>
        <Field id="embed-origin" label={t('embed.add_label')}>
          <div class="embed-add__row">
            <input id="embed-origin" class="input" type="text" inputMode="url" autoComplete="off" spellcheck={false} maxLength={200}
              placeholder="https://shop.example.jp" aria-describedby="embed-origin-hint" value={draft}
              onInput={(e) => setDraft(e.currentTarget.value)} data-testid="embed-origin" />
            <button type="submit" class="btn btn-primary" disabled={action.busy || !draft.trim()} data-testid="embed-add">
              {t('embed.add')}
            </button>
          </div>
          <small id="embed-origin-hint" class="hint">
            {t('embed.add_hint')}
          </small>
        </Field>
      </form>
      <Feedback action={action} testid="embed" />
    </div>
  );
}

/** A line above every tab while any site may embed the widget. */
export function EmbedBanner({ onOpen }: { onOpen: () => void }) {
  return (
    <p class="notice-warn notice-warn--line" data-testid="embed-banner">
      <span>{t('embed.banner')}</span>{' '}
      <a href="#embed" onClick={(ev) => {
        ev.preventDefault();
        onOpen();
      }}>
        {t('embed.banner_link')}
      </a>
    </p>
  );
}
