// The fleet: every target the viewer may see, with its kind, state, owner and next action, and a form to
// register another machine by its ARM resource id.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import { formatWhen } from './time.js';

const KINDS = { vm: 'VM', pool: 'Pool', computeInstance: 'ML compute instance' };
export const kindName = (kind) => KINDS[kind] ?? kind;

const SETTLED = new Set(['succeeded', 'skipped-already-there']);
const DONE = { Start: 'running', Stop: 'stopped', Restart: 'running' };
const GOING = { Start: 'starting…', Stop: 'stopping…', Restart: 'restarting…' };

/**
 * What the run history says of the machine: the newest settled action, or one on its way. The API has no
 * power-state read; the runs record what the scheduler did and saw.
 */
export function stateFromRuns(runs) {
  const live = runs.find((r) => r.outcome !== 'superseded');
  if (!live) return { text: 'no runs yet', outcome: undefined };
  if (live.outcome === 'pending' || live.outcome === 'accepted') {
    return { text: GOING[live.requestedAction], outcome: 'pending' };
  }
  if (SETTLED.has(live.outcome)) return { text: DONE[live.requestedAction], outcome: 'succeeded' };
  const settled = runs.find((r) => SETTLED.has(r.outcome));
  const before = settled ? `, was ${DONE[settled.requestedAction]}` : '';
  return { text: `${live.requestedAction} ${live.outcome}${before}`, outcome: live.outcome };
}

/** The first point of the timeline after now. */
export function nextAction(timeline, now) {
  return timeline?.points.find((p) => Date.parse(p.at) > now);
}

function FleetRow({ target, summary, selected, onSelect, zone, now }) {
  const state = summary ? stateFromRuns(summary.runs) : undefined;
  const next = summary ? nextAction(summary.timeline, now) : undefined;
  return html`<tr class=${selected ? 'selected' : ''} data-target-id=${target.id}>
    <td>
      <button class="link" aria-current=${selected ? 'true' : undefined} onClick=${() => onSelect(target.id)}>
        ${target.name}
      </button>
    </td>
    <td>${kindName(target.kind)}</td>
    <td class=${state?.outcome ? `outcome-${state.outcome}` : ''} data-field="state">
      ${state?.text ?? '…'}
    </td>
    <td>${target.owner?.name ?? target.owner?.id}</td>
    <td data-field="next">
      ${next ? html`${next.action} <span class="note">${formatWhen(Date.parse(next.at), zone)}</span>` : summary ? 'none this week' : '…'}
    </td>
  </tr>`;
}

/** The fleet table. `summaries` maps a target id to its runs and next week's timeline. */
export function Fleet({ targets, summaries, selectedId, onSelect, zone, now }) {
  if (targets === undefined) return html`<p class="note">Loading targets…</p>`;
  if (targets.length === 0) return html`<p class="note">No targets yet: register one below.</p>`;
  return html`<div class="scroll">
    <table aria-label="Fleet" data-complete=${targets.every((t) => summaries[t.id]) ? 'true' : 'false'}>
      <thead>
        <tr>
          <th scope="col">Target</th>
          <th scope="col">Kind</th>
          <th scope="col">State</th>
          <th scope="col">Owner</th>
          <th scope="col">Next action (${zone})</th>
        </tr>
      </thead>
      <tbody>
        ${targets.map(
          (target) =>
            html`<${FleetRow}
              key=${target.id}
              target=${target}
              summary=${summaries[target.id]}
              selected=${target.id === selectedId}
              onSelect=${onSelect}
              zone=${zone}
              now=${now}
            />`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** Registers a machine by resource id (idempotent: a known one answers with its target). */
export function RegisterForm({ onRegistered }) {
  const [resourceId, setResourceId] = useState('');
  const [error, setError] = useState();
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { data } = await api('/targets', { method: 'POST', body: { resourceId: resourceId.trim() } });
      setResourceId('');
      onRegistered(data);
    } catch (e) {
      setError(e instanceof ApiError ? (e.errors[0]?.reason ?? e.message) : String(e));
    } finally {
      setBusy(false);
    }
  };
  return html`<form onSubmit=${submit} novalidate>
    <div class="field">
      <label for="register-resource-id">ARM resource id of a VM, scale set or ML compute instance</label>
      <input
        id="register-resource-id"
        value=${resourceId}
        onInput=${(e) => setResourceId(e.currentTarget.value)}
        placeholder="/subscriptions/…/providers/Microsoft.Compute/virtualMachines/vm-1"
        spellcheck="false"
        aria-invalid=${error ? 'true' : 'false'}
        aria-describedby=${error ? 'register-error' : undefined}
      />
      ${error ? html`<p class="field-error" id="register-error" role="alert">${error}</p>` : null}
    </div>
    <p><button class="primary" disabled=${busy || !resourceId.trim()}>Register</button></p>
  </form>`;
}
