// Starts Azurite (the npm package's CLI, as a child process: it has no supported programmatic API) in
// memory, on the default ports when free and on ports it picks otherwise, and hands back a connection string.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface AzuriteOptions {
  /** 'default' uses 10000–10002 where free (as `UseDevelopmentStorage=true` expects); 'free' always picks. */
  ports?: 'default' | 'free';
  /** How long to wait for the three services to listen. */
  startTimeoutInMs?: number;
}

export interface AzuriteEndpoints {
  blob: string;
  queue: string;
  table: string;
}

export interface RunningAzurite {
  connectionString: string;
  endpoints: AzuriteEndpoints;
  pid: number;
  stop(): Promise<void>;
}

/** Azurite's well-known development account (public, documented by Microsoft). */
export const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const DEFAULT_PORTS = { blob: 10000, queue: 10001, table: 10002 } as const;
const SERVICES = ['blob', 'queue', 'table'] as const;

export function azuriteConnectionString(endpoints: AzuriteEndpoints): string {
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${DEV_ACCOUNT}`,
    `AccountKey=${DEV_KEY}`,
    `BlobEndpoint=${endpoints.blob}/${DEV_ACCOUNT}`,
    `QueueEndpoint=${endpoints.queue}/${DEV_ACCOUNT}`,
    `TableEndpoint=${endpoints.table}/${DEV_ACCOUNT}`,
  ].join(';');
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const ports = { blob: 0, queue: 0, table: 0 };
  if (options.ports === 'default') {
    for (const service of SERVICES) {
      ports[service] = (await isPortFree(DEFAULT_PORTS[service])) ? DEFAULT_PORTS[service] : 0;
    }
  }
  // In memory nothing should be written, but Azurite resolves a workspace anyway: give it a throwaway one.
  const workspace = await mkdtemp(join(tmpdir(), 'azurite-'));
  const child = spawn(
    process.execPath,
    [
      await azuriteBin(),
      '--inMemoryPersistence',
      '--disableTelemetry',
      '--skipApiVersionCheck',
      '--loose',
      '--silent',
      ...SERVICES.flatMap((s) => [`--${s}Host`, '127.0.0.1', `--${s}Port`, String(ports[s])]),
    ],
    { cwd: workspace, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Should our process die without stopping it, do not leave Azurite running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await terminate(child);
    await rm(workspace, { recursive: true, force: true });
  };
  try {
    const endpoints = await waitForEndpoints(child, options.startTimeoutInMs ?? 30_000);
    return { connectionString: azuriteConnectionString(endpoints), endpoints, pid: child.pid ?? -1, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function azuriteBin(): Promise<string> {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('azurite/package.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { bin: Record<string, string> };
  const bin = manifest.bin.azurite;
  if (!bin) throw new Error('azurite: the package has no azurite binary');
  return join(dirname(manifestPath), bin);
}

function waitForEndpoints(child: ChildProcess, timeoutInMs: number): Promise<AzuriteEndpoints> {
  return new Promise((resolve, reject) => {
    const found: Partial<AzuriteEndpoints> = {};
    let output = '';
    const timer = setTimeout(() => fail(`did not start within ${timeoutInMs} ms`), timeoutInMs);
    const fail = (reason: string) => {
      clearTimeout(timer);
      reject(new Error(`azurite: ${reason}\n${output.trim()}`));
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      for (const match of output.matchAll(
        /Azurite (Blob|Queue|Table) service is successfully listening at (\S+)/g,
      )) {
        const service = match[1]?.toLowerCase() as keyof AzuriteEndpoints;
        found[service] = match[2]?.replace(/\/$/, '');
      }
      if (found.blob && found.queue && found.table) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve({ blob: found.blob, queue: found.queue, table: found.table });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(`exited early (${signal ?? `code ${code}`})`));
  });
}

function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
