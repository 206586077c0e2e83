import { useState } from 'preact/hooks';
import type { StampOut } from '../../shared/api-types';
import { Field, submitted, TitledForm } from '../../shared/components/forms';
import { t } from '../../shared/i18n';
import { createStamp, deleteStamp, listStamps, patchStamp, putStampImage } from '../api';
import { Feedback } from '../components/Feedback';
import { FilePicker } from '../components/FilePicker';
import { LoadState } from '../components/LoadState';
import { useAction, type Action } from '../lib/useAction';
import { useLoad } from '../lib/useLoad';
import './canned.css';

const PICTURES = 'image/png,image/jpeg,image/gif,image/webp';

/** A6: the store's own stamps, offered in the console's palette after the built-in set. */
export function StampsSection() {
  const loaded = useLoad(listStamps);
  const action = useAction();
  return (
    <section class="admin-subsection" aria-labelledby="stamps-heading">
      <h3 id="stamps-heading" class="admin-subsection__title">
        {t('stamps.title')}
      </h3>
      <p class="admin-muted">{t('stamps.intro')}</p>
      <LoadState loaded={loaded}>
        {({ stamps }) => {
          const set = (next: StampOut[]) => loaded.set({ stamps: next });
          const replace = (s: StampOut) => set(stamps.map((x) => (x.id === s.id ? s : x)));
          return (
            <>
              <Feedback action={action} testid="stamps" />
              {stamps.length === 0 && <p class="admin-muted">{t('stamps.none')}</p>}
              <ul class="stamp-grid">
                {stamps.map((s) => (
                  <StampCard key={s.id} stamp={s} action={action} onSaved={replace} onDeleted={() => set(stamps.filter((x) => x.id !== s.id))} />
                ))}
              </ul>
              <StampAddForm action={action} onAdded={(s) => set([...stamps, s])} />
            </>
          );
        }}
      </LoadState>
    </section>
  );
}

function StampCard({ stamp, action, onSaved, onDeleted }: { stamp: StampOut; action: Action; onSaved: (s: StampOut) => void; onDeleted: () => void }) {
  const [label, setLabel] = useState(stamp.label);
  const [code, setCode] = useState(stamp.code);
  const p = `stamp-${stamp.id}`;
  const save = async () => {
    const saved = await action.run(() => patchStamp(stamp.id, { label, code }), t('stamps.saved', { label }));
    if (saved) onSaved(saved);
  };
  const toggle = async (active: boolean) => {
    const saved = await action.run(() => patchStamp(stamp.id, { active }), t(active ? 'stamps.activated' : 'stamps.deactivated', { label: stamp.label }));
    if (saved) onSaved(saved);
  };
  const replace = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (!file) return;
    const saved = await action.run(() => putStampImage(stamp.id, file), t('stamps.replaced', { label: stamp.label }));
    input.value = '';
    if (saved) onSaved(saved);
  };
  const remove = async () => {
    if (!globalThis.confirm(t('stamps.delete_confirm', { label: stamp.label }))) return;
    const gone = async () => {
      await deleteStamp(stamp.id);
      return true;
    };
    if (await action.run(gone, t('stamps.deleted', { label: stamp.label }))) onDeleted();
  };
  return (
    <li class={`admin-card stamp-card ${stamp.active ? '' : 'is-disabled'}`} data-testid={`stamp-${stamp.code}`}>
      <form onSubmit={submitted(save)} aria-label={t('stamps.edit', { label: stamp.label })}>
        <div class="stamp-card__image">{stamp.url ? <img src={stamp.url} alt={stamp.label} width={96} height={96} /> : null}</div>
        <Field id={`${p}-label`} label={t('stamps.label')}>
          <input id={`${p}-label`} class="input" required maxLength={200} value={label} onInput={(e) => setLabel(e.currentTarget.value)} />
        </Field>
        <Field id={`${p}-code`} label={t('stamps.code')}>
          <input id={`${p}-code`} class="input" required maxLength={32} pattern="[a-z0-9][a-z0-9_\-]*" value={code}
            onInput={(e) => setCode(e.currentTarget.value)} />
        </Field>
        <label class="check">
          <input type="checkbox" checked={stamp.active} disabled={action.busy} onChange={(e) => void toggle(e.currentTarget.checked)} />
          <span>{t('stamps.active')}</span>
        </label>
        <FilePicker id={`${p}-file`} label={t('stamps.replace')} accept={PICTURES} disabled={action.busy}
          onPick={(input) => void replace(input)} />
        <div class="form-actions">
          <button type="submit" class="btn btn-primary btn-small" disabled={action.busy}>
            {t('act.save')}
          </button>
          <button type="button" class="btn btn-danger btn-small" disabled={action.busy} onClick={() => void remove()}>
            {t('act.delete')}
          </button>
        </div>
      </form>
    </li>
  );
}

function StampAddForm({ action, onAdded }: { action: Action; onAdded: (s: StampOut) => void }) {
  const [label, setLabel] = useState('');
  const [code, setCode] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [formKey, setFormKey] = useState(0);
  const submit = async () => {
    if (!file) return;
    const created = await action.run(() => createStamp(file, code.trim(), label.trim()), t('stamps.added', { label }));
    if (created) {
      onAdded(created);
      setLabel('');
      setCode('');
      setFile(null);
      setFormKey(formKey + 1); // a fresh, empty file input
    }
  };
  return (
    <TitledForm key={formKey} class="admin-card" onSubmit={submit} level={4} title={t('stamps.add')} titleId="stamp-add-title"
      titleClass="admin-card__subtitle" testId="stamp-add">
      <div class="form-grid">
        <fieldset class="field">
          <legend>{t('stamps.file')}</legend>
          <FilePicker id="stamp-add-file" label={t('stamps.choose')} accept={PICTURES} hint={t('stamps.file_hint')} chosen={file?.name ?? null}
            onPick={(input) => setFile(input.files?.[0] ?? null)} testid="stamp-add-file" />
        </fieldset>
        <Field id="stamp-add-label" label={t('stamps.label')}>
          <input id="stamp-add-label" class="input" required maxLength={200} value={label} onInput={(e) => setLabel(e.currentTarget.value)}
            data-testid="stamp-add-label" />
        </Field>
        <Field id="stamp-add-code" label={t('stamps.code')} hint={t('stamps.code_hint')}>
          <input id="stamp-add-code" class="input" required maxLength={32} pattern="[a-z0-9][a-z0-9_\-]*" aria-describedby="stamp-add-code-hint"
            value={code} onInput={(e) => setCode(e.currentTarget.value)} data-testid="stamp-add-code" />
        </Field>
      </div>
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={action.busy || !file} data-testid="stamp-add-submit">
          {t('stamps.add_submit')}
        </button>
      </div>
    </TitledForm>
  );
}
