import { TableServiceClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { isPortFree, startAzurite } from '../../toolkit/azurite.js';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the Azurite launcher', () => {
  it('starts Azurite in memory on free ports, hands out a working connection string, and stops it', async () => {
    const azurite = await startAzurite({ ports: 'free' });
    try {
      expect(azurite.connectionString).toMatch(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1/);
      const service = TableServiceClient.fromConnectionString(azurite.connectionString, {
        allowInsecureConnection: true,
      });
      await service.createTable('launchertest');
      const names: string[] = [];
      for await (const table of service.listTables()) names.push(table.name ?? '');
      expect(names).toContain('launchertest');
    } finally {
      await azurite.stop();
    }
    expect(isRunning(azurite.pid)).toBe(false);
    expect(await isPortFree(Number(new URL(azurite.endpoints.table).port))).toBe(true);
  });
});
