import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { FieldDefinition, GuestDetail, PageViewList, PostalLookup } from '../../shared/api-types';
import { errorText } from '../../shared/components/errors';
import { Field } from '../../shared/components/forms';
import { PostalStatus, usePostalLookup } from '../../shared/components/PostalHelper';
import { useLatestCallback } from '../../shared/hooks';
import { Newest } from '../../shared/newest';
import { t } from '../../shared/i18n';
import { addressField, fillAddress } from '../../shared/postal';
import { api } from '../../shared/session';
import { dateTimeOf, isWebLink, readableUrl } from '../format';
import { guestVersions } from '../store';

type Tab = 'personal' | 'other' | 'history';
const TABS: Tab[] = ['personal', 'other', 'history'];

/** S3: the guest's user information in three tabs, each saved with its button. */
export function UserInfo({ guestId, onLoaded }: { guestId: string; onLoaded?: (g: GuestDetail) => void }) {
  const [tab, setTab] = useState<Tab>('personal');
  const uid = useId();
  const [guest, setGuest] = useState<GuestDetail | null>(null);
  const [error, setError] = useState('');
  const [stale, setStale] = useState(false);
  const [loads, setLoads] = useState(0);
  // Whether the form holds unsaved edits; a ref, read when a slow load resolves.
  const dirtyRef = useRef(false);
  const setDirty = (value: boolean) => {
    dirtyRef.current = value;
  };
  // While our own save is on its way, a guest_updated frame may be its own echo: look
  // again once the save has answered, and compare contents, not frame arrival times.
  const savingRef = useRef(false);
  const recheckRef = useRef(false);
  const shownRef = useRef<GuestDetail | null>(null);
  // Reads of this guest answered out of order: only the newest may reach the screen.
  const [reads] = useState(() => new Newest());
  const version = guestVersions.value[guestId] ?? 0;

  const show = (g: GuestDetail) => {
    shownRef.current = g;
    setGuest(g);
    setLoads((n) => n + 1);
    setStale(false);
    setDirty(false);
    onLoaded?.(g);
  };

  const load = async () => {
    const current = reads.begin();
    try {
      const g = await api.get<GuestDetail>(`/api/guests/${guestId}`);
      if (current()) show(g);
    } catch (e) {
      if (current()) setError(errorText(e));
    }
  };

  /** After guest_updated: the banner only when someone else's change meets unsaved edits. */
  const refresh = async () => {
    if (savingRef.current) {
      recheckRef.current = true;
      return;
    }
    const current = reads.begin();
    try {
      const g = await api.get<GuestDetail>(`/api/guests/${guestId}`);
      if (!current()) return; // a later read is on its way or shown
      if (savingRef.current) {
        recheckRef.current = true;
        return;
      }
      if (shownRef.current && sameInfo(g, shownRef.current)) {
        onLoaded?.(g); // our own save's echo, or only conversations changed: the form stays
        return;
      }
      if (dirtyRef.current) setStale(true); // keep the person's edits; offer a reload
      else show(g);
    } catch (e) {
      if (current()) setError(errorText(e));
    }
  };

  const loadNow = useLatestCallback(load);
  const refreshNow = useLatestCallback(refresh);
  useEffect(() => {
    shownRef.current = null;
    setGuest(null);
    setError('');
    setTab('personal');
    void loadNow();
  }, [guestId, loadNow]);

  // Changed somewhere (guest_updated): compare with what is on screen.
  useEffect(() => {
    if (version !== 0) void refreshNow();
  }, [version, refreshNow]);

  const saved = (g: GuestDetail) => {
    reads.begin(); // a read started before the save answered is older than this
    shownRef.current = g;
    setGuest(g);
    setDirty(false);
    setStale(false);
    onLoaded?.(g);
    if (recheckRef.current) {
      recheckRef.current = false;
      void refresh();
    }
  };

  return (
    <section class="panel user-info" aria-labelledby={`user-info-${guestId}`} data-testid="user-info">
      <header class="panel__header">
        <h2 id={`user-info-${guestId}`} class="panel__title">{t('console.user_info')}</h2>
      </header>
      <div class="tabs" role="tablist" aria-label={t('console.user_info')} onKeyDown={(ev) => tabKey(ev, tab, (next) => {
        setTab(next);
        document.getElementById(`${uid}-tab-${next}`)?.focus();
      })}>
        {TABS.map((name) => (
          <button key={name} id={`${uid}-tab-${name}`} type="button" role="tab" aria-selected={tab === name} aria-controls={`${uid}-panel`} tabIndex={tab === name ? 0 : -1} class={`tabs__tab${tab === name ? ' is-selected' : ''}`} data-testid={`info-tab-${name}`} onClick={() => setTab(name)}>
            {t(`console.tab.${name}`)}
          </button>
        ))}
      </div>
      {stale && (
        <div class="info-stale" role="status" data-testid="info-stale">
          {t('console.info_stale')}{' '}
          <button type="button" class="link-btn" onClick={() => void load()}>{t('console.reload')}</button>
        </div>
      )}
      {/* The panel is always there, so the tabs' aria-controls names an element while loading too. */}
      <div class="user-info__body" role="tabpanel" id={`${uid}-panel`} aria-labelledby={`${uid}-tab-${tab}`}>
        {error && <div class="alert" role="alert">{error}</div>}
        {!guest ? (
          !error && <p class="panel__empty">{t('common.loading')}</p>
        ) : (
          <>
            {tab === 'personal' && <PersonalTab key={`${guest.id}-p${loads}`} guest={guest} onSaved={saved} onDirty={setDirty} busyRef={savingRef} />}
            {tab === 'other' && <OtherTab key={`${guest.id}-o${loads}`} guest={guest} onSaved={saved} onDirty={setDirty} busyRef={savingRef} />}
            {tab === 'history' && <HistoryTab guest={guest} />}
          </>
        )}
      </div>
    </section>
  );
}

/** WAI-ARIA tabs: arrow keys, Home and End choose the previous, next, first or last tab. */
function tabKey(ev: KeyboardEvent, current: Tab, choose: (next: Tab) => void): void {
  const i = TABS.indexOf(current);
  const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 }[ev.key];
  if (to === undefined) return;
  ev.preventDefault();
  const next = TABS[(to + TABS.length) % TABS.length];
  if (next) choose(next);
}

interface TabProps {
  guest: GuestDetail;
  onSaved: (g: GuestDetail) => void;
  onDirty: (dirty: boolean) => void;
  busyRef: { current: boolean };
}

/** Whether two loads show the same user information (then the form is left alone). */
function sameInfo(a: GuestDetail, b: GuestDetail): boolean {
  const pick = (g: GuestDetail) => JSON.stringify([g.nickname, g.profile, g.notes, g.blacklisted, g.fields]);
  return pick(a) === pick(b);
}

function useSave(guestId: string, onSaved: (g: GuestDetail) => void, busyRef: { current: boolean }) {
  const [state, setState] = useState<{ busy: boolean; error: string; done: boolean }>({ busy: false, error: '', done: false });
  const save = async (body: Record<string, unknown>): Promise<GuestDetail | null> => {
    setState({ busy: true, error: '', done: false });
    busyRef.current = true;
    try {
      const g = await api.patch<GuestDetail>(`/api/guests/${guestId}`, body);
      busyRef.current = false; // before onSaved, which may look again at a change that came meanwhile
      onSaved(g);
      setState({ busy: false, error: '', done: true });
      return g;
    } catch (e) {
      setState({ busy: false, error: errorText(e), done: false });
      return null;
    } finally {
      busyRef.current = false;
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

const lookupPostal = (code: string) => api.get<PostalLookup>('/api/postal-codes', { code });

function PersonalTab({ guest, onSaved, onDirty, busyRef }: TabProps) {
  const [values, setValues] = useState<Record<string, string>>({ ...guest.profile });
  // Read by the postal look-up when its answer comes, after renders it did not see.
  const valuesRef = useRef<Record<string, string>>({ ...guest.profile });
  const lastFillRef = useRef<string | null>(null);
  const result = useSave(guest.id, onSaved, busyRef);
  const show = (next: Record<string, string>) => {
    valuesRef.current = next;
    setValues(next);
  };
  const set = (key: string, value: string) => {
    show({ ...valuesRef.current, [key]: value });
    onDirty(true);
  };
  const fill = addressField(guest.fields)
    ? (found: string, force: boolean) => fillAddress(guest.fields, valuesRef.current, set, lastFillRef, found, force)
    : null;
  const submit = (ev: Event) => {
    ev.preventDefault();
    const profile: Record<string, string> = {};
    for (const f of guest.fields) profile[f.key] = values[f.key] ?? '';
    void result.save({ profile }).then((g) => g && show({ ...g.profile }));
  };
  return (
    <form class="info-form" onSubmit={submit} noValidate data-testid="personal-form">
      <div class="field">
        <span class="field__label">{t('console.nickname')}</span>
        <span class="field__static" data-testid="guest-nickname">{guest.nickname || t('console.guest_unnamed')}</span>
      </div>
      {guest.fields.map((f) =>
        f.type === 'postal' ? (
          <PostalInput key={f.key} field={f} value={values[f.key] ?? ''} onChange={(v) => set(f.key, v)} fill={fill} />
        ) : (
          <FieldInput key={f.key} field={f} value={values[f.key] ?? ''} onChange={(v) => set(f.key, v)} />
        ),
      )}
      <SaveRow {...result} testId="save-personal" />
    </form>
  );
}

/** A postal code field: its address is looked up in Japan Post's data once it has 7 digits. */
function PostalInput({ field, value, onChange, fill }: { field: FieldDefinition; value: string; onChange: (v: string) => void; fill: ((address: string, force: boolean) => boolean) | null }) {
  const id = `field-${field.key}`;
  const lookup = usePostalLookup(lookupPostal, fill);
  return (
    <div class="field">
      <label for={id}>
        {field.label}
        <span class="field__hint"> {t('console.postal_hint')}</span>
      </label>
      <input
        id={id}
        class="input"
        type="text"
        inputMode="numeric"
        autocomplete="off"
        value={value}
        data-testid={id}
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

/** Field types that are input types of their own; the others (number, kana, …) are text boxes. */
const INPUT_TYPES = new Set(['email', 'tel']);

function FieldInput({ field, value, onChange }: { field: FieldDefinition; value: string; onChange: (v: string) => void }) {
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
      <Field id={id} label={field.label}>
        <select id={id} class="input" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
          <option value="">—</option>
          {field.options.map((o) => (
            <option key={o} value={o}>{o}</option>
          ))}
        </select>
      </Field>
    );
  }
  if (field.type === 'textarea') {
    return (
      <Field id={id} label={field.label}>
        <textarea id={id} class="input" rows={2} value={value} onInput={(e) => onChange(e.currentTarget.value)} data-testid={id} />
      </Field>
    );
  }
  return (
    <div class="field">
      <label for={id}>
        {field.label}
        {field.type === 'kana' && <span class="field__hint"> {t('console.kana_hint')}</span>}
      </label>
      <input
        id={id}
        class="input"
        // Preact's input typings discriminate on a literal `type`; all three are plain text boxes.
        type={(INPUT_TYPES.has(field.type) ? field.type : 'text') as 'text'}
        inputMode={field.type === 'number' ? 'numeric' : field.type === 'tel' ? 'tel' : 'text'}
        autocomplete="off"
        value={value}
        data-testid={id}
        onInput={(e) => onChange(e.currentTarget.value)}
      />
    </div>
  );
}

function OtherTab({ guest, onSaved, onDirty, busyRef }: TabProps) {
  const [notes, setNotes] = useState(guest.notes);
  const [blacklisted, setBlacklisted] = useState(guest.blacklisted);
  const result = useSave(guest.id, onSaved, busyRef);
  const submit = (ev: Event) => {
    ev.preventDefault();
    void result.save({ notes, blacklisted });
  };
  return (
    <form class="info-form" onSubmit={submit} data-testid="other-form">
      <Field id={`notes-${guest.id}`} label={t('console.notes')}>
        <textarea id={`notes-${guest.id}`} class="input" rows={6} value={notes} data-testid="notes" onInput={(e) => { setNotes(e.currentTarget.value); onDirty(true); }} />
      </Field>
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
        <dd data-testid="referrer">
          {data.first_referrer ? <WebAddress url={data.first_referrer} /> : t('console.referrer_none')}
          {data.first_search_words && <SearchWords words={data.first_search_words} />}
        </dd>
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
              <WebAddress url={v.url} label={v.title || undefined} />
              <span class="history__url">{readableUrl(v.url)}</span>
              {v.search_words && <SearchWords words={v.search_words} />}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

/** The words a guest searched Google or Yahoo! JAPAN for (decoded by the server), as text. */
function SearchWords({ words }: { words: string }) {
  return (
    <span class="history__search" data-testid="search-words">
      {t('console.search_words', { words })}
    </span>
  );
}

/** A visited address or referrer: decoded for reading; a link only when it is http(s). */
function WebAddress({ url, label }: { url: string; label?: string }) {
  const text = label ?? readableUrl(url);
  if (!isWebLink(url)) return <span class="history__text" title={url}>{text}</span>;
  return (
    <a href={url} rel="noreferrer noopener" target="_blank" title={readableUrl(url)}>
      {text}
    </a>
  );
}
