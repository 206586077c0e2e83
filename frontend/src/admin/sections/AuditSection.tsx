import { useCallback, useState } from 'preact/hooks';
import type { AuditAction, AuditEntryOut } from '../../shared/api-types';
import { Field } from '../../shared/components/forms';
import { Tag } from '../../shared/components/Tag';
import { locale, t } from '../../shared/i18n';
import { session } from '../../shared/session';
import { auditCsvUrl, listAudit, type AuditQuery } from '../auditApi';
import { AdminTable } from '../components/AdminTable';
import { LoadState } from '../components/LoadState';
import { Pager } from '../components/Pager';
import { useLoad } from '../lib/useLoad';
import './audit.css';

const ACTIONS: AuditAction[] = [
  'staff.created', 'staff.changed', 'staff.disabled', 'staff.enabled', 'staff.password_reset', 'staff.two_factor_reset',
  'account.password_changed', 'account.two_factor_enabled', 'account.two_factor_disabled', 'store.two_factor_required',
  'settings.theme', 'settings.button_image', 'settings.logo', 'settings.embed', 'settings.retention', 'token.created', 'token.revoked',
  'webhook.created', 'webhook.changed', 'webhook.deleted', 'webhook.resent',
  'guest.blacklisted', 'guest.unblacklisted', 'mail.retried', 'mail.discarded', 'guest.exported', 'guest.erased',
];

const EMPTY: AuditQuery = { action: '', from: '', to: '' };

/** The time in the store's zone, the one the date filter counts days in. */
function when(iso: string, zone: string): string {
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'medium', timeZone: zone }).format(new Date(iso));
}

/** Values the product names itself (roles, token scopes) in the reader's language. */
function named(key: string, value: unknown): unknown {
  if (key === 'role' && (value === 'admin' || value === 'agent')) return t(`role.${value}`);
  if (key === 'scope' && (value === 'read' || value === 'write')) return t(`tokens.scope_${value}`);
  return value;
}

function text(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return t(value ? 'audit.yes' : 'audit.no');
  if (Array.isArray(value)) return value.map(text).join(', ') || '—';
  if (typeof value === 'object') return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}: ${text(v)}`).join(', ');
  return typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** What an entry's details say, as "label: value" lines (user text stays text). */
function detailLines(entry: AuditEntryOut): string[] {
  return Object.entries(entry.details).map(([key, value]) => `${t(`audit.key_${key}`)}: ${text(named(key, value))}`);
}

/** The audit log (issue 17): who did what, when and from where; filters, pages and CSV. */
export function AuditSection() {
  const zone = session.value?.store?.time_zone ?? 'UTC';
  const [draft, setDraft] = useState<AuditQuery>(EMPTY);
  const [query, setQuery] = useState<AuditQuery>(EMPTY);
  const [page, setPage] = useState(1);
  const load = useCallback(() => listAudit(query, page), [query, page]);
  const loaded = useLoad(load);
  const inverted = Boolean(draft.from && draft.to && draft.to < draft.from);

  const onSubmit = (ev: Event) => {
    ev.preventDefault();
    if (inverted) return;
    setQuery({ ...draft });
    setPage(1);
  };

  return (
    <section class="admin-section" aria-labelledby="audit-heading">
      <h2 id="audit-heading" class="admin-section__title">
        {t('tab.audit')}
      </h2>
      <p class="admin-muted">{t('audit.intro')}</p>
      <form class="admin-card audit-filters" onSubmit={onSubmit} aria-label={t('audit.filters')} data-testid="audit-form">
        <Field id="audit-action" label={t('audit.action')}>
          <select id="audit-action" class="input" value={draft.action} data-testid="audit-action"
            onChange={(e) => setDraft({ ...draft, action: e.currentTarget.value as AuditAction | '' })}>
            <option value="">{t('audit.all_actions')}</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {t(`audit.action_${a}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field id="audit-from" label={t('audit.from')}>
          <input id="audit-from" class="input" type="date" value={draft.from} max={draft.to || undefined}
            onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })} data-testid="audit-from" />
        </Field>
        <Field id="audit-to" label={t('audit.to')}>
          <input id="audit-to" class="input" type="date" value={draft.to} min={draft.from || undefined}
            onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })} data-testid="audit-to" />
        </Field>
        <div class="audit-filters__buttons">
          <button type="submit" class="btn btn-primary" disabled={inverted} data-testid="audit-show">
            {t('audit.show')}
          </button>
          <a class="btn btn-ghost" href={auditCsvUrl(query)} download data-testid="audit-csv">
            {t('audit.csv')}
          </a>
        </div>
        <p class={inverted ? 'hint hint--error audit-filters__hint' : 'hint audit-filters__hint'} role={inverted ? 'alert' : undefined}>
          {inverted ? t('audit.range_problem') : t('audit.time_zone', { zone })}
        </p>
      </form>
      <LoadState loaded={loaded}>
        {(list) => (
          <>
            <AuditTable entries={list.entries} zone={zone} />
            <Pager page={list.page} hasMore={list.has_more} onPage={setPage} testid="audit" />
          </>
        )}
      </LoadState>
    </section>
  );
}

function AuditTable({ entries, zone }: { entries: AuditEntryOut[]; zone: string }) {
  if (entries.length === 0) return <p class="admin-muted" data-testid="audit-none">{t('audit.none')}</p>;
  return (
    <AdminTable caption={t('audit.caption')} testid="audit-table" class="audit-table"
      columns={[t('audit.at'), t('audit.action'), t('audit.actor'), t('audit.address'), t('audit.details')]}>
          {entries.map((entry) => (
            <tr key={entry.id} data-testid="audit-row" data-action={entry.action}>
              <td>
                <time dateTime={entry.at}>{when(entry.at, zone)}</time>
              </td>
              <th scope="row" data-testid="audit-row-action">
                {t(`audit.action_${entry.action}`)}
              </th>
              <td data-testid="audit-row-actor">
                {entry.actor_name}
                {entry.actor_kind !== 'staff' && <Tag>{t(`audit.kind_${entry.actor_kind}`)}</Tag>}
              </td>
              <td data-testid="audit-row-address">
                <code>{entry.address}</code>
              </td>
              <td class="audit-details" data-testid="audit-row-details">
                {detailLines(entry).map((line, i) => (
                  <span key={i}>{line}</span>
                ))}
              </td>
            </tr>
          ))}
    </AdminTable>
  );
}
