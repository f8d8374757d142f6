/** Small loopback servers tests share: a TCP forwarder and a recorder of JSON posts. */
import { createServer as createHttpServer, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';

/** Forwards TCP connections from `port` to `targetPort` on loopback: a server "coming back" on its address. */
export async function startProxy(port: number, targetPort: number): Promise<() => Promise<void>> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

export interface HookServer {
  readonly url: string;
  readonly received: unknown[];
  readonly paths: string[];
  readonly close: () => Promise<void>;
}

/** Stands in for Mattermost's /hooks/commands/<id>: records what is posted there. */
export async function startHookServer(): Promise<HookServer> {
  const received: unknown[] = [];
  const paths: string[] = [];
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.push(req.url ?? '');
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
