// One schedule entry as a form: Start or Stop, enabled or not, Cron (expression) or Recurrence (Azure ML's
// Minute to Month, with hours, minutes, week days or month days), a time zone and an optional start time (and
// end time, which only Cron entries have).

import { html } from 'htm/preact';
import { Field, ListInput } from './fields.js';

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const FREQUENCIES = ['Minute', 'Hour', 'Day', 'Week', 'Month'];

/** The field pointers an entry's form shows, so errors can be placed at them. */
export function entryPointers(entry, i) {
  const base = `/computeStartStop/${i}`;
  const own = ['action', 'status', 'triggerType'].map((f) => `${base}/${f}`);
  if (entry.triggerType === 'Recurrence') {
    const r = `${base}/recurrence`;
    return [
      ...own,
      ...['frequency', 'interval', 'timeZone', 'startTime'].map((f) => `${r}/${f}`),
      ...['hours', 'minutes', 'weekDays', 'monthDays'].map((f) => `${r}/schedule/${f}`),
    ];
  }
  return [...own, ...['expression', 'timeZone', 'startTime', 'endTime'].map((f) => `${base}/cron/${f}`)];
}

export function newEntry(timeZone) {
  return {
    triggerType: 'Cron',
    action: 'Start',
    status: 'Enabled',
    cron: { expression: '0 8 * * 1-5', timeZone },
  };
}

/** Switching the trigger keeps the action, status and zone, and starts from a working example. */
function withTrigger(entry, triggerType) {
  const timeZone = (entry.cron ?? entry.recurrence)?.timeZone ?? 'UTC';
  const { cron: _c, recurrence: _r, ...rest } = entry;
  if (triggerType === 'Cron') return { ...rest, triggerType, cron: { expression: '0 8 * * 1-5', timeZone } };
  return {
    ...rest,
    triggerType,
    recurrence: {
      frequency: 'Week',
      interval: 1,
      timeZone,
      schedule: { hours: [8], minutes: [0], weekDays: DAYS.slice(0, 5) },
    },
  };
}

/** Sets `value` at `path` (keys) in a copy of `object`; `undefined` or '' removes the key. */
function setIn(object, [key, ...path], value) {
  const copy = { ...(object ?? {}) };
  if (path.length > 0) copy[key] = setIn(copy[key], path, value);
  else if (value === undefined || value === '') delete copy[key];
  else copy[key] = value;
  return copy;
}

function Select({ value, options, onChange, ...attributes }) {
  return html`<select ...${attributes} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
    ${options.map((o) => html`<option value=${o}>${o}</option>`)}
  </select>`;
}

function Text({ value, onChange, ...attributes }) {
  return html`<input
    ...${attributes}
    value=${value ?? ''}
    spellcheck="false"
    onInput=${(e) => onChange(e.currentTarget.value)}
  />`;
}

function WeekDays({ value = [], onChange, id, ...attributes }) {
  const toggle = (day, on) => onChange(DAYS.filter((d) => (d === day ? on : value.includes(d))));
  return html`<fieldset class="days" id=${id} ...${attributes}>
    <legend class="visually-hidden">Week days</legend>
    ${DAYS.map(
      (day) =>
        html`<label
          ><input
            type="checkbox"
            checked=${value.includes(day)}
            onChange=${(e) => toggle(day, e.currentTarget.checked)}
          />${day.slice(0, 3)}</label
        >`,
    )}
  </fieldset>`;
}

function CronFields({ entry, set, errorsAt, base }) {
  // Every Cron field is a line of text at `/cron/{name}`.
  const text = (label, name, extra = {}) => {
    const pointer = `${base}/cron/${name}`;
    return html`<${Field} label=${label} pointer=${pointer} errors=${errorsAt(pointer)}>
      ${(a) => html`<${Text} ...${a} ...${extra} value=${entry.cron?.[name]} onChange=${(v) => set(['cron', name], v)} />`}
    <//>`;
  };
  return html`${text('Cron expression (minute hour day month weekday)', 'expression')}
  ${text('Time zone (Windows or IANA)', 'timeZone', { list: 'zone-list' })}
  ${text('Start time (optional, wall clock)', 'startTime', { placeholder: '2026-01-05T00:00:00' })}
  ${text('End time (optional, wall clock)', 'endTime', { placeholder: '2026-12-31T23:59:00' })}`;
}

function RecurrenceFields({ entry, set, errorsAt, base }) {
  const r = entry.recurrence ?? {};
  const at = (f) => `${base}/recurrence/${f}`;
  const field = (label, f, control) =>
    html`<${Field} label=${label} pointer=${at(f)} errors=${errorsAt(at(f))}>${control}<//>`;
  const path = (f) => ['recurrence', ...f.split('/')];
  return html` ${field('Frequency', 'frequency', (a) => html`<${Select} ...${a} value=${r.frequency} options=${FREQUENCIES} onChange=${(v) => set(path('frequency'), v)} />`)}
  ${field(
    'Every (interval)',
    'interval',
    (a) =>
      html`<input
        ...${a}
        type="number"
        min="1"
        value=${r.interval ?? ''}
        onInput=${(e) => set(path('interval'), e.currentTarget.value === '' ? undefined : Number(e.currentTarget.value))}
      />`,
  )}
  ${field('Time zone (Windows or IANA)', 'timeZone', (a) => html`<${Text} ...${a} list="zone-list" value=${r.timeZone} onChange=${(v) => set(path('timeZone'), v)} />`)}
  ${field('Hours', 'schedule/hours', (a) => html`<${ListInput} ...${a} value=${r.schedule?.hours} onChange=${(v) => set(path('schedule/hours'), v)} />`)}
  ${field('Minutes', 'schedule/minutes', (a) => html`<${ListInput} ...${a} value=${r.schedule?.minutes} onChange=${(v) => set(path('schedule/minutes'), v)} />`)}
  ${
    r.frequency === 'Week'
      ? field(
          'Week days',
          'schedule/weekDays',
          (a) =>
            html`<${WeekDays}
              ...${a}
              value=${r.schedule?.weekDays}
              onChange=${(v) => set(path('schedule/weekDays'), v.length ? v : undefined)}
            />`,
        )
      : null
  }
  ${
    r.frequency === 'Month'
      ? field(
          'Month days (negative from the end)',
          'schedule/monthDays',
          (a) =>
            html`<${ListInput}
              ...${a}
              value=${r.schedule?.monthDays}
              onChange=${(v) => set(path('schedule/monthDays'), v.length ? v : undefined)}
            />`,
        )
      : null
  }
  ${field('Start time (optional, wall clock)', 'startTime', (a) => html`<${Text} ...${a} placeholder="2026-01-05T00:00:00" value=${r.startTime} onChange=${(v) => set(path('startTime'), v)} />`)}`;
}

/** One entry; `onChange` gets the whole new entry, `errorsAt(pointer)` the API's reasons for a field. */
export function EntryForm({ entry, index, onChange, onRemove, errorsAt, entryErrors }) {
  const base = `/computeStartStop/${index}`;
  const set = (path, value) => onChange(setIn(entry, path, value));
  const own = (label, f, options) =>
    html`<${Field} label=${label} pointer=${`${base}/${f}`} errors=${errorsAt(`${base}/${f}`)}>
      ${(a) =>
        html`<${Select}
          ...${a}
          value=${entry[f]}
          options=${options}
          onChange=${(v) => (f === 'triggerType' ? onChange(withTrigger(entry, v)) : set([f], v))}
        />`}
    <//>`;
  const props = { entry, set, errorsAt, base };
  return html`<fieldset class="entry" data-entry=${index}>
    <legend>Entry ${index + 1}</legend>
    <div class="row">
      ${own('Action', 'action', ['Start', 'Stop'])} ${own('Status', 'status', ['Enabled', 'Disabled'])}
      ${own('Trigger', 'triggerType', ['Cron', 'Recurrence'])}
    </div>
    <div class="row">
      ${entry.triggerType === 'Recurrence' ? html`<${RecurrenceFields} ...${props} />` : html`<${CronFields} ...${props} />`}
    </div>
    ${entryErrors.map((e) => html`<p class="field-error">${e.pointer}: ${e.reason}</p>`)}
    <p><button type="button" onClick=${onRemove}>Remove entry ${index + 1}</button></p>
  </fieldset>`;
}
