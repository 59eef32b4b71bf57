// A pool's capacity and sessions over the week, drawn under each day's bar of the week view: capacity as a
// filled step line, sessions as a dashed one, on one scale. Points come from GET …/pool/history, recorded
// only when something changed, so each value holds until the next point (and the last one until now).

import { html } from 'htm/preact';
import { formatClock } from './time.js';

/** Height of the strip under each day's bar. */
export const STRIP = 28;

/** The points as instants, oldest first, and the scale's top (at least 1). */
export function poolSeries(history) {
  const points = (history?.points ?? []).map((p) => ({ ...p, t: Date.parse(p.at) }));
  const top = Math.max(1, ...points.map((p) => Math.max(p.capacity, p.sessions)));
  return { points, top };
}

/** The spans `[a, b)` within `[from, until)` where `key` held each value: [a, b, value]. */
export function spansWithin(points, key, from, until) {
  const spans = [];
  points.forEach((p, i) => {
    const a = Math.max(p.t, from);
    const b = Math.min(points[i + 1]?.t ?? until, until);
    if (b <= a) return;
    const last = spans.at(-1);
    // Points are written when any of the three changed: a value that stayed is one span.
    if (last && last[1] === a && last[2] === p[key]) last[1] = b;
    else spans.push([a, b, p[key]]);
  });
  return spans;
}

/** One path through the spans: across each, up or down to the next where they touch. */
function stepPath(spans, x, y) {
  let d = '';
  let last;
  for (const [a, b, value] of spans) {
    d += last === a ? ` V${y(value)} H${x(b)}` : ` M${x(a)},${y(value)} H${x(b)}`;
    last = b;
  }
  return d.trim();
}

/** Closes a step path down to the strip's floor, for the capacity band. */
function bandPath(spans, x, y, floor) {
  return spans.map(([a, b, value]) => `M${x(a)},${floor} V${y(value)} H${x(b)} V${floor} Z`).join(' ');
}

/**
 * The strip for one day: `x` maps an instant to the day's x, `top` is the strip's top y. Nothing is drawn
 * after `now` (nothing is known there yet) or before the first point.
 */
export function poolStrip({ series, day, x, top, now }) {
  const until = Math.min(day.end, now);
  const floor = top + STRIP;
  const y = (value) => floor - (value / series.top) * (STRIP - 2);
  const capacity = spansWithin(series.points, 'capacity', day.start, until);
  const sessions = spansWithin(series.points, 'sessions', day.start, until);
  const values = (spans) => spans.map(([a, , v]) => `${new Date(a).toISOString()}=${v}`).join(' ');
  return html`<g class="pool">
    <rect class="strip-bg" x=${x(day.start)} y=${top} width=${x(day.end) - x(day.start)} height=${STRIP} />
    ${
      capacity.length
        ? html`<path class="capacity-band" d=${bandPath(capacity, x, y, floor)} />
            <path class="capacity" data-values=${values(capacity)} d=${stepPath(capacity, x, y)} />`
        : null
    }
    ${sessions.length ? html`<path class="sessions" data-values=${values(sessions)} d=${stepPath(sessions, x, y)} />` : null}
  </g>`;
}

/** What the strips say, for screen readers and for copying: each day's capacity and sessions, as changes. */
export function poolText(days, series, zone, now) {
  const describe = (spans) =>
    spans.map(([a, , v], i) => `${v} ${i === 0 ? 'from' : 'at'} ${formatClock(a, zone)}`).join(', ');
  return days.map((day) => {
    const until = Math.min(day.end, now);
    const capacity = spansWithin(series.points, 'capacity', day.start, until);
    const sessions = spansWithin(series.points, 'sessions', day.start, until);
    const text = capacity.length
      ? `capacity ${describe(capacity)}; sessions ${describe(sessions)}`
      : 'nothing recorded';
    return html`<li>${day.label}: ${text}</li>`;
  });
}

/** The legend's entries for the strip. */
export function poolLegend(series) {
  return html`<span><span class="swatch capacity"></span>capacity (instances)</span>
    <span><span class="swatch sessions"></span>sessions</span>
    <span>strip scale 0–${series.top}</span>`;
}
