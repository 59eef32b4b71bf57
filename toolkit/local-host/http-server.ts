// Serves the registry's HTTP functions over node:http the way the Functions host does: routes under
// /api (and `/` to the dashboard), HttpRequest in, HttpResponse out, one InvocationContext per call. No
// function keys locally.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import functions, {
  type HttpResponse as HttpResponseType,
  type HttpResponseInit,
  type LogHandler,
} from '@azure/functions';
import { NotFoundError, PayloadTooLargeError } from '../../src/errors.js';
import { problemResponse } from '../../src/api-contract/problem.js';
import { ROUTE_PREFIX } from '../../src/api-contract/operations.js';
import type { HttpFunctionDefinition } from '../../src/functions/registry.js';
import type { Webhook } from './event-grid-webhook.js';
import { withLocalPrincipal, type LocalPrincipal } from './principal.js';
import { compileRoute, type CompiledRoute } from './routes.js';

// @azure/functions is CommonJS: Node's ESM loader sees `app` as a named export, but not these classes.
const { HttpRequest, HttpResponse, InvocationContext } = functions;

/** The Functions host refuses request bodies over 100 MB; the handlers enforce their own, smaller limits. */
const HOST_MAX_BODY_BYTES = 100 * 1024 * 1024;

export interface HttpServerOptions {
  functions: HttpFunctionDefinition[];
  principal: LocalPrincipal | undefined;
  port: number;
  host?: string;
  log: LogHandler;
  /** Paths outside `/api` the host serves too, e.g. the Event Grid webhook. */
  webhooks?: Webhook[];
}

export interface RunningHttpServer {
  /** e.g. http://localhost:7071/api */
  baseUrl: string;
  port: number;
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const table = options.functions
    .map((definition) => ({ definition, route: compileRoute(definition.trigger.route) }))
    .sort((a, b) => b.route.specificity - a.route.specificity);
  const server = createServer((req, res) => {
    void serve(req, res, table, options);
  });
  await listen(server, options.port, options.host ?? 'localhost');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://localhost:${port}${ROUTE_PREFIX}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The most literal route that serves the method and matches the path (the table is sorted so). */
function firstMatch(
  table: { definition: HttpFunctionDefinition; route: CompiledRoute }[],
  path: string,
  method: string,
): { definition: HttpFunctionDefinition; params: Record<string, string> } | undefined {
  for (const { definition, route } of table) {
    // The method first: it is cheap, and most routes do not serve it.
    if (!definition.trigger.methods.includes(method as never)) continue;
    const params = route.match(path);
    if (params) return { definition, params };
  }
  return undefined;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  table: { definition: HttpFunctionDefinition; route: CompiledRoute }[],
  options: HttpServerOptions,
): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  const method = (req.method ?? 'GET').toUpperCase();
  const context = (functionName: string) =>
    new InvocationContext({ invocationId: randomUUID(), functionName, logHandler: options.log });
  try {
    const webhook = options.webhooks?.find((w) => w.path.toLowerCase() === url.pathname.toLowerCase());
    if (webhook) {
      const answer = await webhook.handle({
        method,
        url,
        headers: flattenHeaders(req),
        body: await readBody(req),
      });
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
      return;
    }
    if (url.pathname === '/' && (method === 'GET' || method === 'HEAD')) {
      // The dashboard lives under /api like every function; locally the bare host name leads to it.
      await send(res, { status: 302, headers: { Location: `${ROUTE_PREFIX}/dashboard${url.search}` } });
      return;
    }
    const prefix = `${ROUTE_PREFIX}/`;
    const path = url.pathname.toLowerCase().startsWith(prefix)
      ? url.pathname.slice(prefix.length)
      : undefined;
    const matched = path === undefined ? undefined : firstMatch(table, path, method);
    if (!matched) {
      await send(
        res,
        problemResponse(
          new NotFoundError(`No function serves ${method} ${url.pathname}.`),
          undefined,
          url.pathname,
        ),
      );
      return;
    }
    const body = await readBody(req);
    const request = new HttpRequest({
      method,
      url: url.href,
      headers: withLocalPrincipal(flattenHeaders(req), options.principal),
      params: matched.params,
      ...(body.byteLength > 0 ? { body: { bytes: body } } : {}),
    });
    const result = await matched.definition.handler(request, context(matched.definition.name));
    await send(res, result);
  } catch (error) {
    await send(res, problemResponse(error, context('localHost'), url.pathname));
  }
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.byteLength;
    if (size > HOST_MAX_BODY_BYTES)
      throw new PayloadTooLargeError('The body is larger than the host accepts (100 MB).');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

async function send(res: ServerResponse, result: HttpResponseInit | HttpResponseType | void): Promise<void> {
  const response = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
  const body = Buffer.from(await response.arrayBuffer());
  response.headers.forEach((value, name) => res.setHeader(name, value));
  res.statusCode = response.status;
  res.end(body);
}
