// A week of on/off windows as SVG: one row per day on the chosen zone's wall clock, the planned "on"
// windows from the timeline, and the runs (what really happened) drawn over them as marks.

import { html } from 'htm/preact';
import { poolLegend, poolSeries, poolStrip, poolText, STRIP } from './pool-week.js';
import { formatClock, formatWhen, weekDays, zoneAbbreviation } from './time.js';

const WIDTH = 1000;
const LABEL = 120;
const ROW = 34;
const TOP = 24;
const BAR = 18;

/** The intervals in [from, to) where the timeline wants the target running. */
export function onWindows(timeline) {
  const from = Date.parse(timeline.from);
  const to = Date.parse(timeline.to);
  const windows = [];
  let onSince = timeline.desiredStateAtFrom === 'Running' ? from : undefined;
  for (const point of timeline.points) {
    const at = Date.parse(point.at);
    if (point.desiredState === 'Running' && onSince === undefined) onSince = at;
    if (point.desiredState === 'Stopped' && onSince !== undefined) {
      if (at > onSince) windows.push([onSince, at]);
      onSince = undefined;
    }
  }
  if (onSince !== undefined && to > onSince) windows.push([onSince, to]);
  return windows;
}

const x = (t, day) => LABEL + ((t - day.start) / (day.end - day.start)) * (WIDTH - LABEL - 8);
const iso = (t) => new Date(t).toISOString().replace('.000Z', 'Z');

function mark(run, day, y) {
  const at = Date.parse(run.startedAt ?? run.occurrence);
  const cx = x(at, day);
  const cy = y + BAR / 2;
  const shape =
    run.requestedAction === 'Start'
      ? `M${cx},${cy - 9} L${cx + 8},${cy + 7} L${cx - 8},${cy + 7} Z`
      : run.requestedAction === 'Stop'
        ? `M${cx - 8},${cy - 7} L${cx + 8},${cy - 7} L${cx},${cy + 9} Z`
        : `M${cx - 5},${cy} a5,5 0 1,0 10,0 a5,5 0 1,0 -10,0`;
  const error = run.error ? ` — ${run.error.code}: ${run.error.message}` : '';
  return html`<path class=${`run run-${run.outcome}`} data-run-id=${run.id} d=${shape}>
    <title>${run.requestedAction} ${run.outcome} (${run.source})${error}</title>
  </path>`;
}

function dayRow(day, index, windows, runs, now, cssClass, pool) {
  const y = TOP + index * rowHeight(pool);
  const bars = windows
    .map(([a, b]) => [Math.max(a, day.start), Math.min(b, day.end)])
    .filter(([a, b]) => b > a)
    .map(
      ([a, b]) =>
        html`<rect
          class=${cssClass}
          data-from=${iso(a)}
          data-to=${iso(b)}
          x=${x(a, day)}
          y=${y}
          width=${Math.max(1, x(b, day) - x(a, day))}
          height=${BAR}
          rx="2"
        />`,
    );
  const hours = (day.end - day.start) / 3_600_000;
  return html`<g>
    <text x="0" y=${y + BAR - 2}>${day.label}${hours === 24 ? '' : ` (${hours} h)`}</text>
    <rect class="day-bg" x=${LABEL} y=${y} width=${WIDTH - LABEL - 8} height=${BAR} />
    ${bars} ${runs.filter((r) => within(r, day)).map((r) => mark(r, day, y))}
    ${
      now >= day.start && now < day.end
        ? html`<line class="now" x1=${x(now, day)} x2=${x(now, day)} y1=${y - 3} y2=${y + BAR + 3} />`
        : null
    }
    ${pool ? poolStrip({ series: pool, day, x: (t) => x(t, day), top: y + BAR + 3, now }) : null}
  </g>`;
}

function within(run, day) {
  const at = Date.parse(run.startedAt ?? run.occurrence);
  return at >= day.start && at < day.end;
}

/** A pool's rows hold its capacity strip under the bar. */
const rowHeight = (pool) => (pool ? ROW + STRIP + 6 : ROW);

function hourAxis(row, pool) {
  return [0, 3, 6, 9, 12, 15, 18, 21, 24].map((h) => {
    const hx = LABEL + (h / 24) * (WIDTH - LABEL - 8);
    return html`<g>
      <line class="grid" x1=${hx} x2=${hx} y1=${TOP - 4} y2=${TOP + 6 * row + BAR + (pool ? STRIP + 3 : 0)} />
      <text x=${hx} y=${TOP - 8} text-anchor="middle">${String(h).padStart(2, '0')}</text>
    </g>`;
  });
}

/** Text for screen readers and for copying: each day's on windows. */
function windowsText(days, windows, zone) {
  return days.map((day) => {
    const spans = windows
      .map(([a, b]) => [Math.max(a, day.start), Math.min(b, day.end)])
      .filter(([a, b]) => b > a)
      .map(([a, b]) => `${formatClock(a, zone)}–${b === day.end ? '24:00' : formatClock(b, zone)}`);
    return html`<li>${day.label}: ${spans.length ? `on ${spans.join(', ')}` : 'off'}</li>`;
  });
}

/**
 * The week from `weekStart` in `zone`: planned windows (`timeline`), runs over them, now as a line.
 * `draft` draws a schedule being edited instead, in another colour. `poolHistory` (a pool's
 * GET …/pool/history) adds its capacity and sessions under each day.
 */
export function WeekView({ timeline, runs = [], zone, weekStart, now, draft = false, label, poolHistory }) {
  const days = weekDays(weekStart, zone);
  const windows = timeline ? onWindows(timeline) : [];
  const cssClass = draft ? 'draft' : 'on';
  const pool = poolHistory && !draft ? poolSeries(poolHistory) : undefined;
  const row = rowHeight(pool);
  const height = TOP + 7 * row;
  const title = `${label}: ${formatWhen(days[0].start, zone)} to ${formatWhen(days[6].end - 1, zone)}, ${zone} (${zoneAbbreviation(weekStart, zone)})`;
  return html`<figure class="week" data-zone=${zone}>
    <div class="scroll">
      <svg viewBox=${`0 0 ${WIDTH} ${height}`} role="img" aria-label=${title}>
        <title>${title}</title>
        ${
          pool
            ? html`<desc>
                Under each day's bar, the pool's capacity in instances (filled steps) and its sessions (dashed
                steps), on one scale from 0 to ${pool.top}, as the scheduler saw them change.
              </desc>`
            : null
        }
        ${hourAxis(row, pool)} ${days.map((day, i) => dayRow(day, i, windows, runs, now, cssClass, pool))}
      </svg>
    </div>
    <figcaption class="legend">
      <span><span class=${`swatch ${cssClass}`}></span>${draft ? 'draft: on' : 'planned: on'}</span>
      ${draft ? null : html`<span>▲ start ▼ stop ● restart: white = done, red = failed, amber = pending or accepted</span>`}
      ${pool ? poolLegend(pool) : null}
      <span>times in ${zone}</span>
    </figcaption>
    <details>
      <summary class="note">The week as text</summary>
      <ul>
        ${windowsText(days, windows, zone)}
      </ul>
      ${
        pool
          ? html`<p class="note">The pool's capacity and sessions, as they changed:</p>
              <ul class="pool-text">
                ${poolText(days, pool, zone, now)}
              </ul>`
          : null
      }
    </details>
  </figure>`;
}
