import { useEffect, useRef, useState } from 'preact/hooks';
import type { FieldDefinition, GuestDetail, PageViewList } from '../../shared/api-types';
import { errorText } from '../../shared/components/errors';
import { t } from '../../shared/i18n';
import { api } from '../../shared/session';
import { dateTimeOf } from '../format';
import { addressWithPrefecture, normalisePostal } from '../postal';
import { guestVersions } from '../store';

type Tab = 'personal' | 'other' | 'history';
const TABS: Tab[] = ['personal', 'other', 'history'];

/** S3: the guest's user information in three tabs, each saved with its button. */
export function UserInfo({ guestId, onLoaded }: { guestId: string; onLoaded?: (g: GuestDetail) => void }) {
  const [tab, setTab] = useState<Tab>('personal');
  const [guest, setGuest] = useState<GuestDetail | null>(null);
  const [error, setError] = useState('');
  const [stale, setStale] = useState(false);
  const [dirty, setDirtyState] = useState(false);
  const [loads, setLoads] = useState(0);
  // The latest dirty flag, read when a slow load resolves (the closure's copy may be old).
  const dirtyNow = useRef(false);
  const setDirty = (value: boolean) => {
    dirtyNow.current = value;
    setDirtyState(value);
  };
  // While our own save is on its way, its guest_updated echo is not someone else's change.
  const saving = useRef(false);
  const version = guestVersions.value[guestId] ?? 0;

  const load = async (onlyIfChanged = false) => {
    try {
      const g = await api.get<GuestDetail>(`/api/guests/${guestId}`);
      if (onlyIfChanged && guest && sameInfo(g, guest)) {
        onLoaded?.(g); // conversations may have changed; the form stays as it is
        return;
      }
      if (onlyIfChanged && dirtyNow.current) {
        // The person started typing while this refresh was on its way: keep their edits.
        setStale(true);
        return;
      }
      setGuest(g);
      setLoads((n) => n + 1);
      setStale(false);
      setDirty(false);
      onLoaded?.(g);
    } catch (e) {
      setError(errorText(e));
    }
  };

  useEffect(() => {
    setGuest(null);
    setError('');
    setTab('personal');
    void load();
  }, [guestId]);

  // Changed elsewhere (guest_updated): refresh at once unless this form holds unsaved edits.
  useEffect(() => {
    if (version === 0 || saving.current) return;
    if (dirty) setStale(true);
    else void load(true);
  }, [version]);

  const saved = (g: GuestDetail) => {
    setGuest(g);
    setDirty(false);
    setStale(false);
    onLoaded?.(g);
  };

  return (
    <section class="panel user-info" aria-labelledby={`user-info-${guestId}`} data-testid="user-info">
      <header class="panel__header">
        <h2 id={`user-info-${guestId}`} class="panel__title">{t('console.user_info')}</h2>
      </header>
      <div class="tabs" role="tablist">
        {TABS.map((name) => (
          <button key={name} type="button" role="tab" aria-selected={tab === name} class={`tabs__tab${tab === name ? ' is-selected' : ''}`} data-testid={`info-tab-${name}`} onClick={() => setTab(name)}>
            {t(`console.tab.${name}`)}
          </button>
        ))}
      </div>
      {stale && (
        <div class="info-stale" role="status">
          {t('console.info_stale')}{' '}
          <button type="button" class="link-btn" onClick={() => void load()}>{t('console.reload')}</button>
        </div>
      )}
      {error && <div class="alert" role="alert">{error}</div>}
      {!guest ? (
        !error && <p class="panel__empty">{t('common.loading')}</p>
      ) : (
        <div class="user-info__body" role="tabpanel">
          {tab === 'personal' && <PersonalTab key={`${guest.id}-p${loads}`} guest={guest} onSaved={saved} onDirty={setDirty} busy={saving} />}
          {tab === 'other' && <OtherTab key={`${guest.id}-o${loads}`} guest={guest} onSaved={saved} onDirty={setDirty} busy={saving} />}
          {tab === 'history' && <HistoryTab guest={guest} />}
        </div>
      )}
    </section>
  );
}

interface TabProps {
  guest: GuestDetail;
  onSaved: (g: GuestDetail) => void;
  onDirty: (dirty: boolean) => void;
  busy: { current: boolean };
}

/** Whether two loads show the same user information (then the form is left alone). */
function sameInfo(a: GuestDetail, b: GuestDetail): boolean {
  const pick = (g: GuestDetail) => JSON.stringify([g.nickname, g.profile, g.notes, g.blacklisted, g.fields]);
  return pick(a) === pick(b);
}

function useSave(guestId: string, onSaved: (g: GuestDetail) => void, busy: { current: boolean }) {
  const [state, setState] = useState<{ busy: boolean; error: string; done: boolean }>({ busy: false, error: '', done: false });
  const save = async (body: Record<string, unknown>): Promise<GuestDetail | null> => {
    setState({ busy: true, error: '', done: false });
    busy.current = true;
    try {
      const g = await api.patch<GuestDetail>(`/api/guests/${guestId}`, body);
      onSaved(g);
      setState({ busy: false, error: '', done: true });
      return g;
    } catch (e) {
      setState({ busy: false, error: errorText(e), done: false });
      return null;
    } finally {
      busy.current = false;
    }
  };
  return { ...state, save };
}

function SaveRow({ busy, error, done, testId }: { busy: boolean; error: string; done: boolean; testId: string }) {
  return (
    <div class="save-row">
      <span class={error ? 'save-row__error' : 'save-row__ok'} role={error ? 'alert' : 'status'} data-testid={`${testId}-result`}>
        {error || (done ? t('console.saved') : '')}
      </span>
      <button type="submit" class="btn btn-primary" disabled={busy} data-testid={testId}>
        {busy ? t('console.saving') : t('console.save')}
      </button>
    </div>
  );
}

function PersonalTab({ guest, onSaved, onDirty, busy }: TabProps) {
  const [values, setValues] = useState<Record<string, string>>({ ...guest.profile });
  const result = useSave(guest.id, onSaved, busy);
  const set = (key: string, value: string) => {
    setValues((v) => ({ ...v, [key]: value }));
    onDirty(true);
  };
  const onPostal = (field: FieldDefinition, value: string) => {
    const code = normalisePostal(value);
    const address = guest.fields.find((f) => f.type === 'textarea' && f.key.includes('address')) ?? guest.fields.find((f) => f.key === 'address');
    if (!code) return;
    setValues((v) => ({ ...v, [field.key]: code, ...(address ? { [address.key]: addressWithPrefecture(v[address.key] ?? '', code) } : {}) }));
  };
  const submit = (ev: Event) => {
    ev.preventDefault();
    const profile: Record<string, string> = {};
    for (const f of guest.fields) profile[f.key] = values[f.key] ?? '';
    void result.save({ profile }).then((g) => g && setValues({ ...g.profile }));
  };
  return (
    <form class="info-form" onSubmit={submit} noValidate data-testid="personal-form">
      <div class="field">
        <span class="field__label">{t('console.nickname')}</span>
        <span class="field__static" data-testid="guest-nickname">{guest.nickname || t('console.guest_unnamed')}</span>
      </div>
      {guest.fields.map((f) => (
        <FieldInput key={f.key} field={f} value={values[f.key] ?? ''} onChange={(v) => set(f.key, v)} onPostal={(v) => onPostal(f, v)} />
      ))}
      <SaveRow {...result} testId="save-personal" />
    </form>
  );
}

const INPUT_TYPES: Record<string, 'text' | 'email' | 'tel'> = { email: 'email', tel: 'tel', number: 'text', postal: 'text', kana: 'text', text: 'text' };

function FieldInput({ field, value, onChange, onPostal }: { field: FieldDefinition; value: string; onChange: (v: string) => void; onPostal: (v: string) => void }) {
  const id = `field-${field.key}`;
  if (field.type === 'radio') {
    return (
      <fieldset class="field radio-row">
        <legend class="field__label">{field.label}</legend>
        {field.options.map((o) => (
          <label key={o}>
            <input type="radio" name={id} value={o} checked={value === o} onChange={() => onChange(o)} /> {o}
          </label>
        ))}
      </fieldset>
    );
  }
  if (field.type === 'select') {
    return (
      <div class="field">
        <label for={id}>{field.label}</label>
        <select id={id} class="input" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
          <option value="">—</option>
          {field.options.map((o) => (
            <option key={o} value={o}>{o}</option>
          ))}
        </select>
      </div>
    );
  }
  if (field.type === 'textarea') {
    return (
      <div class="field">
        <label for={id}>{field.label}</label>
        <textarea id={id} class="input" rows={2} value={value} onInput={(e) => onChange(e.currentTarget.value)} data-testid={id} />
      </div>
    );
  }
  return (
    <div class="field">
      <label for={id}>
        {field.label}
        {field.type === 'postal' && <span class="field__hint"> {t('console.postal_hint')}</span>}
      </label>
      <input
        id={id}
        class="input"
        // Preact's input typings discriminate on a literal `type`; all three are plain text boxes.
        type={(INPUT_TYPES[field.type] ?? 'text') as 'text'}
        inputMode={field.type === 'number' || field.type === 'postal' ? 'numeric' : field.type === 'tel' ? 'tel' : 'text'}
        autocomplete="off"
        value={value}
        data-testid={id}
        onInput={(e) => {
          onChange(e.currentTarget.value);
          if (field.type === 'postal') onPostal(e.currentTarget.value);
        }}
      />
    </div>
  );
}

function OtherTab({ guest, onSaved, onDirty, busy }: TabProps) {
  const [notes, setNotes] = useState(guest.notes);
  const [blacklisted, setBlacklisted] = useState(guest.blacklisted);
  const result = useSave(guest.id, onSaved, busy);
  const submit = (ev: Event) => {
    ev.preventDefault();
    void result.save({ notes, blacklisted });
  };
  return (
    <form class="info-form" onSubmit={submit} data-testid="other-form">
      <div class="field">
        <label for={`notes-${guest.id}`}>{t('console.notes')}</label>
        <textarea id={`notes-${guest.id}`} class="input" rows={6} value={notes} data-testid="notes" onInput={(e) => { setNotes(e.currentTarget.value); onDirty(true); }} />
      </div>
      <label class={`switch${blacklisted ? ' is-on' : ''}`}>
        <input type="checkbox" role="switch" checked={blacklisted} data-testid="blacklist" onChange={(e) => { setBlacklisted(e.currentTarget.checked); onDirty(true); }} />
        <span class="switch__track" aria-hidden="true" />
        <span>{t('console.blacklist')}</span>
      </label>
      <p class="field__hint">{t('console.blacklist_hint')}</p>
      <SaveRow {...result} testId="save-other" />
    </form>
  );
}

function HistoryTab({ guest }: { guest: GuestDetail }) {
  const [data, setData] = useState<PageViewList | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api.get<PageViewList>(`/api/guests/${guest.id}/pageviews`).then(setData, (e: unknown) => setError(errorText(e)));
  }, [guest.id]);
  if (error) return <div class="alert" role="alert">{error}</div>;
  if (!data) return <p class="panel__empty">{t('common.loading')}</p>;
  return (
    <div class="history" data-testid="history">
      <dl class="history__facts">
        <dt>{t('console.referrer')}</dt>
        <dd data-testid="referrer">{data.first_referrer ? <a href={data.first_referrer} rel="noreferrer noopener" target="_blank">{data.first_referrer}</a> : t('console.referrer_none')}</dd>
        <dt>{t('console.first_seen')}</dt>
        <dd>{dateTimeOf(guest.first_seen_at)}</dd>
      </dl>
      <h3 class="history__heading">{t('console.pages_viewed')}</h3>
      {data.pageviews.length === 0 ? (
        <p class="panel__empty">{t('console.pages_none')}</p>
      ) : (
        <ol class="history__pages">
          {data.pageviews.map((v, i) => (
            <li key={i} data-testid="pageview">
              <time>{dateTimeOf(v.viewed_at)}</time>
              <a href={v.url} rel="noreferrer noopener" target="_blank" title={v.url}>{v.title || v.url}</a>
              <span class="history__url">{v.url}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
