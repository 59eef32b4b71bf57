// The page `/connect` answers while a machine wakes: what is happening, how long it usually takes, and a
// refresh that lands on the machine as soon as it runs. Plain HTML, no script, nothing from outside.

import type { PowerState } from '../../compute/gateway.js';
import type { StoredTarget } from '../../store/ports.js';
import type { TargetKind } from '../../targets/resource-id.js';

/** How often the page asks again (seconds): each visit re-reads the machine, and redirects once it runs. */
export const CONNECT_REFRESH_SECONDS = 15;

/** What people usually wait, by kind: Azure's start times plus a JupyterHub's own start. */
const USUAL_WAIT: Record<TargetKind, string> = {
  vm: 'A virtual machine usually takes one to three minutes to start.',
  pool: 'A pool usually takes two to five minutes to bring an instance up and start JupyterHub on it.',
  computeInstance: 'A compute instance usually takes three to five minutes to start.',
};

const STATUS: Record<PowerState, string> = {
  running: 'is running',
  starting: 'is starting',
  stopping: 'is still stopping; it will start again right after',
  stopped: 'was asleep; it is being woken up now',
  poweredOff: 'was powered off; it is being started now',
  unknown: 'is being woken up (Azure could not tell us its state just now)',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface ConnectPageView {
  target: StoredTarget;
  power: PowerState;
  /** The wake's run, when this visit woke the machine (or found a wake in progress). */
  runsUrl?: string;
  runId?: string;
}

export function renderConnectPage(view: ConnectPageView): string {
  const name = escapeHtml(view.target.name);
  const running = view.power === 'running';
  const lines = running
    ? [
        `<p><strong>${name}</strong> is running, but it has no connect address yet.</p>`,
        '<p>Its owner can set one: <code>PATCH /api/targets/{id}</code> with <code>{"connectUrl": "https://…"}</code>.</p>',
      ]
    : [
        `<p><strong>${name}</strong> ${STATUS[view.power]}.</p>`,
        `<p>${USUAL_WAIT[view.target.kind]} This page checks again every ${CONNECT_REFRESH_SECONDS} seconds and takes you there as soon as it is up.</p>`,
        ...(view.runsUrl && view.runId
          ? [
              `<p class="small">Wake request ${escapeHtml(view.runId)}: <a href="${escapeHtml(view.runsUrl)}">run history</a>.</p>`,
            ]
          : []),
      ];
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    ...(running ? [] : [`<meta http-equiv="refresh" content="${CONNECT_REFRESH_SECONDS}">`]),
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${running ? name : `Waking ${name}…`}</title>`,
    '<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}.small{font-size:.85rem;color:#555}</style>',
    '</head>',
    '<body>',
    `<h1>${running ? name : `Waking ${name}`}</h1>`,
    ...lines,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
