// Stages exactly what ships to Azure Functions in one folder, which azd zips (azure.yaml: `dist`, `prepackage`):
// the compiled app (dist/src), host.json, a package.json without scripts, and the production dependencies only.
// It compiles into a scratch folder and copies dependencies out of node_modules, so the developer's dist/ and
// node_modules are never touched (the old prune-then-reinstall broke azd's own `npm run build` in between).
//
// Usage: node scripts/package-for-azure.mjs [output folder, default dist-azure]

import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const output = resolve(root, process.argv[2] ?? 'dist-azure');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Compiles src/ (and toolkit/, which tsconfig.build.json also holds) into a scratch folder; returns its src. */
function compile() {
  const scratch = mkdtempSync(join(tmpdir(), 'compute-scheduler-build-'));
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) throw new Error('TypeScript is not installed here: run `npm install` first');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', scratch], {
    stdio: 'inherit',
  });
  return scratch;
}

/** Where Node would find `name` when required from `fromDir`: the nearest node_modules up to the root. */
function locate(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dirname(dir) === dir) return undefined;
  }
}

/** Every installed package the production dependencies need, as folders under the root. */
function productionPackages() {
  const found = new Set();
  const visit = (names, fromDir, optional) => {
    for (const name of names) {
      const dir = locate(name, fromDir);
      if (!dir) {
        if (optional.has(name)) continue;
        throw new Error(`${name} (needed by ${relative(root, fromDir) || 'the app'}) is not installed`);
      }
      if (found.has(dir)) continue;
      found.add(dir);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const optionalNames = new Set(Object.keys(pkg.optionalDependencies ?? {}));
      visit([...Object.keys(pkg.dependencies ?? {}), ...optionalNames], dir, optionalNames);
    }
  };
  visit(Object.keys(manifest.dependencies ?? {}), root, new Set());
  return [...found].sort();
}

/**
 * Mirrors a package folder, without its own node_modules, by hard links where the file system allows (the staged
 * copy is only read, then zipped by azd) and by copies where it does not: tens of thousands of files otherwise.
 */
function mirror(from, to) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') mirror(source, target);
    } else if (/\.(?:ts|mts|cts|map|md)$/.test(entry.name)) {
      // Types, source maps and read-mes: nothing at run time needs them, and they are a third of the files.
      continue;
    } else if (entry.isSymbolicLink()) {
      symlinkSync(readlinkSync(source), target);
    } else {
      try {
        linkSync(source, target);
      } catch {
        copyFileSync(source, target);
      }
    }
  }
}

function stage() {
  const scratch = compile();
  try {
    rmSync(output, { recursive: true, force: true });
    mkdirSync(output, { recursive: true });
    // Only the app ships: the local toolkit (host, emulator, CLI) and source maps stay behind.
    cpSync(join(scratch, 'src'), join(output, 'dist', 'src'), {
      recursive: true,
      filter: (path) => !path.endsWith('.map'),
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  cpSync(join(root, 'host.json'), join(output, 'host.json'));
  // The dashboard's page and browser modules, served as they are (src/functions/http/dashboard.ts).
  cpSync(join(root, 'web'), join(output, 'web'), { recursive: true });
  const { name, version, description, license, type, main, engines, dependencies } = manifest;
  const shipped = { name, version, description, license, type, main, engines, dependencies };
  writeFileSync(join(output, 'package.json'), `${JSON.stringify(shipped, null, 2)}\n`);
  // A package's own node_modules holds other packages, each staged on its own if production needs it.
  for (const dir of productionPackages()) mirror(dir, join(output, relative(root, dir)));
  console.log(`Staged the Azure Functions package in ${relative(process.cwd(), output) || '.'}`);
}

stage();
