// The one way the emulator refuses a request: an HTTP status plus ARM's `{"error":{"code","message"}}` body.
// Handlers throw these; the server turns them into responses, so every refusal has the same shape as Azure's.

export interface ArmErrorBody {
  code: string;
  message: string;
  details?: { code: string; target?: string; message: string }[];
}

export class ArmError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ArmErrorBody['details'];
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    extra: { details?: ArmErrorBody['details']; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ArmError';
    this.status = status;
    this.code = code;
    this.details = extra.details;
    this.headers = extra.headers ?? {};
  }

  toBody(): { error: ArmErrorBody } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

/** 404 for a resource whose group exists but which does not (ARM's wording, so logs look familiar). */
export function resourceNotFound(type: string, name: string, resourceGroup: string): ArmError {
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. ` +
      'For more details please go to https://aka.ms/ARMResourceNotFoundFix',
  );
}

export function resourceGroupNotFound(resourceGroup: string): ArmError {
  return new ArmError(404, 'ResourceGroupNotFound', `Resource group '${resourceGroup}' could not be found.`);
}

/** 409 for an action the resource's current state does not allow. */
export function operationNotAllowed(message: string): ArmError {
  return new ArmError(409, 'OperationNotAllowed', message);
}
