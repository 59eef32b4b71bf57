import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import {
  startArmEmulator,
  type ArmEmulator,
  type ResourceEvent,
} from '../../../toolkit/arm-emulator/index.js';
import {
  computeClient,
  computeInstanceId,
  GROUP,
  poolId,
  startWebhook,
  SUBSCRIPTION,
  vmId,
} from './fixture.js';

const clock = new ManualClock('2026-03-02T08:00:00Z');
let emulator: ArmEmulator;
let webhook: Awaited<ReturnType<typeof startWebhook>>;

function delivered(): ResourceEvent[] {
  return webhook.deliveries.flatMap((delivery) => delivery.body as ResourceEvent[]);
}

beforeAll(async () => {
  webhook = await startWebhook();
  emulator = await startArmEmulator({
    clock,
    transitionDurationsInMs: 60_000,
    eventGrid: { webhookUrl: webhook.url },
  });
});
afterAll(async () => {
  await emulator.close();
  await webhook.close();
});
afterEach(() => webhook.deliveries.splice(0));

describe('Event Grid resource events', () => {
  it('a finished start is posted as ResourceActionSuccess naming the caller, when it completes', async () => {
    emulator.addVirtualMachine(vmId('vm-events'), { powerState: 'deallocated' });
    const poller = computeClient(emulator).virtualMachines.start(GROUP, 'vm-events', {
      updateIntervalInMs: 1,
    });
    await poller.submitted();
    emulator.settle();
    await emulator.flushEvents();
    expect(webhook.deliveries).toHaveLength(0);

    clock.advance(60_000);
    emulator.settle();
    await emulator.flushEvents();
    expect(webhook.deliveries).toHaveLength(1);
    const [delivery] = webhook.deliveries;
    expect(delivery?.headers['aeg-event-type']).toBe('Notification');
    expect(delivered()).toEqual([
      expect.objectContaining({
        subject: vmId('vm-events'),
        topic: `/subscriptions/${SUBSCRIPTION}`,
        eventType: 'Microsoft.Resources.ResourceActionSuccess',
        eventTime: new Date(clock.now()).toISOString(),
        dataVersion: '2',
        data: expect.objectContaining({
          operationName: 'Microsoft.Compute/virtualMachines/start/action',
          status: 'Succeeded',
          resourceUri: vmId('vm-events'),
          claims: expect.objectContaining({ oid: 'scheduler-identity', idtyp: 'app' }) as unknown,
          authorization: expect.objectContaining({
            action: 'Microsoft.Compute/virtualMachines/start/action',
            evidence: expect.objectContaining({
              principalId: 'scheduler-identity',
              principalType: 'ServicePrincipal',
            }) as unknown,
          }) as unknown,
        }) as unknown,
      }),
    ]);
    await poller.pollUntilDone();
  });

  it('a scale-set PATCH raises ResourceWriteSuccess and a delete ResourceDeleteSuccess', async () => {
    emulator.addScaleSet(poolId('pool-events'), { capacity: 1 });
    emulator.perform(poolId('pool-events'), 'scale', { capacity: 0 });
    clock.advance(60_000);
    emulator.perform(poolId('pool-events'), 'delete');
    clock.advance(60_000);
    emulator.settle();
    await emulator.flushEvents();
    expect(delivered().map((e) => [e.eventType, e.data.operationName])).toEqual([
      ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Compute/virtualMachineScaleSets/write'],
      ['Microsoft.Resources.ResourceDeleteSuccess', 'Microsoft.Compute/virtualMachineScaleSets/delete'],
    ]);
    expect(emulator.stateOf(poolId('pool-events'))).toBeUndefined();
  });

  it('someone else acting in the portal is named as a user; a failed operation raises ResourceActionFailure', async () => {
    emulator.addComputeInstance(computeInstanceId('ci-events'), { state: 'Running' });
    emulator.perform(computeInstanceId('ci-events'), 'start', { as: { principalId: 'ana', isUser: true } });
    await emulator.flushEvents();
    const [event] = delivered();
    expect(event?.eventType).toBe('Microsoft.Resources.ResourceActionFailure');
    expect(event?.data.operationName).toBe(
      'Microsoft.MachineLearningServices/workspaces/computes/start/action',
    );
    expect(event?.data.authorization.evidence).toMatchObject({ principalId: 'ana', principalType: 'User' });
    expect(event?.data.claims).toMatchObject({ upn: 'ana@example.com' });
  });

  it('an unreachable webhook never delays answers and counts as a failed delivery', async () => {
    const lonely = await startArmEmulator({
      clock,
      transitionDurationsInMs: 0,
      eventGrid: { webhookUrl: 'http://127.0.0.1:9/unreachable', retryDelayInMs: 1 },
    });
    try {
      lonely.addVirtualMachine(vmId('vm-lonely'));
      await computeClient(lonely)
        .virtualMachines.deallocate(GROUP, 'vm-lonely', { updateIntervalInMs: 1 })
        .pollUntilDone();
      await lonely.flushEvents();
      expect(lonely.events).toHaveLength(1);
      expect(lonely.failedEventDeliveries).toBe(1);
    } finally {
      await lonely.close();
    }
  });
});
