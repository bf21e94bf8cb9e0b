import { lineChartSvg, niceTicks, type LineChart } from '../../bench/lib/svg-plot';

/**
 * A small well-formedness check: every tag is closed in order, attributes are quoted, and text holds no raw `<`
 * or `&`. Enough for the markup svg-plot.ts writes (no comments, CDATA or processing instructions).
 */
function expectWellFormed(svg: string): void {
  const open: string[] = [];
  const tag = /<(\/?)([a-z]+)((?:\s+[A-Za-z0-9:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let match = tag.exec(svg); match; match = tag.exec(svg)) {
    expect(svg.slice(last, match.index)).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot);)/);
    last = tag.lastIndex;
    const [, closing, name, , selfClosing] = match;
    if (closing) expect(open.pop()).toBe(name);
    else if (!selfClosing) open.push(name);
  }
  expect(svg.slice(last).trim()).toBe('');
  expect(open).toEqual([]);
}

function polylinePoints(svg: string): number[] {
  return [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((match) => match[1].split(' ').length);
}

const chart: LineChart = {
  title: 'Input tokens per request <scripted & windowed>',
  xLabel: 'request',
  yLabel: 'input tokens',
  series: [
    { name: 'input tokens', points: Array.from({ length: 250 }, (_, index) => [index + 1, (index % 70) * 2_500]) },
    {
      name: 'cache reads',
      points: [
        [1, 0],
        [2, 1_000],
        [3, 2_000],
      ],
    },
  ],
  marks: [{ label: 'window 200,000', y: 200_000 }],
};

describe('lineChartSvg', () => {
  it('writes a well-formed SVG document with one polyline per series and every point in it', () => {
    const svg = lineChartSvg(chart);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expectWellFormed(svg);
    expect(polylinePoints(svg)).toEqual([250, 3]);
    expect(svg).toContain('Input tokens per request &lt;scripted &amp; windowed&gt;');
    expect(svg).toContain('window 200,000');
  });

  it('keeps every point inside the drawing area, the reference line included in the scale', () => {
    const svg = lineChartSvg({ ...chart, width: 400, height: 200 });
    const coordinates = [...svg.matchAll(/points="([^"]*)"/g)].flatMap((match) =>
      match[1].split(' ').map((pair) => pair.split(',').map(Number)),
    );
    for (const [x, y] of coordinates) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(400);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(200);
    }
  });

  it('refuses a chart without points or with a value its axes cannot show', () => {
    expect(() => lineChartSvg({ ...chart, series: [{ name: 'empty', points: [] }] })).toThrow(/no points/);
    expect(() => lineChartSvg({ ...chart, series: [{ name: 'bad', points: [[1, Number.NaN]] }] })).toThrow(
      /non-finite/,
    );
  });
});

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten from zero up to the maximum, never past it', () => {
    expect(niceTicks(200_000)).toEqual([0, 50_000, 100_000, 150_000, 200_000]);
    expect(niceTicks(301)).toEqual([0, 100, 200, 300]);
    expect(niceTicks(1_000)).toEqual([0, 200, 400, 600, 800, 1_000]);
    expect(niceTicks(7)).toEqual([0, 2, 4, 6]);
    expect(niceTicks(0)).toEqual([0]);
  });
});
