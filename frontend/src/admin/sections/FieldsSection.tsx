import { useState } from 'preact/hooks';
import type { AdminFieldOut } from '../../shared/api-types';
import { submitted } from '../../shared/components/forms';
import { t } from '../../shared/i18n';
import { listFields, orderFields, patchField, removeField } from '../api';
import { Feedback } from '../components/Feedback';
import { LoadState } from '../components/LoadState';
import { useAction, type Action } from '../lib/useAction';
import { useLoad } from '../lib/useLoad';
import { fieldBody, FieldAddForm, FieldSettings, type FieldDraft } from './FieldForms';
import './fields.css';

/** A4: the fields of the user information panel and of the widget's entry form. */
export function FieldsSection() {
  const loaded = useLoad(listFields);
  const action = useAction();
  return (
    <section class="admin-section" aria-labelledby="fields-heading">
      <h2 id="fields-heading" class="admin-section__title">
        {t('tab.fields')}
      </h2>
      <p class="admin-muted">{t('fields.intro')}</p>
      <LoadState loaded={loaded}>
        {({ fields }) => {
          const shown = fields.filter((f) => !f.removed);
          const removed = fields.filter((f) => f.removed);
          const set = (next: AdminFieldOut[]) => loaded.set({ fields: next });
          return (
            <>
              <div class="field-head" aria-hidden="true">
                <span />
                <span>{t('fields.label')}</span>
                <span>{t('fields.type')}</span>
                <span>{t('fields.settings')}</span>
                <span>{t('fields.key_column')}</span>
                <span />
              </div>
              <ol class="field-list" data-testid="field-list">
                {shown.map((field, i) => (
                  <FieldItem key={field.id} field={field} index={i} shown={shown} fields={fields} action={action} onChange={set} />
                ))}
              </ol>
              <Feedback action={action} testid="fields" />
              <FieldAddForm action={action} onAdded={(f) => set([...shown, f, ...removed])} />
              <RemovedFields removed={removed} shown={shown} action={action} onChange={set} />
            </>
          );
        }}
      </LoadState>
    </section>
  );
}

interface ItemProps {
  field: AdminFieldOut;
  index: number;
  shown: AdminFieldOut[];
  fields: AdminFieldOut[];
  action: Action;
  onChange: (fields: AdminFieldOut[]) => void;
}

function FieldItem({ field, index, shown, fields, action, onChange }: ItemProps) {
  const [draft, setDraft] = useState<FieldDraft>(() => ({ ...field, optionsText: field.options.join('\n') }));

  const save = async () => {
    const body = fieldBody(draft);
    const saved = await action.run(() => patchField(field.id, body), t('fields.saved', { label: body.label }));
    if (saved) onChange(fields.map((f) => (f.id === saved.id ? saved : f)));
  };
  const move = async (delta: number) => {
    const ids = shown.map((f) => f.id);
    const [moved] = ids.splice(index, 1);
    if (moved === undefined) return;
    ids.splice(index + delta, 0, moved);
    const saved = await action.run(() => orderFields(ids), t('fields.moved', { label: field.label }));
    if (saved) onChange(saved.fields);
  };
  const remove = async () => {
    if (!globalThis.confirm(t('fields.remove_confirm', { label: field.label }))) return;
    const gone = async () => {
      await removeField(field.id);
      return true;
    };
    const done = await action.run(gone, t('fields.removed_done', { label: field.label }));
    if (done) onChange(fields.map((f) => (f.id === field.id ? { ...f, removed: true } : f)));
  };

  return (
    <li class="field-row" data-testid={`field-${field.key}`}>
      <form class="field-row__grid" onSubmit={submitted(save)} aria-label={t('fields.edit_of', { label: field.label })}>
        <span class="fs-no" aria-hidden="true">
          {index + 1}
        </span>
        <FieldSettings idPrefix={`field-${field.id}`} draft={draft} compact onChange={(patch) => setDraft({ ...draft, ...patch })} />
        <code class="fs-key" title={t('fields.key_hint')}>
          {field.key}
        </code>
        <div class="fs-actions">
          <button type="button" class="btn btn-ghost btn-icon" disabled={index === 0 || action.busy} onClick={() => void move(-1)}
            aria-label={t('fields.up', { label: field.label })} title={t('fields.up', { label: field.label })}>
            ↑
          </button>
          <button type="button" class="btn btn-ghost btn-icon" disabled={index === shown.length - 1 || action.busy}
            onClick={() => void move(1)} aria-label={t('fields.down', { label: field.label })} title={t('fields.down', { label: field.label })}>
            ↓
          </button>
          <button type="submit" class="btn btn-primary btn-small" disabled={action.busy}>
            {t('act.save')}
          </button>
          <button type="button" class="btn btn-danger btn-small" disabled={action.busy} onClick={() => void remove()}>
            {t('fields.remove')}
          </button>
        </div>
      </form>
    </li>
  );
}

interface RemovedProps {
  removed: AdminFieldOut[];
  shown: AdminFieldOut[];
  action: Action;
  onChange: (fields: AdminFieldOut[]) => void;
}

function RemovedFields({ removed, shown, action, onChange }: RemovedProps) {
  if (!removed.length) return null;
  const restore = async (field: AdminFieldOut) => {
    const saved = await action.run(() => patchField(field.id, { removed: false }), t('fields.restored', { label: field.label }));
    if (saved) onChange([...shown, saved, ...removed.filter((f) => f.id !== field.id)]);
  };
  return (
    <details class="admin-card removed-fields">
      <summary>{t('fields.removed_list', { n: removed.length })}</summary>
      <p class="hint">{t('fields.removed_hint')}</p>
      <ul class="removed-fields__list">
        {removed.map((f) => (
          <li key={f.id}>
            <span>
              {f.label} <code>{f.key}</code>
            </span>
            <button type="button" class="btn btn-ghost btn-small" disabled={action.busy} onClick={() => void restore(f)}>
              {t('fields.restore')}
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}
