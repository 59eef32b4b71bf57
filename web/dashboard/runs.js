// The run history of one target, newest first: what was asked, by what, and how it ended, errors included.

import { html } from 'htm/preact';
import { formatWhen } from './time.js';

function duration(run) {
  if (!run.startedAt || !run.finishedAt) return '';
  const seconds = Math.round((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000);
  return seconds < 90 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

export function RunHistory({ runs, zone }) {
  if (runs === undefined) return html`<p class="note">Loading runs…</p>`;
  if (runs.length === 0)
    return html`<p class="note">No runs yet: they appear when a schedule entry falls due or you act now.</p>`;
  return html`<div class="scroll">
    <table aria-label="Runs">
      <thead>
        <tr>
          <th scope="col">When (${zone})</th>
          <th scope="col">Action</th>
          <th scope="col">Source</th>
          <th scope="col">Outcome</th>
          <th scope="col">Tries</th>
          <th scope="col">Took</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        ${runs.map(
          (run) =>
            html`<tr key=${run.id} data-run-id=${run.id} data-outcome=${run.outcome}>
              <td>${formatWhen(Date.parse(run.occurrence), zone)}</td>
              <td>${run.requestedAction}</td>
              <td>
                ${run.source}${run.requestedBy ? html` <span class="note">(${run.requestedBy})</span>` : null}
              </td>
              <td class=${`outcome outcome-${run.outcome}`}>${run.outcome}</td>
              <td>${run.attempts}</td>
              <td>${duration(run)}</td>
              <td>
                ${run.error ? html`<span class="error">${run.error.code}: ${run.error.message}</span>` : null}
                ${run.note ? html`<span class="note">${run.note}</span>` : null}
                ${run.operation ? html` <code>${run.operation}</code>` : null}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
