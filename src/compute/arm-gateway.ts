// The ComputeGateway on Azure Resource Manager, through the real SDK clients: Stop deallocates VMs (never a
// plain power-off, which still bills), scales pools to zero and stops ML instances. Every call has a deadline,
// a few quick retries at most, and maps Azure's answers onto the gateway's error family.

import type { Agent } from 'node:https';
import { ComputeManagementClient, type VirtualMachineScaleSet } from '@azure/arm-compute';
import { AzureMachineLearningWorkspaces, type ComputeInstance } from '@azure/arm-machinelearning';
import { isRestError, type Pipeline } from '@azure/core-rest-pipeline';
import { MonitorClient } from '@azure/arm-monitor';
import type { TokenCredential } from '@azure/identity';
import { systemClock, type Clock } from '../clock.js';
import { appCredential } from '../credential.js';
import { InvalidResourceIdError, parseResourceId, type ParsedResourceId } from '../targets/resource-id.js';
import {
  AccessDeniedError,
  ComputeError,
  isInDesiredState,
  stateAfter,
  OperationFailedError,
  TargetChangedError,
  TargetConflictError,
  TargetNotFoundError,
  ThrottledError,
  TransientError,
  type ActOptions,
  type ActResult,
  type ComputeGateway,
  type ReadStateOptions,
  type Machine,
  type TargetAction,
  type PoolModel,
  type TargetState,
} from './gateway.js';
import {
  cappedRetryPolicy,
  isTransportErrorCode,
  retryAfterInMs,
  type CappedRetryOptions,
} from './retry-policy.js';
import { armTelemetryPolicy } from '../telemetry/arm-telemetry.js';
import { cpuSamples, readCpuMetrics, readPoolView } from './arm-pool.js';
import type { CpuSample, PoolGateway, PoolView, ScaleOptions, ScaleResult } from './pool-gateway.js';
import { computeInstanceState, poolState, virtualMachineState } from './target-state.js';

/** Tag on a pool that remembers its capacity when the scheduler scales it to zero, so Start can restore it. */
export const WAKE_CAPACITY_TAG = 'compute-scheduler-wake-capacity';

/** Options of {@link ArmComputeGateway}; every one has a default that suits Azure. */
export interface ArmComputeGatewayOptions {
  /**
   * How the gateway authenticates to ARM.
   * @default `appCredential(undefined)`: the developer's own sign-in (the app passes its managed identity)
   */
  credential?: TokenCredential;
  /**
   * ARM endpoint; the local emulator's `url` when running locally.
   * @default `https://management.azure.com`
   */
  endpoint?: string;
  /**
   * Token scope.
   * @default `https://management.azure.com/.default`
   */
  credentialScope?: string;
  /** HTTPS agent for every request, e.g. `new https.Agent({ ca: emulator.certificatePem })`. Default: Node's. */
  agent?: Agent;
  /**
   * Pause between polls of a long-running operation, within Compute's poll budget of 15 a minute.
   * @default 5000
   */
  pollIntervalInMs?: number;
  /**
   * Deadline for a whole readState or act call, retries and polling included.
   * @default 300000 (5 minutes)
   */
  timeoutInMs?: number;
  /**
   * Quick retries inside a call for 5xx, 408 and dropped connections.
   * @default 2
   */
  maxRetries?: number;
  /**
   * First retry back-off, doubling after.
   * @default 1000
   */
  retryDelayInMs?: number;
  /**
   * Longest back-off between quick retries.
   * @default 8000
   */
  maxRetryDelayInMs?: number;
  /**
   * Longest Retry-After waited out inside a call; longer ones become ThrottledError for the queue to wait.
   * @default 5000
   */
  maxRetryAfterInMs?: number;
  /**
   * Where "now" comes from for the CPU window (the simulator's virtual clock locally).
   * @default the system clock
   */
  clock?: Clock;
  /**
   * Delay suggested for a 429 that carries no Retry-After (Compute's buckets refill per minute).
   * @default 60000
   */
  defaultThrottleDelayInMs?: number;
}

const ARM_ENDPOINT = 'https://management.azure.com';
const LRO_FAILURE = /^The long-running operation has failed\. ([^.]*)\. ([\s\S]*)$/;

/** What the SDK pollers (core-lro 2 and 3) have in common. */
interface StartedOperation {
  pollUntilDone(options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

function poolModel(pool: VirtualMachineScaleSet): PoolModel {
  return {
    capacity: pool.sku?.capacity ?? 0,
    tags: { ...pool.tags },
    ...(pool.etag ? { etag: pool.etag } : {}),
  };
}

/** One action on a pool, as performOnPool hands it on. */
interface PoolCall {
  parsed: ParsedResourceId;
  target: Machine;
  wait: boolean;
  context: CallContext;
  /** What the caller has just read of the pool (ActOptions.knownState). */
  known: TargetState | undefined;
}

/** The signals of one call: the caller's, the deadline's, and both combined for the SDK. */
interface CallContext {
  signal: AbortSignal;
  deadline: AbortSignal;
  callerSignal: AbortSignal | undefined;
}

/**
 * The {@link ComputeGateway} on Azure Resource Manager, through `@azure/arm-compute` and
 * `@azure/arm-machinelearning` (one client per subscription, the SDK's retry policy replaced by a capped one:
 * docs/decisions/0002-capped-sdk-retries.md). Stop deallocates VMs, scales pools to zero (recording their
 * capacity in the {@link WAKE_CAPACITY_TAG} tag for the next Start) and stops ML compute instances.
 */
export class ArmComputeGateway implements ComputeGateway, PoolGateway {
  private readonly credential: TokenCredential;
  private readonly endpoint: string;
  private readonly pollIntervalInMs: number;
  private readonly timeoutInMs: number;
  private readonly defaultThrottleDelayInMs: number;
  private readonly retry: CappedRetryOptions;
  private readonly computeClients = new Map<string, ComputeManagementClient>();
  private readonly machineLearningClients = new Map<string, AzureMachineLearningWorkspaces>();
  private readonly monitorClients = new Map<string, MonitorClient>();
  private readonly clock: Clock;

  /** @param options see {@link ArmComputeGatewayOptions}; all optional */
  constructor(private readonly options: ArmComputeGatewayOptions = {}) {
    this.credential = options.credential ?? appCredential(undefined);
    this.endpoint = (options.endpoint ?? ARM_ENDPOINT).replace(/\/+$/, '');
    this.pollIntervalInMs = options.pollIntervalInMs ?? 5000;
    this.timeoutInMs = options.timeoutInMs ?? 5 * 60_000;
    this.defaultThrottleDelayInMs = options.defaultThrottleDelayInMs ?? 60_000;
    this.clock = options.clock ?? systemClock;
    this.retry = {
      maxRetries: options.maxRetries ?? 2,
      retryDelayInMs: options.retryDelayInMs ?? 1000,
      maxRetryDelayInMs: options.maxRetryDelayInMs ?? 8000,
      maxRetryAfterInMs: options.maxRetryAfterInMs ?? 5000,
    };
  }

  /**
   * Reads the power state: a VM's instance view, a pool's capacity and instance summary, an ML compute
   * instance's state.
   * @throws InvalidResourceIdError when the resource id does not parse or names another kind than `target.kind`
   * @throws TargetNotFoundError also when a workspace compute is not a compute instance
   * @throws ComputeError subclasses as {@link ComputeGateway.readState} lists; TransientError (code `Timeout`)
   *   when the deadline passes
   */
  async readState(target: Machine, options: ReadStateOptions = {}): Promise<TargetState> {
    const parsed = parseTarget(target);
    return this.withDeadline(target.resourceId, options.abortSignal, (context) => this.read(parsed, context));
  }

  /**
   * Starts, stops or restarts the machine. When Azure refuses (a 409, or a failed operation), one read tells
   * whether the machine is already where it was asked to go (`alreadyInState`) from a real conflict. Once
   * Azure has accepted an operation, losing sight of it while waiting (throttled polls, the deadline) is
   * `accepted`, not an error: retrying could only conflict with it.
   * @throws InvalidResourceIdError when the resource id does not parse or names another kind than `target.kind`
   * @throws ComputeError subclasses as {@link ComputeGateway.act} lists; TransientError (code `Timeout`) when
   *   the deadline passes before Azure accepted the call
   */
  async act(target: Machine, action: TargetAction, options: ActOptions): Promise<ActResult> {
    const parsed = parseTarget(target);
    const wait = options.waitForCompletion;
    return this.withDeadline(target.resourceId, options.abortSignal, async (context) => {
      try {
        return await this.perform(parsed, target, action, { wait, known: options.knownState }, context);
      } catch (error) {
        const mapped = this.toComputeError(error, target.resourceId);
        if (!(mapped instanceof TargetConflictError || mapped instanceof OperationFailedError)) throw mapped;
        // A refusal may only mean the machine is already where we wanted it (Azure ML refuses to start a
        // running instance); one read tells that apart from a real conflict and lets the engine see the state.
        const state = await this.read(parsed, context).catch(() => undefined);
        if (state && action !== 'restart' && isInDesiredState(state, stateAfter(action))) {
          return { action, outcome: 'alreadyInState' };
        }
        if (mapped instanceof TargetConflictError && state) {
          throw new TargetConflictError(mapped.message, {
            resourceId: mapped.resourceId,
            statusCode: mapped.statusCode,
            code: mapped.code,
            state,
            cause: mapped.cause,
          });
        }
        throw mapped;
      }
    });
  }

  /**
   * Reads the machine's tags: the VM, the scale set or the workspace compute resource.
   * @throws InvalidResourceIdError when the resource id does not parse or names another kind than `target.kind`
   * @throws ComputeError subclasses as {@link ComputeGateway.readTags} lists
   */
  async readTags(target: Machine, options: ReadStateOptions = {}): Promise<Record<string, string>> {
    const parsed = parseTarget(target);
    const { resourceGroup, name } = parsed;
    return this.withDeadline(target.resourceId, options.abortSignal, async ({ signal: abortSignal }) => {
      switch (parsed.kind) {
        case 'vm':
          return (
            (await this.compute(parsed).virtualMachines.get(resourceGroup, name, { abortSignal })).tags ?? {}
          );
        case 'pool':
          return (
            (await this.compute(parsed).virtualMachineScaleSets.get(resourceGroup, name, { abortSignal }))
              .tags ?? {}
          );
        case 'computeInstance': {
          const workspace = parsed.workspace ?? '';
          const computes = this.machineLearning(parsed).computeOperations;
          return (await computes.get(resourceGroup, workspace, name, { abortSignal })).tags ?? {};
        }
      }
    });
  }

  /**
   * The pool's capacity, tags and instances (power, deleting, protection, creation time): one GET of the scale
   * set and one list request per page of instances, never a GET per instance.
   * @throws InvalidResourceIdError when the target is not a pool
   * @throws ComputeError subclasses as {@link ComputeGateway.readState} lists (ThrottledError on a 429)
   */
  async readPool(target: Machine, options: ReadStateOptions = {}): Promise<PoolView> {
    const parsed = parsePool(target);
    return this.withDeadline(target.resourceId, options.abortSignal, (context) =>
      readPoolView(this.compute(parsed), parsed, context.signal),
    );
  }

  /**
   * Sets the pool's `sku.capacity` (only that: its tags stay). The same capacity is `alreadyInState`, no call.
   * @param options `currentCapacity`: the capacity just read, else the gateway reads it first
   * @throws RangeError when `capacity` is not a whole number from 0 to 1000
   * @throws ComputeError subclasses as {@link ComputeGateway.act} lists
   */
  async scalePool(target: Machine, capacity: number, options: ScaleOptions): Promise<ScaleResult> {
    const parsed = parsePool(target);
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > 1000) {
      throw new RangeError(`compute: a pool's capacity is a whole number from 0 to 1000, not ${capacity}`);
    }
    return this.withDeadline(target.resourceId, options.abortSignal, async (context) => {
      const from = options.currentCapacity ?? (await this.capacityOf(parsed, context));
      if (from === capacity) {
        return { outcome: 'alreadyInState', operation: 'scale', capacity: { from, to: capacity } };
      }
      const { resourceGroup, name } = parsed;
      const lro = { abortSignal: context.signal, updateIntervalInMs: this.pollIntervalInMs };
      const scaleSets = this.compute(parsed).virtualMachineScaleSets;
      const update = () => submitted(scaleSets.update(resourceGroup, name, { sku: { capacity } }, lro));
      const ran = await this.runOperation(update, options.waitForCompletion, context);
      return { operation: 'scale', capacity: { from, to: capacity }, ...ran };
    });
  }

  /**
   * Deletes exactly these instances (`POST …/delete` with their ids); Azure lowers the capacity by as many.
   * No ids is `alreadyInState`, no call. An id the pool does not have is Azure's 400 (OperationFailedError).
   * @param options `currentCapacity`: the capacity just read, else the gateway reads it first
   * @throws ComputeError subclasses as {@link ComputeGateway.act} lists
   */
  async removePoolInstances(
    target: Machine,
    instanceIds: string[],
    options: ScaleOptions,
  ): Promise<ScaleResult> {
    const parsed = parsePool(target);
    const ids = [...new Set(instanceIds)];
    return this.withDeadline(target.resourceId, options.abortSignal, async (context) => {
      const from = options.currentCapacity ?? (await this.capacityOf(parsed, context));
      const to = Math.max(0, from - ids.length);
      if (ids.length === 0) {
        return { outcome: 'alreadyInState', operation: 'deleteInstances', capacity: { from, to } };
      }
      const { resourceGroup, name } = parsed;
      const lro = { abortSignal: context.signal, updateIntervalInMs: this.pollIntervalInMs };
      const scaleSets = this.compute(parsed).virtualMachineScaleSets;
      const remove = () =>
        submitted(scaleSets.deleteInstances(resourceGroup, name, { instanceIds: ids }, lro));
      const ran = await this.runOperation(remove, options.waitForCompletion, context);
      return { operation: 'deleteInstances', capacity: { from, to }, ...ran };
    });
  }

  /**
   * `Percentage CPU` from Azure Monitor, the newest minute with data in the last few: per instance for a pool
   * (one request, split by `VMName`), one sample with instanceId '' for a VM. An Azure ML compute instance has
   * no such metric in Azure Monitor: it gives no samples (give it a reporter instead).
   * @throws ComputeError subclasses as {@link ComputeGateway.readState} lists
   */
  async readCpu(target: Machine, options: ReadStateOptions = {}): Promise<CpuSample[]> {
    const parsed = parseTarget(target);
    if (parsed.kind === 'computeInstance') return [];
    return this.withDeadline(target.resourceId, options.abortSignal, async (context) => {
      const response = await readCpuMetrics(this.monitor(parsed), target, this.clock.now(), context.signal);
      return cpuSamples(response, parsed.kind === 'pool' ? parsed.name : undefined);
    });
  }

  private async capacityOf(parsed: ParsedResourceId, context: CallContext): Promise<number> {
    const pool = await this.compute(parsed).virtualMachineScaleSets.get(parsed.resourceGroup, parsed.name, {
      abortSignal: context.signal,
    });
    return pool.sku?.capacity ?? 0;
  }

  private async read(parsed: ParsedResourceId, context: CallContext): Promise<TargetState> {
    const { resourceGroup, name } = parsed;
    const abortSignal = context.signal;
    switch (parsed.kind) {
      case 'vm': {
        const view = await this.compute(parsed).virtualMachines.instanceView(resourceGroup, name, {
          abortSignal,
        });
        return virtualMachineState((view.statuses ?? []).map((status) => status.code));
      }
      case 'pool': {
        const client = this.compute(parsed);
        const pool = await client.virtualMachineScaleSets.get(resourceGroup, name, { abortSignal });
        // When the instances cannot be read, the error says what the model read was: enough for a Start or
        // Stop to write from (conditionally), so an attempt need not get three requests through, only two.
        const view = await client.virtualMachineScaleSets
          .getInstanceView(resourceGroup, name, { abortSignal })
          .catch((error: unknown) => {
            throw this.retryableWith(error, parsed.normalizedId, { lastRead: poolModel(pool) });
          });
        const instances = (view.virtualMachine?.statusesSummary ?? []).flatMap((summary) =>
          summary.code === undefined ? [] : [{ code: summary.code, count: summary.count ?? 0 }],
        );
        const state = poolState(pool.sku?.capacity ?? 0, instances, recordedWakeCapacity(pool.tags));
        return { ...state, tags: { ...pool.tags }, ...(pool.etag ? { etag: pool.etag } : {}) };
      }
      case 'computeInstance': {
        const resource = await this.machineLearning(parsed).computeOperations.get(
          resourceGroup,
          parsed.workspace ?? '',
          name,
          { abortSignal },
        );
        if (resource.properties?.computeType !== 'ComputeInstance') {
          throw new TargetNotFoundError(
            `compute: '${name}' in workspace '${parsed.workspace}' is a ${resource.properties?.computeType ?? 'compute'} ` +
              'target, not a compute instance',
            { resourceId: parsed.normalizedId, code: 'NotAComputeInstance' },
          );
        }
        return computeInstanceState((resource.properties as ComputeInstance).properties?.state);
      }
    }
  }

  private async perform(
    parsed: ParsedResourceId,
    target: Machine,
    action: TargetAction,
    { wait, known }: { wait: boolean; known: TargetState | undefined },
    context: CallContext,
  ): Promise<ActResult> {
    const { resourceGroup, name } = parsed;
    const lro = { abortSignal: context.signal, updateIntervalInMs: this.pollIntervalInMs };
    switch (parsed.kind) {
      case 'vm': {
        const vms = this.compute(parsed).virtualMachines;
        const operation = action === 'start' ? 'start' : action === 'stop' ? 'deallocate' : 'restart';
        const run = { start: vms.start, deallocate: vms.deallocate, restart: vms.restart }[operation];
        return {
          action,
          operation,
          ...(await this.runOperation(() => submitted(run(resourceGroup, name, lro)), wait, context)),
        };
      }
      case 'pool':
        return this.performOnPool({ parsed, target, wait, context, known }, action);
      case 'computeInstance': {
        const computes = this.machineLearning(parsed).computeOperations;
        const workspace = parsed.workspace ?? '';
        // Azure ML's SDK polls the operation once before begin* returns: a first poll throttled or failing
        // would hide that Azure took the POST, and the retry would send it again. Its answer is watched here.
        let accepted = false;
        const options = {
          ...lro,
          onResponse: (response: { request: { method: string }; status: number }) => {
            if (response.request.method === 'POST' && response.status < 300) accepted = true;
          },
        };
        const begin =
          action === 'start'
            ? () => computes.beginStart(resourceGroup, workspace, name, options)
            : action === 'stop'
              ? () => computes.beginStop(resourceGroup, workspace, name, options)
              : () => computes.beginRestart(resourceGroup, workspace, name, options);
        return {
          action,
          operation: action,
          ...(await this.runOperation(begin, wait, context, () => accepted)),
        };
      }
    }
  }

  /** Pools wake by scaling from zero to their wake capacity and sleep by scaling to zero, recording the size. */
  private async performOnPool(call: PoolCall, action: TargetAction): Promise<ActResult> {
    const { parsed, wait, context } = call;
    const { resourceGroup, name } = parsed;
    const scaleSets = this.compute(parsed).virtualMachineScaleSets;
    const lro = { abortSignal: context.signal, updateIntervalInMs: this.pollIntervalInMs };
    if (action === 'restart') {
      return {
        action,
        operation: 'restart',
        ...(await this.runOperation(
          () => submitted(scaleSets.restart(resourceGroup, name, lro)),
          wait,
          context,
        )),
      };
    }
    const known = call.known;
    const pool: PoolModel =
      known?.capacity !== undefined && known.tags !== undefined
        ? { capacity: known.capacity, tags: known.tags, ...(known.etag ? { etag: known.etag } : {}) }
        : poolModel(
            await this.beforeWrite(call.target.resourceId, () =>
              scaleSets.get(resourceGroup, name, { abortSignal: context.signal }),
            ),
          );
    return action === 'stop' ? this.sleepPool(call, pool) : this.wakePool(call, pool);
  }

  /** Scales the pool to zero, remembering its size in a tag for the next wake. */
  private async sleepPool(call: PoolCall, pool: PoolModel): Promise<ActResult> {
    const { parsed, target, context } = call;
    const { name } = parsed;
    if (pool.capacity === 0) {
      const state = await this.beforeWrite(call.target.resourceId, () => this.read(parsed, context));
      if (state.power === 'stopped') return { action: 'stop', outcome: 'alreadyInState' };
      throw new TargetConflictError(`compute: pool '${name}' is still scaling to zero`, {
        resourceId: target.resourceId,
        code: 'ScaleInInProgress',
        state,
      });
    }
    const tags = { ...pool.tags, [WAKE_CAPACITY_TAG]: String(pool.capacity) };
    return this.scalePoolFrom(call, pool, { action: 'stop', capacity: 0, tags });
  }

  /** Scales an empty pool to its wake capacity, or starts the instances someone else deallocated. */
  private async wakePool(call: PoolCall, pool: PoolModel): Promise<ActResult> {
    const { parsed, target, wait, context } = call;
    const { resourceGroup, name } = parsed;
    if (pool.capacity === 0) {
      const wake = validCapacity(target.wakeCapacity) ?? recordedWakeCapacity(pool.tags) ?? 1;
      return this.scalePoolFrom(call, pool, { action: 'start', capacity: wake });
    }
    // A state read from the model alone says nothing of the instances' power: read them.
    const known = call.known?.power === 'unknown' ? undefined : call.known;
    const state = known ?? (await this.beforeWrite(target.resourceId, () => this.read(parsed, context)));
    if (state.power === 'running') return { action: 'start', outcome: 'alreadyInState' };
    const lro = { abortSignal: context.signal, updateIntervalInMs: this.pollIntervalInMs };
    const scaleSets = this.compute(parsed).virtualMachineScaleSets;
    const start = () => submitted(scaleSets.start(resourceGroup, name, lro));
    return { action: 'start', operation: 'start', ...(await this.runOperation(start, wait, context)) };
  }

  /**
   * PATCHes the pool's capacity (and tags), conditional on the ETag it was read with, so a pool someone
   * changed since is refused (412) rather than overwritten. When the write is throttled or fails, the error
   * carries what it was made from (`lastRead`): the next attempt can send it again without reading first.
   */
  private async scalePoolFrom(
    call: PoolCall,
    pool: PoolModel,
    change: { action: 'start' | 'stop'; capacity: number; tags?: Record<string, string> },
  ): Promise<ActResult> {
    const { parsed, target, wait, context } = call;
    const scaleSets = this.compute(parsed).virtualMachineScaleSets;
    const options = {
      abortSignal: context.signal,
      updateIntervalInMs: this.pollIntervalInMs,
      ...(pool.etag ? { ifMatch: pool.etag } : {}),
    };
    const body = { sku: { capacity: change.capacity }, ...(change.tags ? { tags: change.tags } : {}) };
    const update = () => submitted(scaleSets.update(parsed.resourceGroup, parsed.name, body, options));
    try {
      return {
        action: change.action,
        operation: 'scale',
        capacity: { from: pool.capacity, to: change.capacity },
        ...(await this.runOperation(update, wait, context)),
      };
    } catch (error) {
      throw this.retryableWith(error, target.resourceId, { lastRead: pool });
    }
  }

  /**
   * Sends a long-running operation and, when asked, waits for it. Once Azure has accepted it, losing sight of
   * it (throttled or failing polls, the deadline) is `accepted`, not an error: retrying the action could only
   * conflict with it. An operation that ends Failed is an OperationFailedError.
   */
  private async runOperation(
    submit: () => Promise<StartedOperation>,
    wait: boolean,
    context: CallContext,
    acceptedBeforeSubmitEnded?: () => boolean,
  ): Promise<Pick<ActResult, 'outcome' | 'note'>> {
    let operation: StartedOperation;
    try {
      operation = await submit();
    } catch (error) {
      // A submit that polls (Azure ML's) can fail after Azure took the call: that is accepted too.
      if (!acceptedBeforeSubmitEnded?.()) throw error;
      return this.lostSight(error, context);
    }
    if (!wait) return { outcome: 'accepted', note: 'completion not awaited' };
    try {
      await operation.pollUntilDone({ abortSignal: context.signal });
      return { outcome: 'completed' };
    } catch (error) {
      return this.lostSight(error, context);
    }
  }

  /** An accepted operation whose completion could not be seen: `accepted`, unless it failed for good. */
  private lostSight(error: unknown, context: CallContext): Pick<ActResult, 'outcome' | 'note'> {
    if (context.callerSignal?.aborted) throw error;
    if (context.deadline.aborted) {
      return { outcome: 'accepted', note: `completion not observed within ${this.timeoutInMs} ms` };
    }
    const mapped = this.toComputeError(error, '');
    if (mapped instanceof ThrottledError || mapped instanceof TransientError) {
      return { outcome: 'accepted', note: `completion not observed: ${mapped.message}` };
    }
    throw error;
  }

  private async withDeadline<T>(
    resourceId: string,
    callerSignal: AbortSignal | undefined,
    work: (context: CallContext) => Promise<T>,
  ): Promise<T> {
    const deadline = AbortSignal.timeout(this.timeoutInMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, deadline]) : deadline;
    try {
      return await work({ signal, deadline, callerSignal });
    } catch (error) {
      if (callerSignal?.aborted) throw error;
      if (deadline.aborted && !(error instanceof ComputeError)) {
        throw new TransientError(`compute: no answer from Azure within ${this.timeoutInMs} ms`, {
          resourceId,
          code: 'Timeout',
          cause: error,
        });
      }
      throw this.toComputeError(error, resourceId);
    }
  }

  /**
   * A read an action makes before its write: a failure there changed nothing in Azure, and says so
   * (`beforeWrite`), so the executor's retry does not count it as a failed write.
   */
  private async beforeWrite<T>(resourceId: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw this.retryableWith(error, resourceId, { beforeWrite: true });
    }
  }

  /**
   * The error a call failed with, mapped; when it is throttling or a transient fault, with what the caller
   * knows about it added (a read before the write, what a pool's write was made from). Others are as thrown.
   */
  private retryableWith(
    error: unknown,
    resourceId: string,
    extra: { beforeWrite?: true; lastRead?: PoolModel },
  ): unknown {
    const mapped = this.toComputeError(error, resourceId);
    if (!(mapped instanceof TransientError || mapped instanceof ThrottledError)) return error;
    const details = {
      resourceId: mapped.resourceId,
      statusCode: mapped.statusCode,
      code: mapped.code,
      cause: mapped.cause,
      ...extra,
    };
    return mapped instanceof ThrottledError
      ? new ThrottledError(mapped.message, { ...details, retryAfterInMs: mapped.retryAfterInMs })
      : new TransientError(mapped.message, { ...details, retryAfterInMs: mapped.retryAfterInMs });
  }

  /** One mapping from what the SDKs throw to the gateway's errors; anything unrecognised is rethrown as is. */
  private toComputeError(error: unknown, resourceId: string): ComputeError | Error {
    if (error instanceof ComputeError) return error;
    if (!(error instanceof Error)) return new Error(String(error));
    const failure = LRO_FAILURE.exec(error.message);
    if (failure) {
      // core-lro reports a Failed operation only as text: "The long-running operation has failed. CODE. message".
      return new OperationFailedError(`compute: operation failed: ${failure[1]}: ${failure[2]}`, {
        resourceId,
        code: failure[1] || 'OperationFailed',
        retryable: true,
        cause: error,
      });
    }
    if (!isRestError(error)) return error;
    const details = { resourceId, statusCode: error.statusCode, code: error.code, cause: error };
    const message = `compute: ${error.message}`;
    const status = error.statusCode;
    const retryAfter = error.response ? retryAfterInMs(error.response.headers) : undefined;
    if (status === 429) {
      return new ThrottledError(message, {
        ...details,
        retryAfterInMs: retryAfter ?? this.defaultThrottleDelayInMs,
      });
    }
    if (status === 404) return new TargetNotFoundError(message, details);
    if (status === 409) return new TargetConflictError(message, details);
    if (status === 412) return new TargetChangedError(message, details);
    if (status === 401 || status === 403) return new AccessDeniedError(message, details);
    if (status === undefined && (isTransportErrorCode(error.code) || error.code === undefined)) {
      return new TransientError(`compute: connection failed: ${error.message}`, details);
    }
    if (status !== undefined && (status === 408 || status >= 500)) {
      return new TransientError(message, { ...details, retryAfterInMs: retryAfter });
    }
    return new OperationFailedError(message, { ...details, retryable: false });
  }

  private compute(parsed: ParsedResourceId): ComputeManagementClient {
    return this.clientFor(this.computeClients, parsed, (subscriptionId) => {
      return new ComputeManagementClient(this.credential, subscriptionId, {
        ...this.clientOptions(),
        credentials: { scopes: [this.scope()] },
      });
    });
  }

  private machineLearning(parsed: ParsedResourceId): AzureMachineLearningWorkspaces {
    return this.clientFor(this.machineLearningClients, parsed, (subscriptionId) => {
      return new AzureMachineLearningWorkspaces(this.credential, subscriptionId, {
        ...this.clientOptions(),
        credentialScopes: [this.scope()],
      });
    });
  }

  /** One client per subscription, made on first use with our capped retries in its pipeline. */
  private clientFor<Client extends { pipeline: Pipeline }>(
    clients: Map<string, Client>,
    parsed: ParsedResourceId,
    make: (subscriptionId: string) => Client,
  ): Client {
    const key = parsed.subscriptionId.toLowerCase();
    let client = clients.get(key);
    if (!client) {
      client = make(parsed.subscriptionId);
      useCappedRetries(client.pipeline, this.retry);
      clients.set(key, client);
    }
    return client;
  }

  /** What both SDK clients are built with: where ARM is, who we say we are, the HTTPS agent if any. */
  private clientOptions() {
    return {
      endpoint: this.endpoint,
      userAgentOptions: { userAgentPrefix: 'compute-scheduler' },
      ...(this.options.agent ? { agent: this.options.agent } : {}),
    };
  }

  private monitor(parsed: ParsedResourceId): MonitorClient {
    const key = parsed.subscriptionId.toLowerCase();
    let client = this.monitorClients.get(key);
    if (!client) {
      client = new MonitorClient(this.credential, parsed.subscriptionId, {
        endpoint: this.endpoint,
        credentialScopes: [this.scope()],
        userAgentOptions: { userAgentPrefix: 'compute-scheduler' },
        ...(this.options.agent ? { agent: this.options.agent } : {}),
      });
      useCappedRetries(client.pipeline, this.retry);
      this.monitorClients.set(key, client);
    }
    return client;
  }

  private scope(): string {
    return this.options.credentialScope ?? `${ARM_ENDPOINT}/.default`;
  }
}

/** Swaps the SDK's unbounded default retry policy for ours (failing loudly if an SDK update renames it), with telemetry after. */
function useCappedRetries(pipeline: Pipeline, options: CappedRetryOptions): void {
  const removed = pipeline.removePolicy({ name: 'defaultRetryPolicy' });
  if (removed.length === 0) {
    throw new Error(
      'compute: the SDK pipeline has no defaultRetryPolicy to replace; check the Azure SDK version',
    );
  }
  pipeline.addPolicy(cappedRetryPolicy(options), { phase: 'Retry' });
  // After the retry policy, so each attempt, a retried 429 included, gets its own span.
  pipeline.addPolicy(armTelemetryPolicy(), { afterPhase: 'Retry' });
}

/**
 * arm-compute pollers send their first request eagerly; wait for it so refusals surface here. The poller is
 * itself a thenable (awaiting it polls to the end), so it is wrapped rather than returned from an async function.
 */
async function submitted(
  poller: StartedOperation & { submitted(): Promise<void> },
): Promise<StartedOperation> {
  await poller.submitted();
  return { pollUntilDone: (options) => poller.pollUntilDone(options) };
}

function parseTarget(target: Machine): ParsedResourceId {
  const parsed = parseResourceId(target.resourceId);
  if (parsed.kind !== target.kind) {
    throw new InvalidResourceIdError(`names a ${parsed.kind}, but the target says it is a ${target.kind}`);
  }
  return parsed;
}

function parsePool(target: Machine): ParsedResourceId {
  const parsed = parseTarget(target);
  if (parsed.kind !== 'pool')
    throw new InvalidResourceIdError(`names a ${parsed.kind}, not a pool (scale set)`);
  return parsed;
}

function validCapacity(value: number | undefined): number | undefined {
  return value !== undefined && Number.isInteger(value) && value >= 1 && value <= 1000 ? value : undefined;
}

function recordedWakeCapacity(tags: Record<string, string> | undefined): number | undefined {
  const value = tags?.[WAKE_CAPACITY_TAG];
  return value === undefined ? undefined : validCapacity(Number(value));
}
