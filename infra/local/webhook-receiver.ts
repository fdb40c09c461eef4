/**
 * A small webhook receiver for the local stack (when no WEBHOOK_URL is given) and the tests: it
 * verifies every delivery's Standard Webhooks signature with the official `standardwebhooks`
 * library, as an application would, records it, and answers 204 (or what `respond` says, so a
 * test can play a receiver that is down). A delivery that fails verification is answered 400.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Delivery {
  at: string;
  /** `webhook-id` as sent. */
  id: string;
  verified: boolean;
  /** Why verification failed. */
  error?: string;
  /** The event (parsed when verified). */
  event?: { id: string; type: string; data: { key: string } & Record<string, unknown> };
  headers: Record<string, string>;
  body: string;
  /** What the receiver answered. */
  status: number;
}

export interface WebhookReceiver {
  url: string;
  secret: string;
  deliveries: Delivery[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(opts: {
  secret: string;
  host?: string;
  /** The status to answer a verified delivery with (default 204). */
  respond?: (d: Delivery) => number;
  /** Deliveries remembered (newest kept). Default 500. */
  keep?: number;
}): Promise<WebhookReceiver> {
  const wh = new Webhook(opts.secret);
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string'));
      const d: Delivery = { at: new Date().toISOString(), id: headers['webhook-id'] ?? '', verified: false, headers, body, status: 400 };
      try {
        d.event = wh.verify(body, headers) as Delivery['event'];
        d.verified = true;
        d.status = opts.respond?.(d) ?? 204;
      } catch (e) {
        d.error = (e as Error).message;
      }
      deliveries.push(d);
      if (deliveries.length > (opts.keep ?? 500)) deliveries.shift();
      res.writeHead(d.status, { 'content-type': 'text/plain' }).end(d.verified ? '' : d.error);
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/webhooks/uploads`,
    secret: opts.secret,
    deliveries,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
