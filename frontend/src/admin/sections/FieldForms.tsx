import { useState } from 'preact/hooks';
import type { AdminFieldOut } from '../../shared/api-types';
import { Field, hintId, TitledForm } from '../../shared/components/forms';
import { t } from '../../shared/i18n';
import { createField } from '../api';
import type { Action } from '../lib/useAction';

export const FIELD_TYPES = ['text', 'email', 'tel', 'number', 'radio', 'select', 'textarea', 'kana', 'postal'] as const;
const CHOICES = new Set(['radio', 'select']);
/** Types whose values the server reads in a Japanese way: the editor says how (issue 16). */
const TYPE_HINTS = new Set(['kana', 'tel', 'postal']);

export interface FieldDraft {
  label: string;
  type: string;
  optionsText: string;
  ask_before_chat: boolean;
  required: boolean;
}

interface SettingsProps {
  idPrefix: string;
  draft: FieldDraft;
  onChange: (patch: Partial<FieldDraft>) => void;
  /** a row of the list: the column headings name the inputs, their labels are for screen readers */
  compact?: boolean;
}

/** Label, type, choices and the two switches of a field (shared by add and edit), as grid cells. */
export function FieldSettings({ idPrefix: p, draft, onChange, compact = false }: SettingsProps) {
  const labelClass = compact ? 'visually-hidden' : undefined;
  // The add form says how a Japanese type reads values; the rows of the list stay short.
  const hinted = !compact && TYPE_HINTS.has(draft.type);
  return (
    <>
      <Field id={`${p}-label`} label={t('fields.label')} class="fs-label" labelClass={labelClass}>
        <input id={`${p}-label`} class="input" required maxLength={200} value={draft.label}
          onInput={(e) => onChange({ label: e.currentTarget.value })} data-testid={`${p}-label`} />
      </Field>
      <Field id={`${p}-type`} label={t('fields.type')} class="fs-type" labelClass={labelClass}>
        <select id={`${p}-type`} class="input" value={draft.type} onChange={(e) => onChange({ type: e.currentTarget.value })}
          aria-describedby={hinted ? hintId(`${p}-type`) : undefined} data-testid={`${p}-type`}>
          {FIELD_TYPES.map((type) => (
            <option key={type} value={type}>
              {t(`field_type.${type}`)}
            </option>
          ))}
        </select>
      </Field>
      {hinted && (
        // Its own grid cell under the type, so the labels of the row stay in line.
        <small id={hintId(`${p}-type`)} class="hint fs-hint">
          {t(`field_type_hint.${draft.type}`)}
        </small>
      )}
      <div class="fs-checks">
        <label class="check">
          <input type="checkbox" checked={draft.ask_before_chat} onChange={(e) => onChange({ ask_before_chat: e.currentTarget.checked })}
            data-testid={`${p}-ask`} />
          <span>{t('fields.ask_before_chat')}</span>
        </label>
        <label class="check">
          <input type="checkbox" checked={draft.required} onChange={(e) => onChange({ required: e.currentTarget.checked })}
            data-testid={`${p}-required`} />
          <span>{t('fields.required')}</span>
        </label>
      </div>
      {CHOICES.has(draft.type) && (
        <Field id={`${p}-options`} label={t('fields.options')} hint={t('fields.options_hint')} class="fs-options">
          <textarea id={`${p}-options`} class="input" rows={3} required aria-describedby={hintId(`${p}-options`)} value={draft.optionsText}
            onInput={(e) => onChange({ optionsText: e.currentTarget.value })} data-testid={`${p}-options`} />
        </Field>
      )}
    </>
  );
}

/** What the server is sent for a draft: trimmed, one choice a line. */
export function fieldBody(draft: FieldDraft) {
  return {
    label: draft.label.trim(),
    type: draft.type,
    options: draft.optionsText.split('\n').map((o) => o.trim()).filter(Boolean),
    ask_before_chat: draft.ask_before_chat,
    required: draft.required,
  };
}

const EMPTY: FieldDraft = { label: '', type: 'text', optionsText: '', ask_before_chat: false, required: false };

/** Add a field at the end of the list. */
export function FieldAddForm({ action, onAdded }: { action: Action; onAdded: (f: AdminFieldOut) => void }) {
  const [draft, setDraft] = useState(EMPTY);
  const submit = async () => {
    const body = fieldBody(draft);
    const created = await action.run(() => createField(body), t('fields.added', { label: body.label }));
    if (created) {
      onAdded(created);
      setDraft(EMPTY);
    }
  };
  return (
    <TitledForm class="admin-card" onSubmit={submit} title={t('fields.add')} titleId="field-add-title" titleClass="admin-card__title" testId="field-add">
      <div class="field-add-grid">
        <FieldSettings idPrefix="field-add" draft={draft} onChange={(patch) => setDraft({ ...draft, ...patch })} />
        <div class="fs-actions">
          <button type="submit" class="btn btn-primary" disabled={action.busy} data-testid="field-add-submit">
            {t('fields.add_submit')}
          </button>
        </div>
      </div>
    </TitledForm>
  );
}
