// The page's one way to the JSON API: sends the function key the page was opened with (`?code=`), and
// turns problem documents (RFC 9457) into errors that keep their field pointers.

const key = new URLSearchParams(location.search).get('code');

/** A refused or failed request: `status`, and `errors` as the API listed them (pointer and reason). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `The API answered ${status}`);
    this.status = status;
    this.problem = problem;
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
}

/** Calls `/api{path}`; `body` is sent as is when a string, as JSON otherwise. */
export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const sent = { Accept: 'application/json', ...headers };
  if (key) sent['x-functions-key'] = key;
  if (body !== undefined) sent['Content-Type'] = 'application/json';
  const response = await fetch(`/api${path}`, {
    method,
    headers: sent,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = { detail: text };
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return { data, etag: response.headers.get('ETag'), status: response.status };
}

/** Windows zone id → IANA id, served beside the page (the API accepts both; the browser knows IANA). */
let windowsZones;
export async function loadWindowsZones() {
  if (!windowsZones) {
    const url = new URL('./windows-zones.json', import.meta.url);
    if (key) url.searchParams.set('code', key);
    const response = await fetch(url);
    windowsZones = response.ok ? await response.json() : {};
  }
  return windowsZones;
}
