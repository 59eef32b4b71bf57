// Bench: 10,000 VMs in 4 subscriptions stopped by one schedule at the same minute, through the local host on
// the real clock (timer driver, queue pollers, Azurite, emulator with the documented limits), next to the
// ideal those limits allow. `BENCH_FANOUT_VMS=4000` a smaller fleet, `BENCH_FANOUT_UNPACED=1` without the
// tick spreading the calls, `BENCH_FANOUT_BOUND_MINUTES` how long to watch after the due minute.

import { availableParallelism } from 'node:os';
import {
  documentedThrottlingLimits,
  type BucketLimit,
  type ThrottlingLimits,
} from '../toolkit/arm-emulator/index.js';
import type { RunOutcome } from '../src/store/ports.js';
import { MINUTE_MS } from './fleet.js';
import { runHostFanout, type HostFanoutResult } from './host-fanout.js';
import { numberKnob } from './knobs.js';
import { formatNumber as fmt } from './stats.js';

export interface IdealFanout {
  perSubscription: number;
  buckets: { name: string; limit: BucketLimit; lastCallInMs: number }[];
  binding: { name: string; lastCallInMs: number };
  idealInMs: number;
}

export interface FanoutResult extends HostFanoutResult {
  paced: boolean;
  ideal: IdealFanout;
}

/**
 * What one execution costs against the documented limits: the executor reads the VM's state (GET instanceView:
 * ARM reads, Compute GetVM) and then deallocates it (POST: ARM writes, Compute VMDeallocate). Per-VM buckets
 * (12 then 4 a minute) hold one call each and never bind. For `n` calls in one subscription, the last call can
 * go at the latest instant any of its buckets lets the n-th token through: (n − capacity) / refill.
 */
export function idealFanout(limits: ThrottlingLimits, vms: number, subscriptions: number): IdealFanout {
  const perSubscription = Math.ceil(vms / subscriptions);
  const limitsByName: [string, BucketLimit][] = [
    ['ARM writes', limits.armWrites],
    ['ARM reads', limits.armReads],
    ['Compute VMDeallocate', limits.compute.vmDeallocate.perSubscription],
    ['Compute GetVM', limits.compute.vmReads.perSubscription],
  ];
  const buckets = limitsByName.map(([name, limit]) => ({
    name,
    limit,
    // Continuous refill, as in Azure: the n-th token after the burst arrives (n − capacity) / rate later.
    lastCallInMs: Math.max(0, ((perSubscription - limit.capacity) / limit.refillPerMinute) * MINUTE_MS),
  }));
  const binding = buckets.reduce((a, b) => (b.lastCallInMs > a.lastCallInMs ? b : a));
  return { perSubscription, buckets, binding, idealInMs: binding.lastCallInMs };
}

/**
 * The local host, as `npm start` runs it, in a child process on the real clock, with `vms` VMs registered in
 * the store all due at one minute and the emulator enforcing the documented limits. `paced: false` turns the
 * tick's spreading off (SCHEDULER_ARM_WRITES_PER_SECOND=0), to show what it buys.
 */
export async function runFanoutBench({
  vms = numberKnob('BENCH_FANOUT_VMS', 10_000),
  paced = process.env.BENCH_FANOUT_UNPACED !== '1',
} = {}): Promise<FanoutResult> {
  const result = await runHostFanout({
    vms,
    boundAfterDueInMs: numberKnob('BENCH_FANOUT_BOUND_MINUTES', 12) * MINUTE_MS,
    env: paced ? {} : { SCHEDULER_ARM_WRITES_PER_SECOND: '0' },
  });
  return { ...result, paced, ideal: idealFanout(documentedThrottlingLimits, vms, result.subscriptions) };
}

const seconds = (v: number | undefined) => (v === undefined ? '—' : fmt(v / 1000, 1));

export function printFanoutBench(r: FanoutResult): void {
  console.log(
    `\n## Fan-out: ${fmt(r.vms)} VMs in ${r.subscriptions} subscriptions stopped by one schedule at the same minute, against the documented limits (local host on the real clock, ARM emulator, Azurite)\n`,
  );
  console.log(
    '| tick spreading | VMs deallocated | POSTs 2xx / 429 | GETs 429 | runs succeeded / accepted / skipped / poisoned / failed / pending | duplicates | first call s | last call s | ideal s | × ideal | load (1/5/15 min) |',
  );
  console.log('|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|');
  const complete = r.deallocated >= r.vms;
  const last = complete
    ? seconds(r.lastCallAfterDueInMs)
    : `not all: ${fmt(r.deallocated)} of ${fmt(r.vms)} in ${seconds(r.observedForInMs)}`;
  const ratio =
    complete && r.ideal.idealInMs > 0 && r.lastCallAfterDueInMs !== undefined
      ? (r.lastCallAfterDueInMs / r.ideal.idealInMs).toFixed(2)
      : '—';
  const o = (outcome: RunOutcome) => fmt(r.runs[outcome] ?? 0);
  console.log(
    `| ${r.paced ? 'on (200 + 10/s per subscription)' : 'off'} | ${fmt(r.deallocated)} | ${fmt(r.succeededPosts)} / ${fmt(r.throttledPosts)} | ${fmt(r.throttledReads)} | ` +
      `${o('succeeded')} / ${o('accepted')} / ${o('skipped-already-there')} / ${o('poisoned')} / ${o('failed')} / ${o('pending')} | ` +
      `${fmt(r.duplicates)} | ${seconds(r.firstCallAfterDueInMs)} | ${last} | ${seconds(r.ideal.idealInMs)} | ${ratio} | ${r.load} |`,
  );
  console.log(`\n${idealNote(r)} ${runNote(r)}`);
  console.log(
    '\nAzurite is one single-threaded process whose table writes cost time in proportion to the table ' +
      '(its in-memory store re-indexes on every insert, update and delete): when its CPU seconds come close to the ' +
      "wall time, the excess over the ideal is its limit, not ARM's or the pipeline's. In Azure, Table Storage " +
      'takes some 2,000 operations a second per partition and 20,000 per account. `BENCH_FANOUT_VMS=4000` shows ' +
      'a fan-out Azurite keeps up with; `BENCH_FANOUT_UNPACED=1` the same without the tick spreading the calls.',
  );
}

/** The ideal's buckets, and when the last call landed in each subscription and minute. */
function idealNote(r: FanoutResult): string {
  const b = r.ideal;
  const buckets = b.buckets
    .map(
      (x) =>
        `${x.name} ${fmt(x.limit.capacity)} + ${fmt(x.limit.refillPerMinute)}/min → last call at ${fmt(x.lastCallInMs / 1000)} s`,
    )
    .join('; ');
  const bySubscription = Object.entries(r.lastBySubscription)
    .map(([sub, at]) => `${sub.slice(0, 8)}… ${fmt(at / 1000, 1)} s`)
    .join(', ');
  const perMinute = Object.entries(r.perMinute)
    .map(([m, n]) => `${m}: ${fmt(n)}`)
    .join(', ');
  return (
    `Ideal for ${fmt(b.perSubscription)} VMs per subscription (one state read and one deallocate each; per-VM buckets never bind): ` +
    `${buckets}. ${b.binding.name} binds. "Last call" is the emulator's arrival time of the last successful deallocate ` +
    `minus the due minute, per subscription: ${bySubscription}. Successful deallocates per minute after due: ${perMinute}.`
  );
}

/** How the fleet was seeded, how long an execution took and where the CPU went. */
function runNote(r: FanoutResult): string {
  const ms = (v: number | undefined) => (v === undefined ? '—' : fmt(v));
  return (
    `The ${fmt(r.vms)} targets were registered through the store (\`targets.create\`, \`schedules.replace\`) in ` +
    `${fmt(r.seedInMs / 1000, 1)} s before the due minute; the host ran the timer and the queue pollers in a ` +
    `child process (its memory is in the memory table). One execution (run started → recorded) took ` +
    `p50 ${ms(r.execution.p50InMs)} ms, p90 ${ms(r.execution.p90InMs)} ms, max ${ms(r.execution.maxInMs)} ms; ` +
    `CPU seconds used: host ${fmt(r.cpuInS.host, 1)}, Azurite ${fmt(r.cpuInS.azurite ?? 0, 1)}, ` +
    `emulator and bench ${fmt(r.cpuInS.emulatorAndBench, 1)}, over ${fmt(r.wallInS)} s of wall time on ` +
    `${availableParallelism()} cores.`
  );
}
