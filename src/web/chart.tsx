// The downloads chart: inline SVG drawn here (no script, no inline styles, so
// it passes the CSP), with a text summary for screen readers and a title per
// bar for pointer users.
import { formatDate, formatNumber } from './format';

const WIDTH = 360;
const HEIGHT = 140;
const TOP = 10;
const BOTTOM = 20;

/** `daily` ends today (UTC): one count per day, oldest first. */
export function DownloadsChart(props: { daily: number[]; today: Date }) {
  const days = props.daily.length;
  const total = props.daily.reduce((sum, n) => sum + n, 0);
  const peak = Math.max(0, ...props.daily);
  const dayOf = (i: number) => new Date(props.today.getTime() - (days - 1 - i) * 86_400_000).toISOString();
  const peakIndex = props.daily.indexOf(peak);
  const slot = WIDTH / Math.max(days, 1);
  const plot = HEIGHT - TOP - BOTTOM;
  const summary =
    total === 0
      ? `No downloads in the last ${days} days.`
      : `${formatNumber(total)} downloads in the last ${days} days; the busiest day was ${formatDate(dayOf(peakIndex))} with ${formatNumber(peak)}.`;
  return (
    <figure class="chart" id="downloads-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby="downloads-title downloads-summary">
        <title id="downloads-title">Downloads per day</title>
        <line class="axis" x1="0" x2={WIDTH} y1={HEIGHT - BOTTOM + 0.5} y2={HEIGHT - BOTTOM + 0.5} />
        {props.daily.map((n, i) => {
          const h = peak === 0 ? 0 : Math.max(n > 0 ? 2 : 0, (n / peak) * plot);
          return (
            <rect
              class="bar"
              x={(i * slot + 1).toFixed(1)}
              y={(HEIGHT - BOTTOM - h).toFixed(1)}
              width={(slot - 2).toFixed(1)}
              height={h.toFixed(1)}
            >
              <title>{`${formatDate(dayOf(i))}: ${formatNumber(n)}`}</title>
            </rect>
          );
        })}
        <text x="0" y={HEIGHT - 5}>
          {formatDate(dayOf(0))}
        </text>
        <text x={WIDTH} y={HEIGHT - 5} text-anchor="end">
          today
        </text>
      </svg>
      <figcaption id="downloads-summary">{summary}</figcaption>
    </figure>
  );
}
