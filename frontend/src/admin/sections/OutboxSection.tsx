import { useCallback, useState } from 'preact/hooks';
import type { MailList, MailOut, MailStatus } from '../../shared/api-types';
import { locale, t } from '../../shared/i18n';
import { Tag } from '../../shared/components/Tag';
import { AdminTable, ConfirmButtons } from '../components/AdminTable';
import { Feedback } from '../components/Feedback';
import { LoadState } from '../components/LoadState';
import { Pager } from '../components/Pager';
import { useAction, type Action } from '../lib/useAction';
import { useLoad } from '../lib/useLoad';
import { discardMail, listMails, retryMail } from '../outboxApi';
import './outbox.css';

/** The filters of the list; "open" (failed and pending) is what needs the admin. */
type Filter = 'open' | 'failed' | 'pending' | 'sent' | 'all';
const FILTERS: Record<Filter, readonly MailStatus[]> = {
  open: ['failed', 'pending'],
  failed: ['failed'],
  pending: ['pending'],
  sent: ['sent', 'logged'],
  all: [],
};

function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** The mail outbox (issue 18): failed and pending mails with the reason, send again, discard. */
export function OutboxSection() {
  const [filter, setFilter] = useState<Filter>('open');
  const [page, setPage] = useState(1);
  const load = useCallback(() => listMails(FILTERS[filter], page), [filter, page]);
  const loaded = useLoad(load);
  const action = useAction();

  const replace = (list: MailList, changed: MailOut) => {
    const keep = (FILTERS[filter]).length === 0 ? changed.status !== 'discarded' : (FILTERS[filter]).includes(changed.status);
    const mails = list.mails.flatMap((m) => (m.id !== changed.id ? [m] : keep ? [changed] : []));
    loaded.set({ ...list, mails });
  };

  return (
    <section class="admin-section" aria-labelledby="outbox-heading">
      <h2 id="outbox-heading" class="admin-section__title">
        {t('tab.outbox')}
      </h2>
      <p class="admin-muted">{t('outbox.intro')}</p>
      <div class="outbox-bar">
        <label for="outbox-filter">{t('outbox.filter')}</label>
        <select id="outbox-filter" class="input" value={filter} data-testid="outbox-filter"
          onChange={(e) => {
            setFilter(e.currentTarget.value as Filter);
            setPage(1);
          }}>
          {(Object.keys(FILTERS) as Filter[]).map((f) => (
            <option key={f} value={f}>
              {t(`outbox.filter_${f}`)}
            </option>
          ))}
        </select>
        <button type="button" class="btn btn-ghost btn-small" onClick={loaded.reload} data-testid="outbox-reload">
          {t('outbox.reload')}
        </button>
      </div>
      <Feedback action={action} testid="outbox" />
      <LoadState loaded={loaded}>
        {(list) => (
          <>
            <MailTable mails={list.mails} action={action} onChanged={(m) => replace(list, m)} />
            <Pager page={list.page} hasMore={list.has_more} onPage={setPage} testid="outbox" />
          </>
        )}
      </LoadState>
    </section>
  );
}

function StatusTag({ status }: { status: MailStatus }) {
  const tone = status === 'failed' ? 'ended' : status === 'sent' || status === 'logged' ? 'active' : undefined;
  return (
    <Tag tone={tone} testId="outbox-status">
      {t(`outbox.status_${status}`)}
    </Tag>
  );
}

interface TableProps {
  mails: MailOut[];
  action: Action;
  onChanged: (m: MailOut) => void;
}

function MailTable({ mails, action, onChanged }: TableProps) {
  const [asking, setAsking] = useState<string | null>(null);
  if (mails.length === 0) return <p class="admin-muted" data-testid="outbox-none">{t('outbox.none')}</p>;
  const act = async (mail: MailOut, work: (id: string) => Promise<MailOut>, done: string) => {
    const changed = await action.run(() => work(mail.id), t(done, { to: mail.to_addr }));
    setAsking(null);
    if (changed) onChanged(changed);
  };
  return (
    <AdminTable caption={t('outbox.caption')} testid="outbox-table" class="outbox-table" actions
      columns={[t('outbox.to'), t('outbox.kind'), t('outbox.state'), { label: t('outbox.attempts'), num: true }, t('outbox.reason'), t('outbox.times')]}>
          {mails.map((mail) => (
            <tr key={mail.id} data-testid="outbox-row" data-mail-id={mail.id}>
              <th scope="row">
                <span class="outbox-to">{mail.to_addr}</span>
                <span class="outbox-subject">{mail.subject}</span>
              </th>
              <td>{t(mail.kind === 'unread' || mail.kind === 'left' ? `outbox.kind_${mail.kind}` : 'outbox.kind_other')}</td>
              <td>
                <StatusTag status={mail.status} />
              </td>
              <td class="num">{mail.attempts}</td>
              <td class="outbox-reason" data-testid="outbox-reason">
                {mail.last_error ?? '—'}
              </td>
              <td class="outbox-times">
                <span>{t('outbox.created_at', { when: when(mail.created_at) })}</span>
                {mail.next_attempt_at && <span>{t('outbox.next_at', { when: when(mail.next_attempt_at) })}</span>}
                {mail.sent_at && <span>{t('outbox.sent_at', { when: when(mail.sent_at) })}</span>}
              </td>
              <td>
                <span class="outbox-actions">
                  {mail.status === 'failed' && (
                    <button type="button" class="btn btn-primary btn-small" disabled={action.busy} aria-label={t('outbox.retry_to', { to: mail.to_addr })}
                      onClick={() => void act(mail, retryMail, 'outbox.retried')} data-testid="outbox-retry">
                      {t('outbox.retry')}
                    </button>
                  )}
                  {(mail.status === 'failed' || mail.status === 'pending') && (
                    <ConfirmButtons asking={asking === mail.id} busy={action.busy} testid="outbox-discard"
                      label={t('outbox.discard')} name={t('outbox.discard_to', { to: mail.to_addr })}
                      confirm={t('outbox.discard_confirm')} keep={t('outbox.keep')}
                      onAsk={() => setAsking(mail.id)} onConfirm={() => void act(mail, discardMail, 'outbox.discarded')} onKeep={() => setAsking(null)} />
                  )}
                </span>
              </td>
            </tr>
          ))}
    </AdminTable>
  );
}
