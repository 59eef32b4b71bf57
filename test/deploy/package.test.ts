// The package azd deploys, built by the same command azure.yaml's prepackage hook runs: it must hold the compiled
// app and every production dependency and nothing of the toolkit or the dev tools, must start from its own
// folder (the Functions host loads `main`), and must leave the project's own node_modules and dist alone.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './bicep.js';

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** The prepackage hook's commands (one per shell) and the folder azd zips, as azure.yaml says them. */
function azureYaml(): { hook: string[]; dist: string } {
  const text = read('azure.yaml');
  const dist = /^\s+dist:\s*(\S+)\s*$/m.exec(text)?.[1];
  // The prepackage block: its lines are indented deeper than the hook names (postdeploy is another hook).
  const prepackage = /^(\s+)prepackage:\s*\n((?:\1\s+.*\n|\s*\n)+)/m.exec(text)?.[2] ?? '';
  const hooks = [...prepackage.matchAll(/^\s+run:\s*(.+?)\s*$/gm)].map((m) => m[1] ?? '');
  if (!dist || hooks.length === 0) throw new Error('azure.yaml has no dist or no hook command');
  return { hook: hooks, dist };
}

let staging: string;
let scratch: string;
const typescriptBefore = statSync(join(ROOT, 'node_modules', 'typescript', 'package.json')).mtimeMs;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'compute-scheduler-package-'));
  staging = join(scratch, 'dist-azure');
  const { hook } = azureYaml();
  const [command, script] = (hook[0] ?? '').split(/\s+/);
  expect(command).toBe('node');
  execFileSync(process.execPath, [join(ROOT, script ?? ''), staging], { cwd: ROOT, stdio: 'pipe' });
}, 600_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }), 300_000);

describe('the Azure package (azure.yaml prepackage, dist)', () => {
  it('is staged by the hook, in the folder azd zips, the same on every shell', () => {
    const { hook, dist } = azureYaml();
    expect(new Set(hook).size).toBe(1);
    expect(hook[0]).toBe(`node scripts/package-for-azure.mjs ${dist}`);
    // Pruning the project's node_modules before azd's own `npm run build` was what broke packaging.
    expect(read('azure.yaml')).not.toMatch(/npm prune/);
  });

  it('is deployed as built, by an azd that knows how: remoteBuild false, and azd 1.23.5 or later required', () => {
    const text = read('azure.yaml');
    expect(text).toMatch(/^\s+remoteBuild:\s*false\s*$/m);
    // azd reads `remoteBuild` for Flex Consumption apps from 1.23.5 on; before, it would build remotely.
    const required = /^requiredVersions:\s*\n\s+azd:\s*'>=\s*(\d+)\.(\d+)\.(\d+)'/m.exec(text);
    expect(required, 'azure.yaml requires an azd version').not.toBeNull();
    const [major, minor, patch] = required!.slice(1).map(Number) as [number, number, number];
    expect(major * 1e6 + minor * 1e3 + patch).toBeGreaterThanOrEqual(1_023_005);
  });

  it('holds the compiled app, host.json and a package.json whose main is there', () => {
    const manifest = JSON.parse(readFileSync(join(staging, 'package.json'), 'utf8')) as {
      main: string;
      type: string;
      scripts?: unknown;
      devDependencies?: unknown;
    };
    expect(existsSync(join(staging, manifest.main))).toBe(true);
    expect(manifest.type).toBe('module');
    expect(manifest.scripts).toBeUndefined();
    expect(manifest.devDependencies).toBeUndefined();
    expect(readFileSync(join(staging, 'host.json'), 'utf8')).toBe(read('host.json'));
    expect(existsSync(join(staging, 'dist', 'toolkit'))).toBe(false);
    expect(existsSync(join(staging, 'src'))).toBe(false);
  });

  it('holds the production dependencies and none of the dev ones', () => {
    const manifest = JSON.parse(read('package.json')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const name of Object.keys(manifest.dependencies)) {
      expect(existsSync(join(staging, 'node_modules', name, 'package.json')), name).toBe(true);
    }
    for (const name of ['typescript', 'vitest', 'azurite', 'eslint', 'tree-sitter-bicep']) {
      expect(existsSync(join(staging, 'node_modules', name)), name).toBe(false);
    }
  });

  it('loads from its own folder, with only what it ships', () => {
    const output = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        // The telemetry distro too: it loads only when Application Insights is configured, so index.js alone
        // would not show a dependency of it missing from the package.
        "await import('./dist/src/index.js'); await import('@azure/monitor-opentelemetry'); console.log('loaded')",
      ],
      {
        cwd: staging,
        env: { PATH: process.env.PATH, AzureWebJobsStorage: 'UseDevelopmentStorage=true' },
        encoding: 'utf8',
        stdio: 'pipe',
      },
    );
    expect(output.trim().split('\n').pop()).toBe('loaded');
  });

  it("leaves the project's own dev dependencies in place", () => {
    expect(statSync(join(ROOT, 'node_modules', 'typescript', 'package.json')).mtimeMs).toBe(typescriptBefore);
    expect(existsSync(join(ROOT, 'node_modules', '.bin', 'tsc'))).toBe(true);
  });
});
