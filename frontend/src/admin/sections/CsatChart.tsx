import type { StatsOut, StatsRow } from '../../shared/api-types';
import { t } from '../../shared/i18n';
import type { Box } from '../lib/chart';
import { ChartFrame, slotWidth } from './ChartFrame';

const BOX: Box = { width: 760, height: 180, left: 44, right: 8, top: 12, bottom: 36 };
const SCALE = [1, 2, 3, 4, 5];

/** Issue 19: the average satisfaction rating per period (0–5) and its count, then per staff member. */
export function CsatChart({ stats }: { stats: StatsOut }) {
  const rows = stats.rows;
  const plotH = BOX.height - BOX.top - BOX.bottom;
  const group = slotWidth(BOX, rows.length);
  const y = (v: number) => BOX.top + plotH - (v / 5) * plotH;
  const width = Math.max(2, Math.min(28, group * 0.6));
  const rated = stats.staff.filter((s) => (stats.totals.csat_per_staff?.[s.id]?.count ?? 0) > 0);
  return (
    <div class="admin-card csat-stats" data-testid="csat-stats">
      <h3 class="admin-card__title">{t('stats.csat_title')}</h3>
      <p class="admin-muted" data-testid="csat-total">
        {stats.totals.csat_count
          ? t('stats.csat_summary', { avg: formatAverage(stats.totals.csat_average), n: stats.totals.csat_count })
          : t('stats.csat_none')}
      </p>
      <ChartFrame box={BOX} titleId="csat-chart-title" title={t('stats.csat_chart_title')} ticks={SCALE} y={y}
        periods={rows.map((r) => r.period)} testId="csat-chart">
        {rows.map((r, i) =>
          r.csat_average != null ? (
            <rect key={r.period} class="chart__bar chart__bar--csat" x={BOX.left + i * group + (group - width) / 2} y={y(r.csat_average)} width={width}
              height={Math.max(0, y(0) - y(r.csat_average))}>
              <title>{`${r.period}: ${t('stats.csat_average')} ${formatAverage(r.csat_average)} (${t('stats.csat_count')} ${r.csat_count ?? 0})`}</title>
            </rect>
          ) : null,
        )}
      </ChartFrame>
      {rated.length > 0 && (
        <table class="admin-table csat-staff" data-testid="csat-staff">
          <caption class="visually-hidden">{t('stats.csat_by_staff')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('stats.csat_staff')}</th>
              <th scope="col" class="num">{t('stats.csat_average')}</th>
              <th scope="col" class="num">{t('stats.csat_count')}</th>
            </tr>
          </thead>
          <tbody>
            {rated.map((s) => {
              const v = stats.totals.csat_per_staff?.[s.id];
              return (
                <tr key={s.id}>
                  <th scope="row">{s.name}</th>
                  <td class="num">{formatAverage(v?.average ?? null)}</td>
                  <td class="num">{v?.count ?? 0}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** 4.333 → "4.33"; none → "—". */
export function formatAverage(value: number | null | undefined): string {
  return value == null ? '—' : value.toFixed(2);
}

export type { StatsRow };
