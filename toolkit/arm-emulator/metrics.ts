// Azure Monitor's metrics REST API for the emulated machines (`GET {resource}/providers/Microsoft.Insights/
// metrics`, api-version 2018-01-01 as @azure/arm-monitor calls it): `Percentage CPU` per minute from each
// machine's simulated load, split per scale-set instance by the `VMName` dimension when the filter asks.

import { ArmError } from './arm-error.js';
import type { Fleet } from './fleet/fleet.js';
import type { Resource } from './fleet/resource.js';
import { scaleSetInstanceName } from './representations.js';
import type { ArmResponse } from './routes.js';

export const METRICS_PATH =
  /^(?<resource>\/subscriptions\/(?<sub>[^/]+)\/.+?)\/providers\/Microsoft\.Insights\/metrics$/i;

const CPU = 'Percentage CPU';
/** Azure Monitor keeps 93 days; the emulator keeps two hours of load and refuses longer windows. */
const MAX_WINDOW_MS = 2 * 60 * 60_000;

/** Answers one metrics query for the resource at `resourcePath`. */
export function answerMetrics(fleet: Fleet, resourcePath: string, url: URL, now: number): ArmResponse {
  const resource = fleet.find(decodeURIComponent(resourcePath));
  if (!resource) {
    throw new ArmError(404, 'ResourceNotFound', `The resource '${resourcePath}' was not found.`);
  }
  if (resource.kind === 'computeInstance') {
    throw new ArmError(
      400,
      'BadRequest',
      `Failed to find metric configuration for provider: Microsoft.MachineLearningServices, resource: ${resource.parsed.name}, metric: ${CPU}`,
    );
  }
  const names = (url.searchParams.get('metricnames') ?? '').split(',').map((n) => n.trim());
  if (!names.some((n) => n.toLowerCase() === CPU.toLowerCase())) {
    throw new ArmError(400, 'BadRequest', `The emulator serves only the metric '${CPU}'.`);
  }
  const interval = url.searchParams.get('interval') ?? 'PT1M';
  if (interval.toUpperCase() !== 'PT1M') {
    throw new ArmError(400, 'BadRequest', `Invalid interval '${interval}': the emulator serves PT1M.`);
  }
  const { from, to, timespan } = window(url.searchParams.get('timespan'), now);
  const filter = url.searchParams.get('$filter') ?? '';
  const split = resource.kind === 'pool' && /^\s*vmname\s+eq\s+'\*'\s*$/i.test(filter);
  if (filter !== '' && !split) {
    throw new ArmError(400, 'BadRequest', `The emulator understands only the filter "VMName eq '*'".`);
  }
  return {
    status: 200,
    body: {
      cost: 0,
      timespan,
      interval: 'PT1M',
      namespace:
        resource.parsed.kind === 'pool'
          ? 'Microsoft.Compute/virtualMachineScaleSets'
          : 'Microsoft.Compute/virtualMachines',
      resourceregion: resource.location,
      value: [
        {
          id: `${resource.id}/providers/Microsoft.Insights/metrics/${CPU}`,
          type: 'Microsoft.Insights/metrics',
          name: { value: CPU, localizedValue: CPU },
          displayDescription:
            'The percentage of allocated compute units that are currently in use by the Virtual Machine(s)',
          unit: 'Percent',
          timeseries: timeseries(fleet, resource, from, to, split),
          errorCode: 'Success',
        },
      ],
    },
  };
}

/** One series per instance with `VMName` metadata when split; else the machine's (a pool's: the mean). */
function timeseries(fleet: Fleet, resource: Resource, from: number, to: number, split: boolean): unknown[] {
  const series = fleet.cpuByMinute(resource, from, to);
  const data = (points: { at: number; average?: number }[]) =>
    points.map((p) => ({
      timeStamp: new Date(p.at).toISOString(),
      ...(p.average === undefined ? {} : { average: p.average }),
    }));
  if (split && resource.kind === 'pool') {
    return series.map((s) => ({
      metadatavalues: [
        {
          name: { value: 'vmname', localizedValue: 'vmname' },
          value: scaleSetInstanceName(resource, s.instanceId),
        },
      ],
      data: data(s.points),
    }));
  }
  const minutes = new Map<number, number[]>();
  for (const s of series) {
    for (const p of s.points) {
      const values = minutes.get(p.at) ?? [];
      if (p.average !== undefined) values.push(p.average);
      minutes.set(p.at, values);
    }
  }
  const points = [...minutes]
    .sort(([a], [b]) => a - b)
    .map(([at, values]) =>
      values.length === 0 ? { at } : { at, average: values.reduce((x, y) => x + y, 0) / values.length },
    );
  return [{ metadatavalues: [], data: data(points) }];
}

/** `start/end` in ISO form; absent: the last hour, as Azure Monitor defaults. */
function window(value: string | null, now: number): { from: number; to: number; timespan: string } {
  const [start, end] = (value ?? '').split('/');
  const from = value ? Date.parse(start ?? '') : now - 60 * 60_000;
  const to = value ? Date.parse(end ?? '') : now;
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from || to - from > MAX_WINDOW_MS) {
    throw new ArmError(
      400,
      'BadRequest',
      `Invalid timespan '${value ?? ''}': expected start/end, at most two hours apart.`,
    );
  }
  return {
    from,
    to: Math.min(to, now),
    timespan: `${new Date(from).toISOString()}/${new Date(to).toISOString()}`,
  };
}
