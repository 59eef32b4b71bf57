// The real ARM gateway pointed at a test's ARM emulator, calling as an identity the test can name in
// SCHEDULER_IDENTITY_IDS, so the emulator's events for its calls settle the runs Azure accepted.

import type { ArmComputeGateway } from '../../src/compute/arm-gateway.js';
import { emulatorCredential, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { gatewayFor } from '../compute/gateway-fixture.js';

export const TEST_GATEWAY_IDENTITY = 'compute-scheduler-test';

export function emulatorGateway(emulator: ArmEmulator): ArmComputeGateway {
  return gatewayFor(emulator, {
    credential: emulatorCredential({ principalId: TEST_GATEWAY_IDENTITY }),
    pollIntervalInMs: 10,
  });
}
