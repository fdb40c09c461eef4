/** Plumbing of the local stack's HTTP server: ports, listening, closing, request log, fall-through. */
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { redactSecrets } from '../../shared/http/errors.ts';

export type Fetch = (req: Request) => Response | Promise<Response>;

/** `port` when it can be bound on `host`; otherwise 0 (any free port), with a note saying so. */
export async function portOrFree(port: number, host: string, label: string, notes: string[]): Promise<number> {
  if (port === 0) return 0;
  const free = await new Promise<boolean>((res) => {
    const srv = createNetServer();
    srv.once('error', () => res(false));
    srv.listen(port, host, () => srv.close(() => res(true)));
  });
  if (free) return port;
  notes.push(`${label} ${port} is busy; using a free one instead`);
  return 0;
}

export async function listen(handler: Fetch, port: number, host: string): Promise<Server> {
  const server = createServer({ keepAliveTimeout: 5_000 }, getRequestListener(handler, { overrideGlobalObjects: false }));
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(port, host, () => {
      server.off('error', rej);
      res();
    });
  });
  return server;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
}

/** `first`, falling through to `then` when it answers 404. */
export function fallThrough(first: Fetch, then: Fetch): Fetch {
  return async (req) => {
    const res = await first(req);
    return res.status === 404 ? then(req) : res;
  };
}

export function logRequests(handler: Fetch, log: ((line: string) => void) | undefined): Fetch {
  if (!log) return handler;
  return async (req) => {
    const started = performance.now();
    const res = await handler(req);
    // redactSecrets: the facade's upload ids (signed tokens) travel in /s3/multipart paths.
    log(redactSecrets(`${req.method} ${new URL(req.url).pathname} ${res.status} ${Math.round(performance.now() - started)}ms`));
    return res;
  };
}

/** A log option (true = console with `prefix`, or a function) as a function, or undefined for off. */
export function logger(o: boolean | ((line: string) => void) | undefined, prefix: string): ((line: string) => void) | undefined {
  return o === true ? (line) => console.log(`${prefix} ${line}`) : o || undefined;
}
