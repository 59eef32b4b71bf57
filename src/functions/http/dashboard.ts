// Serves the dashboard: one HTML page and the files it loads (its own modules from `web/dashboard/`, Preact
// and htm from the installed packages), behind the same principal check as the API. The page reads the API.

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpHandler, HttpRequest, HttpResponseInit } from '@azure/functions';
import { principalFromHeaders } from '../../auth/principal.js';
import { NotFoundError, UnauthenticatedError } from '../../errors.js';
import { ROUTE_PREFIX } from '../../api-contract/operations.js';
import { problemResponse } from '../../api-contract/problem.js';
import { windowsZones } from '../../schedule/windows-zones.generated.js';
import type { Dependencies } from '../dependencies.js';
import type { HttpFunctionDefinition } from '../registry.js';
import { methodNotAllowedHandler } from './pipeline.js';

/** Where the page lives, under `/api`. */
export const DASHBOARD_ROUTE = 'dashboard';
const ASSETS_ROUTE = `${DASHBOARD_ROUTE}/assets`;
const ASSETS_PATH = `${ROUTE_PREFIX}/${ASSETS_ROUTE}`;

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The libraries the page imports by name: each package's ES module, found beside the file Node resolves
 * (`sibling`), since htm's exports give Node its CommonJS build.
 */
const VENDOR_MODULES: Record<string, { file: string; resolve: string; sibling?: string }> = {
  preact: { file: 'vendor/preact.mjs', resolve: 'preact' },
  'preact/hooks': { file: 'vendor/preact-hooks.mjs', resolve: 'preact/hooks' },
  htm: { file: 'vendor/htm.mjs', resolve: 'htm', sibling: 'htm.mjs' },
  'htm/preact': { file: 'vendor/htm-preact.mjs', resolve: 'htm/preact', sibling: 'index.mjs' },
};

interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

/** The page's files, read once: the folder ships beside `dist/` (package `files`, not in `.funcignore`). */
export interface DashboardFiles {
  page: string;
  assets: Map<string, Asset>;
}

/** The package root: the nearest folder up from this module that holds `web/dashboard/index.html`. */
function webFolder(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'web', 'dashboard', 'index.html'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error('dashboard: web/dashboard/index.html is missing from the package');
    folder = parent;
  }
  return join(folder, 'web', 'dashboard');
}

function asset(body: Buffer, name: string): Asset {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 22);
  return { body, contentType: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream', etag: `"${hash}"` };
}

/** Reads the page, its modules and styles, the vendor modules, and the Windows zone names for the picker. */
export function loadDashboardFiles(): DashboardFiles {
  const folder = webFolder();
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(folder)) {
    if (name !== 'index.html' && CONTENT_TYPES[extname(name)])
      assets.set(name, asset(readFileSync(join(folder, name)), name));
  }
  const require = createRequire(import.meta.url);
  for (const { file, resolve, sibling } of Object.values(VENDOR_MODULES)) {
    const resolved = require.resolve(resolve);
    assets.set(file, asset(readFileSync(sibling ? join(dirname(resolved), sibling) : resolved), file));
  }
  // The picker offers Windows ids beside the browser's IANA ids; the week view maps them to draw in them.
  const zones = Buffer.from(JSON.stringify(Object.fromEntries(windowsZones)));
  assets.set('windows-zones.json', asset(zones, 'windows-zones.json'));
  return { page: readFileSync(join(folder, 'index.html'), 'utf8'), assets };
}

/**
 * The import map: vendor modules by name; when the page was opened with a function key (`?code=`), every
 * module URL carries it too, since the Functions host checks the key on each request.
 */
function importMap(files: DashboardFiles, code: string | null): string {
  const withCode = (path: string) => (code ? `${path}?code=${encodeURIComponent(code)}` : path);
  const imports: Record<string, string> = {};
  for (const [name, { file }] of Object.entries(VENDOR_MODULES))
    imports[name] = withCode(`${ASSETS_PATH}/${file}`);
  if (code) {
    for (const name of files.assets.keys())
      if (name.endsWith('.js')) imports[`${ASSETS_PATH}/${name}`] = withCode(`${ASSETS_PATH}/${name}`);
  }
  // `<` escaped: the map sits inside a script element.
  return JSON.stringify({ imports }).replace(/</g, '\\u003c');
}

function renderPage(files: DashboardFiles, request: HttpRequest): HttpResponseInit {
  const code = new URL(request.url).searchParams.get('code');
  const map = importMap(files, code);
  const query = code ? `?code=${encodeURIComponent(code)}` : '';
  const html = files.page
    // The whole element is replaced, so that the policy's hash covers exactly what the browser runs.
    .replace(
      /<script type="importmap">\s*\{\{importMap\}\}\s*<\/script>/,
      `<script type="importmap">${map}</script>`,
    )
    .replaceAll('{{assets}}', ASSETS_PATH)
    .replaceAll('{{query}}', query.replace(/&/g, '&amp;').replace(/"/g, '&quot;'));
  const mapHash = createHash('sha256').update(map).digest('base64');
  return {
    status: 200,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      // Only our own files run; the import map is the one inline script, allowed by its hash.
      'Content-Security-Policy':
        `default-src 'self'; script-src 'self' 'sha256-${mapHash}'; style-src 'self'; img-src 'self' data:; ` +
        `connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      // A function key may be in the URL: keep it from other sites.
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
    },
    body: html,
  };
}

function serveAsset(files: DashboardFiles, request: HttpRequest): HttpResponseInit {
  const name = request.params.file ?? '';
  const found = files.assets.get(name);
  if (!found) throw new NotFoundError(`The dashboard has no file ${name}.`);
  const headers = {
    'Content-Type': found.contentType,
    ETag: found.etag,
    // Revalidate each time: a deployment changes the files under the same names.
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  };
  if (request.headers.get('if-none-match') === found.etag) return { status: 304, headers };
  return { status: 200, headers, body: found.body };
}

/** Answers only a signed-in principal, as the API does; anything else becomes a problem document. */
function signedIn(
  deps: Pick<Dependencies, 'config'>,
  serve: (request: HttpRequest) => HttpResponseInit,
): HttpHandler {
  return (request, context) => {
    const instance = new URL(request.url).pathname;
    try {
      if (!principalFromHeaders(request.headers, deps.config.trustPrincipalHeader))
        throw new UnauthenticatedError(
          'No signed-in principal: open the dashboard through App Service Authentication.',
        );
      return serve(request);
    } catch (error) {
      return problemResponse(error, context, instance);
    }
  };
}

/** The page and its files, as HTTP functions beside the API's, with the same key and principal checks. */
export function dashboardFunctions(
  deps: Pick<Dependencies, 'config'>,
  files: DashboardFiles = loadDashboardFiles(),
): HttpFunctionDefinition[] {
  return [
    {
      name: 'dashboard',
      trigger: { type: 'http', methods: ['GET'], route: DASHBOARD_ROUTE, authLevel: 'function' },
      handler: signedIn(deps, (request) => renderPage(files, request)),
    },
    {
      name: 'dashboardAssets',
      trigger: { type: 'http', methods: ['GET'], route: `${ASSETS_ROUTE}/{*file}`, authLevel: 'function' },
      handler: signedIn(deps, (request) => serveAsset(files, request)),
    },
    ...[DASHBOARD_ROUTE, `${ASSETS_ROUTE}/{*file}`].map((route, i): HttpFunctionDefinition => ({
      name: `methodNotAllowed-dashboard${i === 0 ? '' : '-assets'}`,
      trigger: { type: 'http', methods: ['POST', 'PUT', 'PATCH', 'DELETE'], route, authLevel: 'function' },
      handler: methodNotAllowedHandler(['GET']),
    })),
  ];
}
