// Vitest global set-up: one in-memory Azurite for the whole run, on free ports, shared with every
// test file through `inject('storageConnectionString')`. Tests isolate themselves with a storage prefix.

import type { TestProject } from 'vitest/node';
import { startAzurite } from '../../toolkit/azurite.js';

declare module 'vitest' {
  export interface ProvidedContext {
    storageConnectionString: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite({ ports: 'free' });
  project.provide('storageConnectionString', azurite.connectionString);
  return () => azurite.stop();
}
