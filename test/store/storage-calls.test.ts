// The storage clients count every request they send, by operation, as Azure bills them: what `simulate`
// and the benches report as calls per due row and a month's transactions is counted, not estimated.

import { describe, expect, it } from 'vitest';
import { StorageActionQueue } from '../../src/queue/storage-action-queue.js';
import { queueOperation, storageCalls, tableOperation } from '../../src/store/storage-calls.js';
import { freshStorage } from '../support/storage.js';
import { vmTarget } from './fixtures.js';

const url = (path: string) => `http://127.0.0.1:10002/devstoreaccount1${path}`;

describe('storage calls', () => {
  it('names table requests by what the price list calls them', () => {
    expect(tableOperation({ method: 'GET', url: url("/targets(PartitionKey='a',RowKey='b')") })).toBe(
      'point read',
    );
    expect(tableOperation({ method: 'GET', url: url('/targets()?$filter=x') })).toBe('query');
    expect(tableOperation({ method: 'POST', url: url('/$batch') })).toBe('batch');
    expect(tableOperation({ method: 'POST', url: url('/Tables') })).toBe('create table');
    expect(tableOperation({ method: 'PUT', url: url("/targets(PartitionKey='a',RowKey='b')") })).toBe(
      'replace',
    );
    expect(tableOperation({ method: 'DELETE', url: url("/targets(PartitionKey='a',RowKey='b')") })).toBe(
      'delete',
    );
    expect(queueOperation({ method: 'POST', url: url('/actions/messages') })).toBe('send');
    expect(queueOperation({ method: 'GET', url: url('/actions/messages') })).toBe('receive');
    expect(queueOperation({ method: 'DELETE', url: url('/actions/messages/m1?popreceipt=p') })).toBe(
      'delete message',
    );
  });

  it('counts what the store and the queue send, each request once', async () => {
    const { store, clients } = await freshStorage();
    const queue = new StorageActionQueue(clients.queueService, clients.names.queues.actions);
    const before = storageCalls.snapshot();
    const target = await store.targets.get(vmTarget('vm-counted').id);
    await queue.send({
      v: 1,
      targetId: 't',
      resourceId: vmTarget('vm-counted').resourceId,
      kind: 'vm',
      action: 'Stop',
      occurrenceAt: 0,
      source: 'schedule',
    });
    expect(target).toBeUndefined();
    expect(storageCalls.since(before)).toEqual({ 'queue send': 1, 'table point read': 1 });
  });
});
