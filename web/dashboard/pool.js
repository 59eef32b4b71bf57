// A target's controls beyond act-now: wake it (a pool to its wake capacity) and override its schedule for
// a while. They show when the API offers them: the target's links name the routes.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';

const HOUR_IN_MS = 3_600_000;
const route = (link) => link.replace(/^\/api/, '');
const reason = (e) => (e instanceof ApiError ? e.message : String(e));

/** The override in force, or undefined (the API answers 404 when there is none). */
async function overrideOf(target) {
  try {
    return (await api(route(target.links.override))).data;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
}

const WEEK_IN_MS = 7 * 24 * HOUR_IN_MS;

/** An override leaves a run in the history: only then is there one to ask for (at most seven days long). */
const mayHaveOverride = (runs) =>
  (runs ?? []).some((r) => r.source === 'override' && Date.parse(r.occurrence) > Date.now() - WEEK_IN_MS);

export function PoolPanel({ target, runs, onActed }) {
  const [message, setMessage] = useState('');
  const [override, setOverride] = useState();
  const [hours, setHours] = useState(2);
  const links = target.links ?? {};
  const hinted = Boolean(links.override) && mayHaveOverride(runs);
  useEffect(() => {
    if (hinted) overrideOf(target).then(setOverride, (e) => setMessage(reason(e)));
    else setOverride(undefined);
  }, [target.id, hinted]);
  if (!links.wake && !links.override) return null;
  const call = async (label, link, options, after) => {
    try {
      const { data } = await api(route(link), options);
      if (after) after(data);
      setMessage(`${label} requested.`);
      onActed();
    } catch (e) {
      setMessage(`${label} refused: ${reason(e)}`);
    }
  };
  const hold = (state) => {
    const until = new Date(Date.now() + hours * HOUR_IN_MS).toISOString().replace(/\.\d+Z$/, 'Z');
    const label = state === 'Running' ? 'Keep running' : 'Keep stopped';
    return call(label, links.override, { method: 'POST', body: { until, state } }, setOverride);
  };
  return html`<div class="actions" role="group" aria-label="Wake and override">
    ${
      links.wake &&
      html`<button
        type="button"
        title="Start it now (a pool: up to its wake capacity) until it is idle again"
        onClick=${() => call('Wake', links.wake, { method: 'POST', body: {} })}
      >
        Wake
      </button>`
    }
    ${
      links.override &&
      html`<label>
          For
          <input
            type="number"
            min="1"
            max="168"
            value=${hours}
            onInput=${(e) => setHours(Number(e.currentTarget.value) || 1)}
            aria-label="Override hours"
          />
          h
        </label>
        <button type="button" onClick=${() => hold('Running')}>Keep running</button>
        <button type="button" onClick=${() => hold('Stopped')}>Keep stopped</button>
        ${
          override &&
          html`<button
            type="button"
            onClick=${() => call('End override', links.override, { method: 'DELETE' }, () => setOverride(undefined))}
          >
            End override
          </button>`
        }`
    }
    <p class="status" role="status">
      ${override ? `Schedule suspended: ${override.state.toLowerCase()} until ${new Date(override.until).toLocaleString()}. ` : ''}${message}
    </p>
  </div>`;
}
