// The place for a pool's own controls: capacity and sessions over the week, and the wake and override
// buttons. They show when the API offers them (the target's links name the routes); until then, nothing.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from './api.js';

const ROUTES = [
  ['wake', 'Wake', 'Raise the floor to the wake capacity until the pool is idle again'],
  ['override', 'Override', 'Hold the current state against the schedule'],
];

export function PoolPanel({ target, onActed }) {
  const [message, setMessage] = useState('');
  const offered = ROUTES.filter(([link]) => target.links?.[link]);
  if (offered.length === 0) return null;
  const act = async (link, label) => {
    try {
      await api(target.links[link].replace(/^\/api/, ''), { method: 'POST', body: {} });
      setMessage(`${label} requested.`);
      onActed();
    } catch (e) {
      setMessage(`${label} refused: ${e instanceof ApiError ? e.message : String(e)}`);
    }
  };
  return html`<div class="actions" role="group" aria-label="Pool">
    ${offered.map(([link, label, title]) => html`<button type="button" title=${title} onClick=${() => act(link, label)}>${label}</button>`)}
    <p class="status" role="status">${message}</p>
  </div>`;
}
