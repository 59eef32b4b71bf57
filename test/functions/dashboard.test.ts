// The dashboard's HTTP functions: the page and its files behind the API's principal check, a function key
// carried into every module URL, a content security policy that admits only our files, and a package that
// ships what the page loads.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { testApi, type TestApi } from '../support/api.js';

let api: TestApi;

beforeAll(async () => {
  api = await testApi();
});

const MODULES = [
  'app.js',
  'api.js',
  'editor.js',
  'entry-form.js',
  'fields.js',
  'fleet.js',
  'pool.js',
  'pool-week.js',
  'runs.js',
  'time.js',
  'week.js',
];

describe('the dashboard page', () => {
  it('is served to a signed-in principal as HTML that loads its modules and styles from the app', async () => {
    const page = await api.call('GET', '/api/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('<script type="module" src="/api/dashboard/assets/app.js"></script>');
    expect(page.text).toContain('<link rel="stylesheet" href="/api/dashboard/assets/style.css" />');
    expect(page.text).not.toMatch(/https?:\/\//);
  });

  it('answers 401 without a principal, as the API does, for the page and for its files', async () => {
    for (const path of ['/api/dashboard', '/api/dashboard/assets/app.js']) {
      const refused = await api.call('GET', path, { as: null });
      expect(refused.status, path).toBe(401);
      expect(refused.headers.get('content-type'), path).toBe('application/problem+json');
    }
  });

  it('allows only its own scripts: the inline import map by its hash, nothing from elsewhere', async () => {
    const page = await api.call('GET', '/api/dashboard');
    const policy = page.headers.get('content-security-policy') ?? '';
    const map = /<script type="importmap">(.*)<\/script>/.exec(page.text)?.[1] ?? '';
    const hash = createHash('sha256').update(map).digest('base64');
    expect(policy).toContain(`script-src 'self' 'sha256-${hash}'`);
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('carries the function key it was opened with into every module and style URL, escaped', async () => {
    const page = await api.call('GET', '/api/dashboard?code=k%22ey%3C%2F');
    const map = JSON.parse(/<script type="importmap">(.*)<\/script>/.exec(page.text)?.[1] ?? '{}') as {
      imports: Record<string, string>;
    };
    expect(map.imports.preact).toBe('/api/dashboard/assets/vendor/preact.mjs?code=k%22ey%3C%2F');
    for (const name of MODULES)
      expect(map.imports[`/api/dashboard/assets/${name}`], name).toBe(
        `/api/dashboard/assets/${name}?code=k%22ey%3C%2F`,
      );
    expect(page.text).toContain('href="/api/dashboard/assets/style.css?code=k%22ey%3C%2F"');
    expect(page.text).not.toContain('key"');
  });
});

describe('the dashboard files', () => {
  it('serves its modules, the vendor modules and the Windows zones with their types', async () => {
    const expected: Record<string, string> = {
      'app.js': 'text/javascript; charset=utf-8',
      'style.css': 'text/css; charset=utf-8',
      'vendor/preact.mjs': 'text/javascript; charset=utf-8',
      'vendor/preact-hooks.mjs': 'text/javascript; charset=utf-8',
      'vendor/htm.mjs': 'text/javascript; charset=utf-8',
      'vendor/htm-preact.mjs': 'text/javascript; charset=utf-8',
      'windows-zones.json': 'application/json; charset=utf-8',
    };
    for (const [file, type] of Object.entries(expected)) {
      const served = await api.call('GET', `/api/dashboard/assets/${file}`);
      expect(served.status, file).toBe(200);
      expect(served.headers.get('content-type'), file).toBe(type);
    }
    const preact = await api.call('GET', '/api/dashboard/assets/vendor/preact.mjs');
    expect(preact.text).toBe(readFileSync('node_modules/preact/dist/preact.mjs', 'utf8'));
    const zones = (await api.call('GET', '/api/dashboard/assets/windows-zones.json')).json as Record<
      string,
      string
    >;
    expect(zones['W. Europe Standard Time']).toBe('Europe/Berlin');
    expect(zones['Pacific Standard Time']).toBe('America/Los_Angeles');
  });

  it('answers 304 to a copy that is still current', async () => {
    const first = await api.call('GET', '/api/dashboard/assets/app.js');
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await api.call('GET', '/api/dashboard/assets/app.js', {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });

  it('serves nothing but its own list: other names and paths out of the folder are 404', async () => {
    for (const name of [
      'index.html',
      '..%2F..%2Fpackage.json',
      '%2E%2E%2Fweb%2Fdashboard%2Fapp.js',
      'nope.js',
    ])
      expect((await api.call('GET', `/api/dashboard/assets/${name}`)).status, name).toBe(404);
  });

  it('answers other methods with 405 and the methods it serves', async () => {
    const refused = await api.call('POST', '/api/dashboard', { body: {} });
    expect(refused.status).toBe(405);
    expect(refused.headers.get('allow')).toBe('GET');
  });
});

describe('the Azure package', () => {
  it('holds the page and the libraries it loads: web/ is in the package files and none of it is funcignored', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      files: string[];
      dependencies: Record<string, string>;
    };
    expect(pkg.files).toContain('web');
    expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(['preact', 'htm']));
    const shipped = execFileSync('git', ['ls-files', 'web'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    expect(shipped).toEqual(expect.arrayContaining(['web/dashboard/index.html', 'web/dashboard/app.js']));
    const ignored = (args: string[]) =>
      execFileSync('git', ['ls-files', '--ignored', '--exclude-from=.funcignore', ...args], {
        encoding: 'utf8',
      })
        .split('\n')
        .filter(Boolean);
    expect(ignored(['--cached', 'web'])).toEqual([]);
    const vendor = [
      'node_modules/preact/dist/preact.mjs',
      'node_modules/preact/hooks/dist/hooks.mjs',
      'node_modules/htm/dist/htm.mjs',
      'node_modules/htm/preact/index.mjs',
    ];
    expect(ignored(['--others', ...vendor])).toEqual([]);
    for (const file of vendor) expect(existsSync(file), file).toBe(true);
  });
});
