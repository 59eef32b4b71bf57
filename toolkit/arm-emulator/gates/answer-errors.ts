// The outermost gate: whatever a later gate throws becomes ARM's error answer, so every refusal has
// Azure's shape, and a bug of the emulator is a 500 that says so rather than a hung request.

import { ArmError } from '../arm-error.js';
import type { ArmResponse } from '../routes.js';
import type { Gate } from './gate.js';

export const answerErrors: Gate = async (exchange, next) => {
  try {
    return await next(exchange);
  } catch (error) {
    return errorAnswer(error);
  }
};

export function errorAnswer(error: unknown): ArmResponse {
  const armError =
    error instanceof ArmError
      ? error
      : new ArmError(
          500,
          'InternalServerError',
          `ARM emulator fault: ${error instanceof Error ? error.message : String(error)}`,
        );
  return { status: armError.status, body: armError.toBody(), headers: armError.headers };
}
