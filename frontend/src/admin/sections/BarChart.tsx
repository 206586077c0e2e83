import type { StatsRow } from '../../shared/api-types';
import { t } from '../../shared/i18n';
import { axis, layoutBars, type Box } from '../lib/chart';
import { ChartFrame } from './ChartFrame';

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
  const y = (v: number) => BOX.top + plotH - (v / top) * plotH;
  const legend = (
    <figcaption class="chart__legend">
      {CHART_SERIES.map((k) => (
        <span key={k} class="chart__key">
          <span class={`chart__swatch chart__bar--${k}`} aria-hidden="true" />
          {t(`stats.${k}`)}
        </span>
      ))}
    </figcaption>
  );

  return (
    <ChartFrame box={BOX} titleId="chart-title" title={t('stats.chart_title')} ticks={ticks} y={y}
      periods={rows.map((r) => r.period)} testId="stats-chart" legend={legend}>
      {bars.map((b) => (
        <rect key={`${b.row}-${b.series}`} class={`chart__bar chart__bar--${CHART_SERIES[b.series]}`} x={b.x} y={b.y}
          width={b.width} height={b.height}>
          <title>{`${rows[b.row]?.period}: ${t(`stats.${CHART_SERIES[b.series]}`)} ${b.value}`}</title>
        </rect>
      ))}
    </ChartFrame>
  );
}
