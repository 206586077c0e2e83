import type { StatsOut, StatsRow } from '../../shared/api-types';
import { t } from '../../shared/i18n';
import { formatDuration } from '../lib/format';
import { formatAverage } from './CsatChart';

const COUNTS = ['forms_shown', 'forms_executed', 'chats_started', 'chats_taken', 'missed', 'left_out_of_hours'] as const;

/** The statistics table: one row per period, a totals row, one column per staff member. */
export function StatsTable({ stats }: { stats: StatsOut }) {
  return (
    // Wider than the page with many staff columns: a labelled region the keyboard can scroll.
    <div class="table-wrap admin-card" tabIndex={0} role="region" aria-label={t('stats.table_caption')}>
      <table class="admin-table stats-table" data-testid="stats-table">
        <caption class="visually-hidden">{t('stats.table_caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('stats.period')}</th>
            {COUNTS.map((k) => (
              <th key={k} scope="col" class="num">
                {t(`stats.${k}`)}
              </th>
            ))}
            <th scope="col" class="num">
              {t('stats.avg_wait')}
            </th>
            <th scope="col" class="num">
              {t('stats.avg_first_response')}
            </th>
            <th scope="col" class="num">
              {t('stats.csat_count')}
            </th>
            <th scope="col" class="num">
              {t('stats.csat_average')}
            </th>
            {stats.staff.map((s) => (
              <th key={s.id} scope="col" class="num">
                {s.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {stats.rows.map((row) => (
            <Row key={row.period} row={row} label={row.period} stats={stats} />
          ))}
        </tbody>
        <tfoot>
          <Row row={stats.totals} label={t('stats.total')} stats={stats} />
        </tfoot>
      </table>
    </div>
  );
}

function Row({ row, label, stats }: { row: StatsRow; label: string; stats: StatsOut }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      {COUNTS.map((k) => (
        <td key={k} class="num" data-col={k}>
          {row[k]}
        </td>
      ))}
      <td class="num">{formatDuration(row.avg_wait_seconds)}</td>
      <td class="num">{formatDuration(row.avg_first_response_seconds)}</td>
      <td class="num" data-col="csat_count">{row.csat_count ?? 0}</td>
      <td class="num" data-col="csat_average">{formatAverage(row.csat_average)}</td>
      {stats.staff.map((s) => (
        <td key={s.id} class="num">
          {row.per_staff[s.id] ?? 0}
        </td>
      ))}
    </tr>
  );
}
