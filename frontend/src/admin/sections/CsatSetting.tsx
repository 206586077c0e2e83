import { useState } from 'preact/hooks';
import type { CsatSettingsOut } from '../../shared/api-types';
import { TitledForm } from '../../shared/components/forms';
import { t } from '../../shared/i18n';
import { api } from '../../shared/session';
import { Feedback } from '../components/Feedback';
import { LoadState } from '../components/LoadState';
import { useAction } from '../lib/useAction';
import { useLoad } from '../lib/useLoad';

const getCsat = () => api.get<CsatSettingsOut>('/api/admin/csat');
const putCsat = (body: CsatSettingsOut) => api.put<CsatSettingsOut>('/api/admin/csat', body);
const LANGS = ['ja', 'en'] as const;

/** Issue 19: after a chat the guest may rate it (five levels); the admin switches it on and words it. */
export function CsatSetting() {
  const loaded = useLoad(getCsat);
  return <LoadState loaded={loaded}>{(settings) => <CsatForm settings={settings} onSaved={loaded.set} />}</LoadState>;
}

function CsatForm({ settings, onSaved }: { settings: CsatSettingsOut; onSaved: (s: CsatSettingsOut) => void }) {
  const [draft, setDraft] = useState<CsatSettingsOut>(settings);
  const action = useAction();
  const save = async () => {
    const saved = await action.run(() => putCsat(draft), t('csat.saved'));
    if (saved) {
      onSaved(saved);
      setDraft(saved);
    }
  };
  const setLabel = (lang: 'ja' | 'en', i: number, value: string) => {
    const key = lang === 'ja' ? 'labels_ja' : 'labels_en';
    const labels = [...draft[key]];
    labels[i] = value;
    setDraft({ ...draft, [key]: labels });
  };
  return (
    <TitledForm class="admin-card csat-card" onSubmit={save} title={t('csat.title')} titleId="csat-title" titleClass="admin-card__title" testId="csat-card">
      <p class="admin-muted">{t('csat.intro')}</p>
      <label class="check">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => setDraft({ ...draft, enabled: e.currentTarget.checked })} data-testid="csat-enabled" />
        {t('csat.enabled')}
      </label>
      <div class="csat-card__langs">
        {LANGS.map((lang) => {
          const q = lang === 'ja' ? 'question_ja' : 'question_en';
          const labels = lang === 'ja' ? draft.labels_ja : draft.labels_en;
          return (
            <fieldset key={lang} class="csat-card__lang">
              <legend>{t(`csat.lang_${lang}`)}</legend>
              <div class="field">
                <label for={`csat-q-${lang}`}>{t('csat.question')}</label>
                <input id={`csat-q-${lang}`} class="input" maxLength={200} value={draft[q]} onInput={(e) => setDraft({ ...draft, [q]: e.currentTarget.value })} data-testid={`csat-question-${lang}`} />
              </div>
              <ol class="csat-card__labels">
                {labels.map((label, i) => (
                  <li key={i} class="field">
                    <label for={`csat-l-${lang}-${i}`}>
                      {t('csat.label', { n: i + 1 })}
                      {i === 0 && ` ${t('csat.lowest')}`}
                      {i === labels.length - 1 && ` ${t('csat.highest')}`}
                    </label>
                    <input id={`csat-l-${lang}-${i}`} class="input" maxLength={40} value={label} onInput={(e) => setLabel(lang, i, e.currentTarget.value)} data-testid={`csat-label-${lang}-${i + 1}`} />
                  </li>
                ))}
              </ol>
            </fieldset>
          );
        })}
      </div>
      <p class="admin-muted">{t('csat.empty_hint')}</p>
      <button type="submit" class="btn btn-primary" disabled={action.busy} data-testid="csat-save">
        {t('csat.save')}
      </button>
      <Feedback action={action} testid="csat" />
    </TitledForm>
  );
}
