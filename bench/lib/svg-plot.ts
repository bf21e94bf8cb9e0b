/**
 * A small SVG line chart for benchmark figures in the docs: one or more series of (x, y) points over linear axes
 * that start at zero, with tick labels, a legend and optional horizontal reference lines (a limit, a target).
 * Plain string building and no dependency: the docs need a handful of charts, not a plotting library.
 */

/** One line of the chart. */
export interface PlotSeries {
  name: string;
  points: ReadonlyArray<readonly [x: number, y: number]>;
}

/** A dashed horizontal line across the chart, e.g. the context window. */
export interface PlotMark {
  label: string;
  y: number;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly PlotSeries[];
  marks?: readonly PlotMark[];
  /** Pixels; 720 × 360 by default. */
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
const MARK_COLOR = '#888888';
const MARGIN = { top: 36, right: 20, bottom: 48, left: 72 };
const TICKS = 5;

/** Renders the chart as a standalone SVG document. Throws on a chart with no points or a non-finite value. */
export function lineChartSvg(chart: LineChart): string {
  checkChart(chart);
  const width = chart.width ?? 720;
  const height = chart.height ?? 360;
  const marks = chart.marks ?? [];
  const points = chart.series.flatMap((series) => series.points);
  // The x axis ends at the last point; the y axis leaves a little room above the highest line or mark.
  const xMax = Math.max(...points.map(([x]) => x)) || 1;
  const yMax = Math.max(...points.map(([, y]) => y), ...marks.map((mark) => mark.y)) * 1.05 || 1;
  const xTicks = niceTicks(xMax);
  const yTicks = niceTicks(yMax);
  const plot = { left: MARGIN.left, top: MARGIN.top, right: width - MARGIN.right, bottom: height - MARGIN.bottom };
  const toX = (x: number) => plot.left + (x / xMax) * (plot.right - plot.left);
  const toY = (y: number) => plot.bottom - (y / yMax) * (plot.bottom - plot.top);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(width / 2, 20, chart.title, 'middle', 'font-size="14" font-weight="bold"'),
    ...xTicks.map((tick) => verticalTick(toX(tick), plot, tick)),
    ...yTicks.map((tick) => horizontalTick(toY(tick), plot, tick)),
    `<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}" fill="none" stroke="#000000"/>`,
    text((plot.left + plot.right) / 2, height - 10, chart.xLabel, 'middle'),
    text(
      16,
      (plot.top + plot.bottom) / 2,
      chart.yLabel,
      'middle',
      `transform="rotate(-90 16 ${fmt((plot.top + plot.bottom) / 2)})"`,
    ),
    ...marks.map((mark) => markLine(toY(mark.y), plot, mark.label)),
    ...chart.series.map((series, index) => polyline(series, COLORS[index % COLORS.length], toX, toY)),
    ...chart.series.map((series, index) => legendEntry(series.name, COLORS[index % COLORS.length], plot, index)),
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}

function checkChart(chart: LineChart): void {
  const points = chart.series.flatMap((series) => series.points);
  if (points.length === 0) throw new Error(`the chart "${chart.title}" has no points`);
  const values = [...points.flat(), ...(chart.marks ?? []).map((mark) => mark.y)];
  if (values.some((value) => !Number.isFinite(value) || value < 0))
    throw new Error(`the chart "${chart.title}" has a negative or non-finite value; its axes start at zero`);
}

/**
 * Tick values from 0 up to `max` (never past it), about {@link TICKS} of them, at a step of 1, 2 or 5 times a power
 * of ten, so the labels read as round numbers.
 */
export function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0];
  const rough = max / TICKS;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough) ?? 10 * power;
  const ticks: number[] = [];
  for (let index = 0; index * step <= max * (1 + 1e-9); index++) ticks.push(index * step);
  return ticks;
}

interface Area {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

function verticalTick(x: number, plot: Area, value: number): string {
  return [
    `<line x1="${fmt(x)}" y1="${plot.top}" x2="${fmt(x)}" y2="${plot.bottom}" stroke="#e5e5e5"/>`,
    text(x, plot.bottom + 16, formatTick(value), 'middle'),
  ].join('\n');
}

function horizontalTick(y: number, plot: Area, value: number): string {
  return [
    `<line x1="${plot.left}" y1="${fmt(y)}" x2="${plot.right}" y2="${fmt(y)}" stroke="#e5e5e5"/>`,
    text(plot.left - 6, y + 4, formatTick(value), 'end'),
  ].join('\n');
}

function markLine(y: number, plot: Area, label: string): string {
  return [
    `<line x1="${plot.left}" y1="${fmt(y)}" x2="${plot.right}" y2="${fmt(y)}" stroke="${MARK_COLOR}" stroke-dasharray="6 4"/>`,
    text(plot.right - 4, y - 5, label, 'end', `fill="${MARK_COLOR}"`),
  ].join('\n');
}

function polyline(series: PlotSeries, color: string, toX: (x: number) => number, toY: (y: number) => number): string {
  const points = series.points.map(([x, y]) => `${fmt(toX(x))},${fmt(toY(y))}`).join(' ');
  return `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points}"/>`;
}

function legendEntry(name: string, color: string, plot: Area, index: number): string {
  const y = plot.top + 14 + index * 16;
  return [
    `<line x1="${plot.left + 10}" y1="${y - 4}" x2="${plot.left + 30}" y2="${y - 4}" stroke="${color}" stroke-width="2"/>`,
    text(plot.left + 36, y, name, 'start'),
  ].join('\n');
}

function text(x: number, y: number, content: string, anchor: 'start' | 'middle' | 'end', extra = ''): string {
  const attributes = extra ? ` ${extra}` : '';
  return `<text x="${fmt(x)}" y="${fmt(y)}" text-anchor="${anchor}"${attributes}>${escapeXml(content)}</text>`;
}

/** 150000 → "150k", 2500000 → "2.5M": tick labels stay short. */
function formatTick(value: number): string {
  if (value >= 1e6) return `${trim(value / 1e6)}M`;
  if (value >= 1e3) return `${trim(value / 1e3)}k`;
  return trim(value);
}

function trim(value: number): string {
  return String(Number(value.toFixed(2)));
}

/** Coordinates to one decimal: enough for a screen, and a thousand points stay a small file. */
function fmt(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
