import type { StatsRow } from '../../shared/api-types';
import { t } from '../../shared/i18n';
import { axis, labelEvery, layoutBars, type Box } from '../lib/chart';

/** The figures drawn as bars, in this order (the table shows every figure). */
export const CHART_SERIES = ['forms_shown', 'forms_executed', 'missed'] as const;
const BOX: Box = { width: 760, height: 260, left: 44, right: 8, top: 12, bottom: 36 };

/** Grouped bars per period, drawn by hand in SVG; the table below carries the same numbers. */
export function BarChart({ rows }: { rows: StatsRow[] }) {
  const values = rows.map((r) => ({ label: r.period, values: CHART_SERIES.map((k) => r[k]) }));
  const max = Math.max(0, ...values.flatMap((v) => v.values));
  const { top, ticks } = axis(max);
  const bars = layoutBars(values, CHART_SERIES.length, BOX, top);
  const plotH = BOX.height - BOX.top - BOX.bottom;
  const group = (BOX.width - BOX.left - BOX.right) / Math.max(1, rows.length);
  const every = labelEvery(rows.length, 12);
  const y = (v: number) => BOX.top + plotH - (v / top) * plotH;

  return (
    <figure class="chart" data-testid="stats-chart">
      <svg viewBox={`0 0 ${BOX.width} ${BOX.height}`} role="img" aria-labelledby="chart-title" class="chart__svg">
        <title id="chart-title">{t('stats.chart_title')}</title>
        {ticks.map((v) => (
          <g key={v} class="chart__tick">
            <line x1={BOX.left} x2={BOX.width - BOX.right} y1={y(v)} y2={y(v)} />
            <text x={BOX.left - 6} y={y(v)} dy="0.32em" text-anchor="end">
              {v}
            </text>
          </g>
        ))}
        {bars.map((b) => (
          <rect key={`${b.row}-${b.series}`} class={`chart__bar chart__bar--${CHART_SERIES[b.series]}`} x={b.x} y={b.y}
            width={b.width} height={b.height}>
            <title>{`${rows[b.row]?.period}: ${t(`stats.${CHART_SERIES[b.series]}`)} ${b.value}`}</title>
          </rect>
        ))}
        {rows.map((r, i) =>
          i % every === 0 || i === rows.length - 1 ? (
            <text key={r.period} class="chart__label" x={BOX.left + i * group + group / 2} y={BOX.height - BOX.bottom + 16} text-anchor="middle">
              {shortLabel(r.period)}
            </text>
          ) : null,
        )}
      </svg>
      <figcaption class="chart__legend">
        {CHART_SERIES.map((k) => (
          <span key={k} class="chart__key">
            <span class={`chart__swatch chart__bar--${k}`} aria-hidden="true" />
            {t(`stats.${k}`)}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** "2025-04-01" → "4/1", "2025-04" → "2025/4". */
export function shortLabel(period: string): string {
  const [y, m, d] = period.split('-');
  return d ? `${Number(m)}/${Number(d)}` : `${y}/${Number(m)}`;
}
