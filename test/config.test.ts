import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import { ConfigurationError } from '../src/errors.js';

describe('settings', () => {
  it('works with nothing but UseDevelopmentStorage=true', () => {
    expect(readConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' })).toEqual({
      storage: { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' },
      storageConnectionSetting: 'AzureWebJobsStorage',
      storagePrefix: '',
      trustPrincipalHeader: false,
      catchUpWindowInMs: 24 * 3_600_000,
      waitForCompletion: false,
      armWriteBudget: { burst: 200, perSecond: 10 },
      maxScheduleEntries: { vm: 4, pool: 4, computeInstance: 4 },
      identityIds: [],
      permissionCheck: 'role-assignments',
    });
  });

  it('takes an explicit Azurite connection string with its own ports', () => {
    const cs =
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:43123/devstoreaccount1;QueueEndpoint=http://127.0.0.1:43124/devstoreaccount1';
    expect(readConfig({ AzureWebJobsStorage: cs }).storage).toEqual({
      kind: 'connectionString',
      connectionString: cs,
    });
  });

  it('takes an identity-based connection as Flex Consumption configures it', () => {
    expect(
      readConfig({
        AzureWebJobsStorage__accountName: 'stscheduler',
        AzureWebJobsStorage__credential: 'managedidentity',
        AzureWebJobsStorage__clientId: '11111111-1111-1111-1111-111111111111',
      }).storage,
    ).toEqual({
      kind: 'identity',
      tableServiceUrl: 'https://stscheduler.table.core.windows.net',
      queueServiceUrl: 'https://stscheduler.queue.core.windows.net',
      clientId: '11111111-1111-1111-1111-111111111111',
    });
  });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      readConfig({
        SCHEDULER_TRUST_PRINCIPAL_HEADER: 'maybe',
        SCHEDULER_CATCH_UP_HOURS: '-1',
        SCHEDULER_MAX_ENTRIES_COMPUTE_INSTANCE: '5',
        SCHEDULER_STORAGE_PREFIX: 'Bad_Prefix',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toHaveLength(5);
    expect((error as ConfigurationError).isUserError).toBe(false);
  });

  it('reads the limits and switches it knows', () => {
    const config = readConfig({
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      SCHEDULER_TRUST_PRINCIPAL_HEADER: 'true',
      SCHEDULER_CATCH_UP_HOURS: '6',
      SCHEDULER_MAX_ENTRIES_VM: '10',
    });
    expect(config).toMatchObject({ trustPrincipalHeader: true, catchUpWindowInMs: 6 * 3_600_000 });
    expect(config.maxScheduleEntries.vm).toBe(10);
  });

  it('reads the ARM write budget a tick spreads its calls over, and 0 a second as no spreading', () => {
    const base = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
    expect(
      readConfig({ ...base, SCHEDULER_ARM_WRITE_BURST: '50', SCHEDULER_ARM_WRITES_PER_SECOND: '4' })
        .armWriteBudget,
    ).toEqual({ burst: 50, perSecond: 4 });
    expect(readConfig({ ...base, SCHEDULER_ARM_WRITES_PER_SECOND: '0' }).armWriteBudget).toBe(false);
    expect(() => readConfig({ ...base, SCHEDULER_ARM_WRITE_BURST: '0' })).toThrow(
      /SCHEDULER_ARM_WRITE_BURST must be a whole number from 1/,
    );
    expect(() => readConfig({ ...base, SCHEDULER_ARM_WRITES_PER_SECOND: 'fast' })).toThrow(
      /SCHEDULER_ARM_WRITES_PER_SECOND/,
    );
  });
});
