import { useState } from 'preact/hooks';
import type { GuestSummary, RetentionOut } from '../../shared/api-types';
import { Dialog } from '../../shared/components/Dialog';
import { submitted } from '../../shared/components/forms';
import { locale, t } from '../../shared/i18n';
import { AdminTable } from '../components/AdminTable';
import { Feedback } from '../components/Feedback';
import { LoadState } from '../components/LoadState';
import { useAction, type Action } from '../lib/useAction';
import { useLoad } from '../lib/useLoad';
import { eraseGuest, exportGuest, getRetention, putRetention, searchGuests } from '../privacyApi';
import './privacy.css';

/** Privacy requests and retention (issue 17 item 4): export or erase a guest; keep data N days. */
export function PrivacySection() {
  return (
    <section class="admin-section" aria-labelledby="privacy-heading">
      <h2 id="privacy-heading" class="admin-section__title">
        {t('tab.privacy')}
      </h2>
      <p class="admin-muted">{t('privacy.intro')}</p>
      <RetentionCard />
      <GuestRequests />
    </section>
  );
}

function RetentionCard() {
  const loaded = useLoad(getRetention);
  return (
    <article class="admin-card" aria-labelledby="retention-title" data-testid="retention-card">
      <h3 id="retention-title" class="admin-card__title">
        {t('privacy.retention_title')}
      </h3>
      <LoadState loaded={loaded}>{(saved) => <RetentionForm saved={saved} onSaved={loaded.set} />}</LoadState>
    </article>
  );
}

function RetentionForm({ saved, onSaved }: { saved: RetentionOut; onSaved: (r: RetentionOut) => void }) {
  const action = useAction();
  const [days, setDays] = useState(saved.retention_days === null ? '' : String(saved.retention_days));
  const submit = submitted(async () => {
    const value = days.trim() === '' ? null : Number(days.trim());
    const done = value === null ? t('privacy.retention_saved_off') : t('privacy.retention_saved', { days: String(value) });
    const result = await action.run(() => putRetention(value), done);
    if (result) onSaved(result);
  });
  return (
    <form class="privacy-retention-form" onSubmit={submit} data-testid="retention-form">
      <div class="field">
        <label for="retention-days">{t('privacy.retention_days')}</label>
        <div class="privacy-retention">
          <input id="retention-days" class="input privacy-retention__input" type="number" inputMode="numeric" min={1} max={3650} step={1}
            value={days} aria-describedby="retention-hint" onInput={(e) => setDays(e.currentTarget.value)} data-testid="retention-days" />
          <span>{t('privacy.days_unit')}</span>
        </div>
        <small id="retention-hint" class="hint">{t('privacy.retention_hint')}</small>
      </div>
      <button type="submit" class="btn btn-primary" disabled={action.busy} data-testid="retention-save">
        {t('act.save')}
      </button>
      <Feedback action={action} testid="retention" />
    </form>
  );
}

function guestLabel(g: GuestSummary): string {
  return g.name || g.nickname || t('privacy.no_name');
}

function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

function GuestRequests() {
  const action = useAction();
  const [q, setQ] = useState('');
  const [guests, setGuests] = useState<GuestSummary[] | null>(null);
  const [erasing, setErasing] = useState<GuestSummary | null>(null);
  const search = async (query: string) => {
    const page = await action.run(() => searchGuests(query.trim()));
    if (page) setGuests(page.guests);
  };
  const submit = submitted(() => search(q));
  return (
    <article class="admin-card" aria-labelledby="privacy-guests-title" data-testid="privacy-guests">
      <h3 id="privacy-guests-title" class="admin-card__title">
        {t('privacy.guests_title')}
      </h3>
      <p class="admin-muted">{t('privacy.guests_hint')}</p>
      <form class="privacy-search" role="search" onSubmit={submit}>
        <label for="privacy-q" class="visually-hidden">{t('privacy.search')}</label>
        <input id="privacy-q" class="input" type="search" maxLength={200} value={q} placeholder={t('privacy.search_placeholder')}
          onInput={(e) => setQ(e.currentTarget.value)} data-testid="privacy-q" />
        <button type="submit" class="btn btn-ghost" disabled={action.busy} data-testid="privacy-search">
          {t('privacy.search')}
        </button>
      </form>
      <Feedback action={action} testid="privacy" />
      {guests && <GuestTable guests={guests} action={action} onErase={setErasing} />}
      {erasing && (
        <EraseDialog guest={erasing} action={action} onClose={() => setErasing(null)}
          onErased={() => {
            setErasing(null);
            // Not through `action`: its message says the erasure went through.
            void searchGuests(q.trim()).then((page) => setGuests(page.guests), () => setGuests(null));
          }} />
      )}
    </article>
  );
}

function GuestTable({ guests, action, onErase }: { guests: GuestSummary[]; action: Action; onErase: (g: GuestSummary) => void }) {
  if (guests.length === 0) return <p class="admin-muted" data-testid="privacy-none">{t('privacy.none')}</p>;
  const download = (g: GuestSummary) => action.run(() => exportGuest(g.id), t('privacy.exported', { name: guestLabel(g) }));
  return (
    <AdminTable caption={t('privacy.guests_title')} testid="privacy-table" actions
      columns={[t('privacy.guest'), t('privacy.last_contact'), t('privacy.conversations')]}>
          {guests.map((g) => (
            <tr key={g.id} data-testid="privacy-row">
              <th scope="row">
                {guestLabel(g)}
                {g.erased_at && (
                  <span class="state state--off privacy-erased" data-testid="privacy-erased">
                    {t('privacy.erased_at', { when: when(g.erased_at) })}
                  </span>
                )}
              </th>
              <td>{when(g.last_contact_at)}</td>
              <td>{g.conversations}</td>
              <td class="privacy-actions">
                <button type="button" class="btn btn-ghost btn-small" disabled={action.busy}
                  aria-label={t('privacy.export_who', { name: guestLabel(g) })} onClick={() => void download(g)} data-testid="privacy-export">
                  {t('privacy.export')}
                </button>
                <button type="button" class="btn btn-danger btn-small" disabled={action.busy || Boolean(g.erased_at)}
                  aria-label={t('privacy.erase_who', { name: guestLabel(g) })} onClick={() => onErase(g)} data-testid="privacy-erase">
                  {t('privacy.erase')}
                </button>
              </td>
            </tr>
          ))}
    </AdminTable>
  );
}

interface EraseProps {
  guest: GuestSummary;
  action: Action;
  onClose: () => void;
  onErased: () => void;
}

function EraseDialog({ guest, action, onClose, onErased }: EraseProps) {
  const name = guestLabel(guest);
  const erase = async () => {
    const done = await action.run(() => eraseGuest(guest.id), t('privacy.erased', { name }));
    if (done) onErased();
  };
  return (
    <Dialog title={t('privacy.erase_title', { name })} onClose={onClose} testId="privacy-erase-dialog">
      <p>{t('privacy.erase_body', { name })}</p>
      <ul class="privacy-erase-list">
        <li>{t('privacy.erase_what')}</li>
        <li>{t('privacy.erase_kept')}</li>
        <li>{t('privacy.erase_final')}</li>
      </ul>
      <div class="privacy-dialog-actions">
        <button type="button" class="btn btn-ghost" onClick={onClose} data-testid="privacy-erase-cancel">
          {t('privacy.keep')}
        </button>
        <button type="button" class="btn btn-danger" disabled={action.busy} onClick={() => void erase()} data-testid="privacy-erase-confirm">
          {t('privacy.erase_confirm', { name })}
        </button>
      </div>
    </Dialog>
  );
}
