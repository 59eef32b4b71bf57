// The gateway under test, built exactly as the local host builds it: real SDK clients pointed at the emulator.

import https from 'node:https';
import { ArmComputeGateway, type ArmComputeGatewayOptions } from '../../src/compute/arm-gateway.js';
import { emulatorCredential, type ArmEmulator } from '../../toolkit/arm-emulator/index.js';
import { schedulerIdentity } from '../toolkit/arm-emulator/fixture.js';

export function gatewayFor(
  emulator: ArmEmulator,
  options: Partial<ArmComputeGatewayOptions> = {},
): ArmComputeGateway {
  return new ArmComputeGateway({
    endpoint: emulator.url,
    credential: emulatorCredential(schedulerIdentity),
    agent: new https.Agent({ ca: emulator.certificatePem }),
    pollIntervalInMs: 5,
    retryDelayInMs: 5,
    timeoutInMs: 10_000,
    ...options,
  });
}

/** Requests to a resource (and its operations) since the log was cleared, as `METHOD /last/segment`. */
export function callsTo(emulator: ArmEmulator, resourceName: string): string[] {
  return emulator.requests
    .filter((r) => r.path.toLowerCase().includes(`/${resourceName.toLowerCase()}`))
    .map(
      (r) =>
        `${r.method} ${r.path.slice(r.path.toLowerCase().lastIndexOf(`/${resourceName.toLowerCase()}`))}`,
    );
}
