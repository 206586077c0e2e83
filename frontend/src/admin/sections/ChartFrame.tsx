import type { ComponentChildren } from 'preact';
import { labelEvery, type Box } from '../lib/chart';

interface ChartFrameProps {
  box: Box;
  /** The SVG title's element id (the figure is labelled by it) and its text. */
  titleId: string;
  title: string;
  /** Values that get a grid line and a label on the axis, and where a value sits. */
  ticks: number[];
  y: (value: number) => number;
  /** One label slot per period, in order (thinned out when there are many). */
  periods: string[];
  testId: string;
  /** The bars (SVG), drawn between the grid and the period labels. */
  children: ComponentChildren;
  /** Below the picture: a legend, when there is one. */
  legend?: ComponentChildren;
}

/** What every statistics chart shares: the SVG box and title, the value grid, the period labels. */
export function ChartFrame({ box, titleId, title, ticks, y, periods, testId, children, legend }: ChartFrameProps) {
  const group = slotWidth(box, periods.length);
  const every = labelEvery(periods.length, 12);
  return (
    <figure class="chart" data-testid={testId}>
      <svg viewBox={`0 0 ${box.width} ${box.height}`} role="img" aria-labelledby={titleId} class="chart__svg">
        <title id={titleId}>{title}</title>
        {ticks.map((v) => (
          <g key={v} class="chart__tick">
            <line x1={box.left} x2={box.width - box.right} y1={y(v)} y2={y(v)} />
            <text x={box.left - 6} y={y(v)} dy="0.32em" text-anchor="end">
              {v}
            </text>
          </g>
        ))}
        {children}
        {periods.map((p, i) =>
          i % every === 0 || i === periods.length - 1 ? (
            <text key={p} class="chart__label" x={box.left + i * group + group / 2} y={box.height - box.bottom + 16} text-anchor="middle">
              {shortLabel(p)}
            </text>
          ) : null,
        )}
      </svg>
      {legend}
    </figure>
  );
}

/** The width of one period's slot on the horizontal axis. */
export function slotWidth(box: Box, periods: number): number {
  return (box.width - box.left - box.right) / Math.max(1, periods);
}

/** "2025-04-01" → "4/1", "2025-04" → "2025/4". */
export function shortLabel(period: string): string {
  const [y, m, d] = period.split('-');
  return d ? `${Number(m)}/${Number(d)}` : `${y}/${Number(m)}`;
}
