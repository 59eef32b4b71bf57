// The dashboard: the fleet, and for the chosen target its week (planned windows and what ran), its runs,
// act-now buttons and the schedule editor. Everything comes from the JSON API the page is served beside.

import { html, render } from 'htm/preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError, loadWindowsZones } from './api.js';
import { ScheduleEditor } from './editor.js';
import { Fleet, RegisterForm, kindName } from './fleet.js';
import { PoolPanel } from './pool.js';
import { RunHistory } from './runs.js';
import { ianaZone, startOfWeek, viewerZone } from './time.js';
import { WeekView } from './week.js';

const FLEET_REFRESH_IN_MS = 15_000;
const TARGET_REFRESH_IN_MS = 5_000;
const WHILE_PENDING_IN_MS = 1_500;
const WEEK_IN_MS = 7 * 86_400_000;

/** Calls `refresh` now and every `everyInMs` while the page is visible. */
function usePolling(refresh, everyInMs, deps) {
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, everyInMs);
    return () => clearInterval(timer);
  }, [...deps, everyInMs]);
}

async function listTargets() {
  const targets = [];
  let token;
  do {
    const query = `maxPageSize=1000${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`;
    const { data } = await api(`/targets?${query}`);
    targets.push(...data.value);
    token = data.continuationToken;
  } while (token && targets.length < 5000);
  return targets.sort((a, b) => a.name.localeCompare(b.name));
}

async function summarize(target) {
  const [timeline, runs] = await Promise.all([
    api(`/targets/${target.id}/timeline`),
    api(`/targets/${target.id}/runs?maxPageSize=10`),
  ]);
  return { timeline: timeline.data, runs: runs.data.value };
}

function ActNow({ target, onActed }) {
  const [message, setMessage] = useState('');
  const act = async (action) => {
    setMessage(`${action}…`);
    try {
      const { data } = await api(`/targets/${target.id}/actions/${action}`, { method: 'POST' });
      setMessage(`${data.action} requested: run ${data.runId} is ${data.outcome}.`);
    } catch (e) {
      setMessage(`${action} refused: ${e instanceof ApiError ? e.message : String(e)}`);
    }
    onActed();
  };
  return html`<div>
    <div class="actions" role="group" aria-label="Act now">
      <button type="button" onClick=${() => act('start')}>Start now</button>
      <button type="button" onClick=${() => act('stop')}>Stop now</button>
      <button type="button" onClick=${() => act('restart')}>Restart now</button>
    </div>
    <p class="status" role="status">${message}</p>
  </div>`;
}

function ZonePicker({ zoneMode, setZoneMode, scheduleZone, viewer }) {
  const option = (mode, label) =>
    html`<label class="inline">
      <input type="radio" name="zone-mode" checked=${zoneMode === mode} onChange=${() => setZoneMode(mode)} />
      ${label}
    </label>`;
  return html`<fieldset class="days" aria-label="Show times in">
    <legend>Show times in</legend>
    ${option('schedule', `the schedule's zone (${scheduleZone})`)}
    ${option('viewer', `your zone (${viewer})`)}
  </fieldset>`;
}

function useTarget(id) {
  const [detail, setDetail] = useState({});
  const [loads, setLoads] = useState(0);
  const reload = useCallback(() => setLoads((n) => n + 1), []);
  useEffect(() => {
    setDetail({});
    if (id)
      api(`/targets/${id}/schedules`).then(({ data, etag }) =>
        setDetail((d) => ({ ...d, schedules: data, etag })),
      );
  }, [id, loads]);
  return { detail, setDetail, reload, loads };
}

function TargetDetail({ target, windowsZones, viewer, onChanged }) {
  const [zoneMode, setZoneMode] = useState('schedule');
  const [weekOffset, setWeekOffset] = useState(0);
  const { detail, setDetail, reload, loads } = useTarget(target.id);
  const entries = detail.schedules?.computeStartStop ?? [];
  const first = entries.find((e) => e.status !== 'Disabled') ?? entries[0];
  const scheduleZone = first ? ianaZone((first.cron ?? first.recurrence)?.timeZone, windowsZones) : viewer;
  const zone = zoneMode === 'schedule' ? scheduleZone : viewer;
  const weekStart = startOfWeek(Date.now() + weekOffset * WEEK_IN_MS, zone);
  // Accepted: Azure took the call and its event has not said how it ended yet.
  const pending = (detail.runs ?? []).some((r) => r.outcome === 'pending' || r.outcome === 'accepted');
  const refresh = async () => {
    const window = `from=${new Date(weekStart).toISOString()}&to=${new Date(weekStart + WEEK_IN_MS).toISOString()}`;
    const [timeline, runs, poolHistory] = await Promise.all([
      api(`/targets/${target.id}/timeline?${window}`),
      api(`/targets/${target.id}/runs?maxPageSize=100`),
      // A pool's capacity and sessions over the week; the week still shows without them.
      target.kind === 'pool'
        ? api(`/targets/${target.id}/pool/history?${window}`).then(
            (r) => r.data,
            () => undefined,
          )
        : undefined,
    ]);
    setDetail((d) => ({ ...d, timeline: timeline.data, runs: runs.data.value, poolHistory }));
  };
  usePolling(refresh, pending ? WHILE_PENDING_IN_MS : TARGET_REFRESH_IN_MS, [target.id, weekStart, loads]);
  const [notice, setNotice] = useState('');
  const saved = () => {
    setNotice(`Schedule saved at ${new Date().toLocaleTimeString()}.`);
    reload();
    onChanged();
  };
  return html` <section class="panel" aria-labelledby="target-title">
      <h2 id="target-title">${target.name} <span class="note">${kindName(target.kind)}</span></h2>
      <p class="note"><code>${target.resourceId}</code></p>
      <${ActNow}
        target=${target}
        onActed=${() => {
          void refresh();
          onChanged();
        }}
      />
      <${PoolPanel} target=${target} runs=${detail.runs} onActed=${() => void refresh()} />
    </section>
    <section class="panel" aria-labelledby="week-title">
      <h2 id="week-title">Week</h2>
      <div class="row">
        <${ZonePicker}
          zoneMode=${zoneMode}
          setZoneMode=${setZoneMode}
          scheduleZone=${scheduleZone}
          viewer=${viewer}
        />
        <div class="actions" role="group" aria-label="Week">
          <button type="button" onClick=${() => setWeekOffset((w) => w - 1)}>Previous week</button>
          <button type="button" disabled=${weekOffset === 0} onClick=${() => setWeekOffset(0)}>
            This week
          </button>
          <button type="button" onClick=${() => setWeekOffset((w) => w + 1)}>Next week</button>
        </div>
      </div>
      ${
        detail.timeline
          ? html`<${WeekView}
              timeline=${detail.timeline}
              runs=${detail.runs}
              zone=${zone}
              weekStart=${weekStart}
              now=${Date.now()}
              label=${`${target.name}: planned and run`}
              poolHistory=${detail.poolHistory}
            />`
          : html`<p class="note">Loading the week…</p>`
      }
    </section>
    <section class="panel" aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      <${RunHistory} runs=${detail.runs} zone=${zone} />
    </section>
    <section class="panel" aria-labelledby="schedule-title">
      <h2 id="schedule-title">Schedule</h2>
      <p class="status" role="status">${notice}</p>
      ${
        detail.schedules
          ? html`<${ScheduleEditor}
              key=${`${target.id}-${loads}`}
              target=${target}
              schedules=${detail.schedules}
              etag=${detail.etag}
              onSaved=${saved}
              onReload=${reload}
              weekStart=${weekStart}
              windowsZones=${windowsZones}
              viewer=${viewer}
              zone=${zone}
            />`
          : html`<p class="note">Loading the schedule…</p>`
      }
    </section>`;
}

function ZoneList({ windowsZones }) {
  const iana = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return html`<datalist id="zone-list">
    <option value="UTC" />
    ${Object.entries(windowsZones).map(([id, to]) => html`<option value=${id} label=${`Windows → ${to}`} />`)}
    ${iana.map((id) => html`<option value=${id} />`)}
  </datalist>`;
}

function selectedFromHash() {
  return new URLSearchParams(location.hash.slice(1)).get('target') ?? undefined;
}

function Dashboard() {
  const viewer = viewerZone();
  const [targets, setTargets] = useState();
  const [summaries, setSummaries] = useState({});
  const [selectedId, setSelectedId] = useState(selectedFromHash());
  const [windowsZones, setWindowsZones] = useState({});
  const [failure, setFailure] = useState();
  useEffect(() => void loadWindowsZones().then(setWindowsZones), []);
  const refreshFleet = async () => {
    try {
      const list = await listTargets();
      setTargets(list);
      setFailure(undefined);
      const pairs = await Promise.all(
        list.map(async (t) => [t.id, await summarize(t).catch(() => undefined)]),
      );
      setSummaries(Object.fromEntries(pairs.filter(([, s]) => s)));
    } catch (e) {
      setFailure(
        e instanceof ApiError && e.status === 401
          ? 'Sign in to see your targets.'
          : `The API did not answer: ${e.message}`,
      );
    }
  };
  const [fleetLoads, setFleetLoads] = useState(0);
  usePolling(refreshFleet, FLEET_REFRESH_IN_MS, [fleetLoads]);
  const select = (id) => {
    setSelectedId(id);
    history.replaceState(null, '', `${location.pathname}${location.search}#target=${id}`);
  };
  const selected = targets?.find((t) => t.id === selectedId);
  const changed = () => setFleetLoads((n) => n + 1);
  return html` <header class="top">
      <h1>compute-scheduler</h1>
      <span class="who">${targets ? `${targets.length} targets` : ''} · your zone ${viewer}</span>
      <a href="/api/openapi.json">API</a>
    </header>
    ${failure ? html`<p class="error" role="alert">${failure}</p>` : null}
    <main>
      <div>
        <section class="panel" aria-labelledby="fleet-title">
          <h2 id="fleet-title">Fleet</h2>
          <${Fleet}
            targets=${targets}
            summaries=${summaries}
            selectedId=${selectedId}
            onSelect=${select}
            zone=${viewer}
            now=${Date.now()}
          />
        </section>
        <section class="panel" aria-labelledby="register-title">
          <h2 id="register-title">Register a machine</h2>
          <${RegisterForm}
            onRegistered=${(t) => {
              changed();
              select(t.id);
            }}
          />
        </section>
      </div>
      <div>
        ${
          selected
            ? html`<${TargetDetail}
                key=${selected.id}
                target=${selected}
                windowsZones=${windowsZones}
                viewer=${viewer}
                onChanged=${changed}
              />`
            : html`<section class="panel">
                <p class="note">Choose a target in the fleet to see its week, runs and schedule.</p>
              </section>`
        }
      </div>
    </main>
    <${ZoneList} windowsZones=${windowsZones} />`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${Dashboard} />`, root);
