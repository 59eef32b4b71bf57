// What the pool reconciler needs of Azure beyond start and stop: a pool's instances as they are, scaling
// out by capacity, scaling in exactly the instances chosen, and CPU for machines without a reporter.
// ArmComputeGateway implements it with the real SDK clients; no Azure type crosses it.

import type { ActOptions, Machine, PowerState, ReadStateOptions } from './gateway.js';

/** One instance of a pool (scale set), as the reconciler sees it. */
export interface PoolInstance {
  /** The scale set's instance id, e.g. "3". */
  instanceId: string;
  power: PowerState;
  /** A scale-in is deleting it: it no longer counts toward capacity. */
  deleting: boolean;
  /** Azure will not pick it when scaling in by capacity. */
  protectedFromScaleIn: boolean;
  /** When it was created (UTC ms), when Azure says: a new instance is not idle before it served anyone. */
  createdAt?: number;
}

/** A pool as it is now. */
export interface PoolView {
  /** `sku.capacity`: the instances Azure is keeping (counting ones still being created). */
  capacity: number;
  instances: PoolInstance[];
  tags: Record<string, string>;
  /** How many ARM read requests this view cost (the reconciler reports reads per pool per minute). */
  armReads: number;
}

/** What a scaling call did. */
export interface ScaleResult {
  /** `completed`: Azure reported it done. `accepted`: taken, completion not observed. */
  outcome: 'completed' | 'accepted' | 'alreadyInState';
  operation: 'scale' | 'deleteInstances';
  capacity: { from: number; to: number };
  /** Why completion was not observed, for `accepted`. */
  note?: string;
}

/** Options of {@link PoolGateway.scalePool} and {@link PoolGateway.removePoolInstances}. */
export interface ScaleOptions extends ActOptions {
  /**
   * `sku.capacity` as the caller has just read it (`PoolView.capacity`): saves the gateway a read of its own.
   * Absent: the gateway reads it.
   */
  currentCapacity?: number;
}

/** Average `Percentage CPU` over the last complete minute. */
export interface CpuSample {
  /** The pool instance's id; '' for a single VM. */
  instanceId: string;
  /** Absent when Azure Monitor had no data point for that minute (e.g. the machine was off). */
  percent?: number;
  /** The start of the minute the average covers (UTC ms). */
  at: number;
}

/**
 * Pool scaling and activity through Azure, for the reconciler. Errors are the ComputeError family, as for
 * ComputeGateway (ThrottledError on 429s of reads and writes alike).
 */
export interface PoolGateway {
  /**
   * The pool's capacity, instances (power, deleting, protection, creation time) and tags, with as few reads
   * as ARM allows (list the instances with their views, never one GET per instance).
   */
  readPool(target: Machine, options?: ReadStateOptions): Promise<PoolView>;
  /** Sets `sku.capacity`; the reconciler only raises it this way (scale-in deletes chosen instances). */
  scalePool(target: Machine, capacity: number, options: ScaleOptions): Promise<ScaleResult>;
  /** Deletes exactly these instances (a scale-in that ends no one's session). */
  removePoolInstances(target: Machine, instanceIds: string[], options: ScaleOptions): Promise<ScaleResult>;
  /** `Percentage CPU` per pool instance, or for a single VM (instanceId ''), from Azure Monitor. */
  readCpu(target: Machine, options?: ReadStateOptions): Promise<CpuSample[]>;
}
