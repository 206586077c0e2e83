import { useState } from 'preact/hooks';
import type { CannedOut } from '../../shared/api-types';
import { errorText } from '../../shared/components/errors';
import { Field, submitted } from '../../shared/components/forms';
import { Dialog } from '../../shared/components/Dialog';
import { Tag } from '../../shared/components/Tag';
import { t } from '../../shared/i18n';
import { api, session } from '../../shared/session';
import { canned, loadCanned } from '../data';

interface Form {
  id: string | null;
  scope: 'personal' | 'store';
  shortcut: string;
  title: string;
  text: string;
}

const blank = (): Form => ({ id: null, scope: 'personal', shortcut: '', title: '', text: '' });

/** S8: add, edit and remove canned responses (store-wide ones: admins only). */
export function CannedDialog({ onClose }: { onClose: () => void }) {
  const [form, setForm] = useState<Form>(blank());
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const isAdmin = session.value?.role === 'admin';

  const edit = (c: CannedOut) => setForm({ id: c.id, scope: c.scope, shortcut: c.shortcut, title: c.title, text: c.text });

  const save = async () => {
    setBusy(true);
    setError('');
    try {
      if (form.id) {
        await api.patch(`/api/canned-responses/${form.id}`, { shortcut: form.shortcut, title: form.title, text: form.text });
      } else {
        await api.post('/api/canned-responses', { scope: form.scope, shortcut: form.shortcut, title: form.title, text: form.text });
      }
      await loadCanned();
      setForm(blank());
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (c: CannedOut) => {
    setError('');
    try {
      await api.delete(`/api/canned-responses/${c.id}`);
      await loadCanned();
      if (form.id === c.id) setForm(blank());
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <Dialog title={t('console.canned_manage')} onClose={onClose} wide testId="canned-dialog">
      <div class="canned-manage">
        <ul class="canned-manage__list">
          {canned.value.map((c) => (
            <li key={c.id} class="canned-manage__row">
              <div>
                <strong>{c.title}</strong> {c.shortcut && <code>/{c.shortcut}</code>}{' '}
                <Tag>{c.scope === 'store' ? t('console.canned_store') : t('console.canned_personal')}</Tag>
                <p class="canned-manage__text">{c.text}</p>
              </div>
              {c.editable && (
                <div class="canned-manage__actions">
                  <button type="button" class="btn btn-ghost btn-sm" onClick={() => edit(c)}>{t('console.edit')}</button>
                  <button type="button" class="btn btn-ghost btn-sm btn-danger" onClick={() => void remove(c)}>{t('console.delete')}</button>
                </div>
              )}
            </li>
          ))}
        </ul>
        <form class="canned-manage__form" onSubmit={submitted(save)}>
          <h3 class="canned-manage__heading">{form.id ? t('console.canned_edit') : t('console.canned_add')}</h3>
          {!form.id && isAdmin && (
            <fieldset class="radio-row">
              <legend>{t('console.canned_scope')}</legend>
              {(['personal', 'store'] as const).map((s) => (
                <label key={s}>
                  <input type="radio" name="scope" checked={form.scope === s} onChange={() => setForm({ ...form, scope: s })} />{' '}
                  {s === 'store' ? t('console.canned_store') : t('console.canned_personal')}
                </label>
              ))}
            </fieldset>
          )}
          <Field id="canned-title" label={t('console.canned_title')}>
            <input id="canned-title" class="input" required maxLength={200} value={form.title} onInput={(e) => setForm({ ...form, title: e.currentTarget.value })} data-testid="canned-title" />
          </Field>
          <Field id="canned-shortcut" label={t('console.canned_shortcut')}>
            <input id="canned-shortcut" class="input" maxLength={64} value={form.shortcut} placeholder="hours" onInput={(e) => setForm({ ...form, shortcut: e.currentTarget.value })} data-testid="canned-shortcut" />
          </Field>
          <Field id="canned-text" label={t('console.canned_text')}>
            <textarea id="canned-text" class="input" rows={4} required maxLength={4000} value={form.text} onInput={(e) => setForm({ ...form, text: e.currentTarget.value })} data-testid="canned-text" />
          </Field>
          <div class="alert" role="alert">{error}</div>
          <div class="form-actions">
            {form.id && (
              <button type="button" class="btn btn-ghost" onClick={() => setForm(blank())}>{t('console.cancel')}</button>
            )}
            <button type="submit" class="btn btn-primary" disabled={busy} data-testid="canned-save">{t('console.save')}</button>
          </div>
        </form>
      </div>
    </Dialog>
  );
}
