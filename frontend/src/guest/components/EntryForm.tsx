import { useEffect, useRef, useState } from 'preact/hooks';
import { PostalStatus, usePostalLookup } from '../../shared/components/PostalHelper';
import { t } from '../../shared/i18n';
import { addressField, fillAddress, type PostalLookupFn } from '../../shared/postal';
import type { GuestChat } from '../chat';
import type { FormField } from '../protocol';
import { BusyNote } from './BusyNote';

const NICKNAME_KEY = 'chats:nickname';

export function savedNickname(): string {
  try {
    return localStorage.getItem(NICKNAME_KEY) ?? '';
  } catch {
    return '';
  }
}

export function saveNickname(name: string): void {
  try {
    localStorage.setItem(NICKNAME_KEY, name);
  } catch {
    /* blocked storage */
  }
}

const INPUT_TYPES = new Set(['text', 'email', 'tel', 'number']);

/** Nickname and the store's pre-chat fields (G2); showing it counts as "form shown". */
export function EntryForm({ chat, fields, lookupPostal }: { chat: GuestChat; fields: FormField[]; lookupPostal: PostalLookupFn }) {
  const [nickname, setNickname] = useState(savedNickname);
  const [values, setValues] = useState<Record<string, string>>({});
  // Read by the postal look-up when its answer comes, after renders it did not see.
  const valuesRef = useRef<Record<string, string>>({});
  const lastFillRef = useRef<string | null>(null);
  const first = useRef<HTMLInputElement>(null);
  const pending = chat.startPending.value;
  // Busy with the queue open: the same form puts the guest in line (issue 14).
  const queueing = chat.availability.value === 'busy';

  useEffect(() => {
    chat.formShown();
    first.current?.focus();
  }, [chat]);

  const set = (key: string, value: string) => {
    valuesRef.current = { ...valuesRef.current, [key]: value };
    setValues(valuesRef.current);
  };
  const fill = addressField(fields)
    ? (found: string, force: boolean) => fillAddress(fields, valuesRef.current, set, lastFillRef, found, force)
    : null;
  const onSubmit = (e: Event) => {
    e.preventDefault();
    saveNickname(nickname.trim());
    chat.start(nickname, values);
  };

  return (
    <form class="form" onSubmit={onSubmit} data-testid="entry-form">
      {queueing && <BusyNote busy={chat.busy.value} />}
      <p class="form__intro">{queueing ? t('busy.form_intro') : t('form.intro')}</p>
      <div class="field">
        <label for="f-nickname">
          {t('form.nickname')} <span class="req">{t('form.required')}</span>
        </label>
        <input
          id="f-nickname"
          ref={first}
          class="input"
          name="nickname"
          autocomplete="nickname"
          maxLength={100}
          required
          value={nickname}
          onInput={(e) => setNickname(e.currentTarget.value)}
        />
      </div>
      {fields.map((f) =>
        f.type === 'postal' ? (
          <PostalInput key={f.key} field={f} value={values[f.key] ?? ''} onChange={(v) => set(f.key, v)} lookup={lookupPostal} fill={fill} />
        ) : (
          <FieldInput key={f.key} field={f} value={values[f.key] ?? ''} onChange={(v) => set(f.key, v)} />
        ),
      )}
      {chat.notice.value && (
        <p class="alert" role="alert">
          {chat.notice.value.message}
        </p>
      )}
      <button type="submit" class="btn btn-primary form__submit" disabled={pending || !chat.ready.value} data-testid="start">
        {pending ? t(queueing ? 'busy.joining' : 'form.submitting') : t(queueing ? 'busy.join' : 'form.submit')}
      </button>
      {queueing && (
        <p class="hint-box">
          {t('busy.or_leave')}{' '}
          <button type="button" class="link" onClick={() => chat.startOver('leave')} data-testid="busy-leave">
            {t('chat.leave')}
          </button>
        </p>
      )}
    </form>
  );
}

function fieldLabel(field: FormField) {
  return (
    <>
      {field.label} {field.required && <span class="req">{t('form.required')}</span>}
    </>
  );
}

/** A postal code: once it has 7 digits the address is looked up and offered for the address field. */
function PostalInput({ field, value, onChange, lookup: lookupFn, fill }: {
  field: FormField;
  value: string;
  onChange: (v: string) => void;
  lookup: PostalLookupFn;
  fill: ((address: string, force: boolean) => boolean) | null;
}) {
  const id = `f-${field.key}`;
  const lookup = usePostalLookup(lookupFn, fill);
  return (
    <div class="field">
      <label for={id}>{fieldLabel(field)}</label>
      <input
        id={id}
        class="input"
        type="text"
        inputMode="numeric"
        autocomplete="postal-code"
        maxLength={20}
        required={field.required}
        value={value}
        onInput={(e) => {
          onChange(e.currentTarget.value);
          lookup.onInput(e.currentTarget.value);
        }}
        onBlur={(e) => lookup.onBlur(e.currentTarget.value)}
      />
      <PostalStatus lookup={lookup} testId={`${id}-lookup`} />
    </div>
  );
}

function FieldInput({ field, value, onChange }: { field: FormField; value: string; onChange: (v: string) => void }) {
  const id = `f-${field.key}`;
  const label = fieldLabel(field);
  if (field.type === 'radio') {
    return (
      <fieldset class="field field--choices">
        <legend>{label}</legend>
        {field.options.map((o) => (
          <label key={o} class="choice">
            <input type="radio" name={id} value={o} required={field.required} checked={value === o} onChange={() => onChange(o)} />
            {o}
          </label>
        ))}
      </fieldset>
    );
  }
  let control;
  if (field.type === 'select') {
    control = (
      <select id={id} class="input" required={field.required} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">{t('form.choose')}</option>
        {field.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else if (field.type === 'textarea') {
    control = (
      <textarea id={id} class="input" rows={3} maxLength={2000} required={field.required} value={value} onInput={(e) => onChange(e.currentTarget.value)} />
    );
  } else {
    control = (
      <input
        id={id}
        class="input"
        type={(INPUT_TYPES.has(field.type) ? field.type : 'text') as 'text'}
        maxLength={2000}
        required={field.required}
        value={value}
        onInput={(e) => onChange(e.currentTarget.value)}
      />
    );
  }
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {control}
    </div>
  );
}
