// A TCP proxy in front of Azurite's three services, so a test can take storage away and bring it back at
// the same address: refusing (Azurite stopped), silent (connections accepted, never answered), or
// forwarding to another Azurite (one restarted in memory, empty).

import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { azuriteConnectionString, type AzuriteEndpoints } from '../../toolkit/azurite.js';

const SERVICES = ['blob', 'queue', 'table'] as const;

type Mode = 'forward' | 'silent';

class TcpProxy {
  private mode: Mode = 'forward';
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private target: URL,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  static async start(target: string): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new TcpProxy(server, new URL(target));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  set(mode: Mode, target?: string): void {
    this.mode = mode;
    if (target) this.target = new URL(target);
    // Connections made before the change belong to the storage that was: drop them, as a restart would.
    for (const socket of this.sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    this.set('silent');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private accept(client: Socket): void {
    this.track(client);
    client.on('error', () => client.destroy());
    if (this.mode === 'silent') return; // read nothing, answer nothing, until the caller gives up
    const upstream = connect(Number(this.target.port), this.target.hostname);
    this.track(upstream);
    // Nobody listening upstream: the caller sees its connection reset, as with a storage account that is down.
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

export class StorageProxy {
  private constructor(private readonly proxies: Record<(typeof SERVICES)[number], TcpProxy>) {}

  static async start(endpoints: AzuriteEndpoints): Promise<StorageProxy> {
    const [blob, queue, table] = await Promise.all(SERVICES.map((s) => TcpProxy.start(endpoints[s])));
    return new StorageProxy({ blob: blob!, queue: queue!, table: table! });
  }

  /** Points at the proxy: hand this to the app instead of Azurite's own. */
  get connectionString(): string {
    const { blob, queue, table } = this.proxies;
    return azuriteConnectionString({ blob: blob.url, queue: queue.url, table: table.url });
  }

  /** Forwards to these endpoints from now on (a restarted Azurite), or to the same ones again. */
  forwardTo(endpoints: AzuriteEndpoints): void {
    for (const service of SERVICES) this.proxies[service].set('forward', endpoints[service]);
  }

  /** Accepts connections and never answers them: storage that hangs rather than refuses. */
  silence(): void {
    for (const service of SERVICES) this.proxies[service].set('silent');
  }

  async stop(): Promise<void> {
    await Promise.all(SERVICES.map((s) => this.proxies[s].stop()));
  }
}
