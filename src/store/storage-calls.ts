// Counts the storage transactions this process makes, by service and operation, as Azure bills them: one
// per request on the wire (a retry is another request; an entity group transaction is one). A pipeline
// policy on every Table and Queue client does the counting, so the figures are counted, not estimated;
// `simulate` and the benches read them to report calls per due row and a month's cost.

import type { PipelinePolicy, PipelineRequest } from '@azure/core-rest-pipeline';

/** What a storage request was, in the words of the price list: `table point read`, `queue send`, … */
export type StorageOperation = string;

/** A running count of storage transactions by operation; `snapshot` and `since` read it. */
export class StorageCallCounter {
  private readonly counts = new Map<StorageOperation, number>();

  /** Counts one request. */
  add(operation: StorageOperation): void {
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
  }

  /** Every operation counted so far and how often. */
  snapshot(): Record<StorageOperation, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** What was counted after `earlier` (a snapshot): the calls of one tick, one run. */
  since(earlier: Record<StorageOperation, number>): Record<StorageOperation, number> {
    const now = this.snapshot();
    return Object.fromEntries(
      Object.entries(now)
        .map(([operation, count]): [string, number] => [operation, count - (earlier[operation] ?? 0)])
        .filter(([, count]) => count > 0),
    );
  }
}

/** The total of a count by operation. */
export function totalCalls(counts: Record<StorageOperation, number>): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/** This process's counter: every client `createStorageClients` builds counts into it. */
export const storageCalls = new StorageCallCounter();

/** A per-retry policy, so that each request sent (retries too, as billed) is counted once. */
export function countingPolicy(service: 'table' | 'queue', counter = storageCalls): PipelinePolicy {
  return {
    name: `count${service === 'table' ? 'Table' : 'Queue'}Calls`,
    sendRequest(request, next) {
      counter.add(`${service} ${service === 'table' ? tableOperation(request) : queueOperation(request)}`);
      return next(request);
    },
  };
}

/** Table Storage REST: the method and the path's shape say the operation. */
export function tableOperation(request: Pick<PipelineRequest, 'method' | 'url'>): string {
  const path = new URL(request.url).pathname;
  if (path.endsWith('/$batch')) return 'batch';
  if (/\/Tables(\(|$|\/)/.test(path)) {
    if (request.method === 'POST') return 'create table';
    if (request.method === 'DELETE') return 'delete table';
    return 'list tables';
  }
  const entity = /\(PartitionKey=.+,RowKey=.+\)$/.test(decodeURIComponent(path));
  switch (request.method) {
    case 'GET':
      return entity ? 'point read' : 'query';
    case 'POST':
      return 'insert';
    case 'PUT':
      return 'replace';
    case 'PATCH':
      return 'merge';
    case 'DELETE':
      return 'delete';
    default:
      // The SDK sends a merge as MERGE through X-HTTP-Method where PATCH is refused.
      return request.method.toLowerCase();
  }
}

/** Queue Storage REST: messages are sent, received, updated and deleted; the rest manages queues. */
export function queueOperation(request: Pick<PipelineRequest, 'method' | 'url'>): string {
  const path = new URL(request.url).pathname;
  if (/\/messages\/[^/]+$/.test(path))
    return request.method === 'DELETE' ? 'delete message' : 'update message';
  if (path.endsWith('/messages')) {
    if (request.method === 'POST') return 'send';
    if (request.method === 'GET') return 'receive';
    return 'clear';
  }
  if (request.method === 'PUT') return 'create queue';
  return request.method === 'DELETE' ? 'delete queue' : 'queue metadata';
}
