// What the pool reconciler reads of Azure, in its own terms: a scale set's instances from one paged list
// (never a GET per instance, to stay inside ARM's read budget) and Azure Monitor's `Percentage CPU`.

import type { ComputeManagementClient, VirtualMachineScaleSetVM } from '@azure/arm-compute';
import type { MonitorClient, Response as MetricsResponse } from '@azure/arm-monitor';
import type { ParsedResourceId } from '../targets/resource-id.js';
import type { CpuSample, PoolInstance, PoolView } from './pool-gateway.js';
import { virtualMachineState } from './target-state.js';

/** Minutes of CPU history asked for: Azure Monitor's newest minute often lands a few minutes late. */
export const CPU_LOOKBACK_MINUTES = 5;

/**
 * The scale set (capacity, tags) and its instances with their instance views: one GET plus one list request
 * per page of instances. `armReads` counts both.
 */
export async function readPoolView(
  client: ComputeManagementClient,
  parsed: ParsedResourceId,
  abortSignal: AbortSignal,
): Promise<PoolView> {
  const { resourceGroup, name } = parsed;
  const pool = await client.virtualMachineScaleSets.get(resourceGroup, name, { abortSignal });
  let armReads = 1;
  const instances: PoolInstance[] = [];
  const pages = client.virtualMachineScaleSetVMs
    .list(resourceGroup, name, { expand: 'instanceView', abortSignal })
    .byPage();
  for await (const page of pages) {
    armReads++;
    for (const vm of page) instances.push(poolInstance(vm));
  }
  return { capacity: pool.sku?.capacity ?? 0, instances, tags: { ...pool.tags }, armReads };
}

/** One listed instance: power from its instance view, `deleting` from its provisioning state. */
export function poolInstance(vm: VirtualMachineScaleSetVM): PoolInstance {
  const codes = (vm.instanceView?.statuses ?? []).map((status) => status.code);
  const createdAt = vm.timeCreated?.getTime();
  return {
    instanceId: vm.instanceId ?? '',
    power: virtualMachineState(codes).power,
    deleting: vm.provisioningState?.toLowerCase() === 'deleting',
    protectedFromScaleIn: vm.protectionPolicy?.protectFromScaleIn === true,
    ...(createdAt !== undefined && Number.isFinite(createdAt) ? { createdAt } : {}),
  };
}

/**
 * `Percentage CPU` at one-minute grain over the last few minutes: per instance (split by the `VMName`
 * dimension) for a pool, or the machine's own for a VM. One request either way.
 */
export async function readCpuMetrics(
  client: MonitorClient,
  target: { resourceId: string; kind: ParsedResourceId['kind'] },
  now: number,
  abortSignal: AbortSignal,
): Promise<MetricsResponse> {
  const end = Math.floor(now / 60_000) * 60_000;
  const start = end - CPU_LOOKBACK_MINUTES * 60_000;
  return client.metrics.list(target.resourceId.replace(/^\/+/, ''), {
    metricnames: 'Percentage CPU',
    aggregation: 'Average',
    interval: 'PT1M',
    timespan: `${new Date(start).toISOString()}/${new Date(end).toISOString()}`,
    // Without a filter Azure Monitor sums a scale set's instances; `top` bounds the series (default 10).
    ...(target.kind === 'pool' ? { filter: "VMName eq '*'", top: 1000 } : {}),
    abortSignal,
  });
}

/**
 * The newest minute with an average, per series. A scale set's `VMName` is `{scaleSet}_{instanceId}`; a VM's
 * single series has instanceId ''. A series with no average in the window (a machine that was off) has no
 * `percent`, at the window's last minute.
 */
export function cpuSamples(response: MetricsResponse, poolName: string | undefined): CpuSample[] {
  const metric = response.value.find((m) => m.name.value.toLowerCase() === 'percentage cpu');
  const samples: CpuSample[] = [];
  for (const series of metric?.timeseries ?? []) {
    const vmName = series.metadatavalues?.find((m) => m.name?.value.toLowerCase() === 'vmname')?.value;
    const instanceId = poolName === undefined ? '' : instanceIdOf(vmName, poolName);
    if (instanceId === undefined) continue;
    const points = [...(series.data ?? [])].sort((a, b) => a.timeStamp.getTime() - b.timeStamp.getTime());
    const newest = [...points].reverse().find((point) => point.average !== undefined);
    const last = points[points.length - 1];
    if (newest?.average !== undefined) {
      samples.push({ instanceId, percent: newest.average, at: newest.timeStamp.getTime() });
    } else if (last) {
      samples.push({ instanceId, at: last.timeStamp.getTime() });
    }
  }
  return samples.sort((a, b) => compareInstanceIds(a.instanceId, b.instanceId));
}

function instanceIdOf(vmName: string | undefined, poolName: string): string | undefined {
  if (vmName === undefined) return undefined;
  const prefix = `${poolName.toLowerCase()}_`;
  return vmName.toLowerCase().startsWith(prefix) ? vmName.slice(prefix.length) : undefined;
}

function compareInstanceIds(a: string, b: string): number {
  return Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);
}
