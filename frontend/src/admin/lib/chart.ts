// Geometry of the statistics bar chart (A5), drawn by hand in SVG: no chart library.

export interface Series {
  key: string;
  /** CSS colour of the bars */
  colour: string;
}

export interface ChartRow {
  label: string;
  values: readonly number[];
}

export interface Box {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface BarRect {
  row: number;
  series: number;
  x: number;
  y: number;
  width: number;
  height: number;
  value: number;
}

/** A round axis maximum ≥ max (1, 2 or 5 × 10^k) and its evenly spaced ticks (≤ 6). */
export function axis(max: number): { top: number; ticks: number[] } {
  if (!(max > 0)) return { top: 1, ticks: [0, 1] };
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const whole = Math.max(1, Math.round(step)); // counts: never a fractional tick
  const top = Math.ceil(max / whole) * whole;
  const ticks: number[] = [];
  for (let v = 0; v <= top; v += whole) ticks.push(v);
  return { top, ticks };
}

/** Grouped bars: one group per row, one bar per series, scaled to the axis top. */
export function layoutBars(rows: readonly ChartRow[], seriesCount: number, box: Box, top: number): BarRect[] {
  const plotW = box.width - box.left - box.right;
  const plotH = box.height - box.top - box.bottom;
  const group = rows.length ? plotW / rows.length : plotW;
  const barW = Math.max(1, (group * 0.8) / Math.max(1, seriesCount));
  const bars: BarRect[] = [];
  rows.forEach((row, r) => {
    row.values.slice(0, seriesCount).forEach((value, s) => {
      const h = top > 0 ? (Math.max(0, value) / top) * plotH : 0;
      bars.push({
        row: r,
        series: s,
        x: box.left + r * group + group * 0.1 + s * barW,
        y: box.top + plotH - h,
        width: barW,
        height: h,
        value,
      });
    });
  });
  return bars;
}

/** Which row labels to print so that at most `max` fit (always the first and the last). */
export function labelEvery(count: number, max: number): number {
  return count <= max ? 1 : Math.ceil(count / max);
}
