/**
 * The admin API under `/_emulator/` (path-style hosts only; on a bucket host the same path is an
 * object key):
 *
 *   GET    /_emulator/health               no auth   {ok, buckets, region, dataDir}
 *   GET    /_emulator/callback_pub_key.pem no auth   the RSA public key callbacks are signed with
 *   GET    /_emulator/faults               admin     remaining fault rules
 *   POST   /_emulator/faults               admin     add a rule or an array of rules (JSON)
 *   DELETE /_emulator/faults               admin     clear all rules
 *   DELETE /_emulator/faults/:id           admin     remove one rule
 *   POST   /_emulator/buckets              admin     {"name": "..."} create a bucket
 *   GET    /_emulator/callbacks            admin     the last 100 callback requests and results
 *   GET    /_emulator/requests             admin     OSS requests answered: ?op=&keyPrefix=&uploadId=&since=
 *   DELETE /_emulator/requests             admin     forget them
 *
 * "admin": allowed when the request carries `x-emulator-admin: <token>` matching the configured
 * admin token; without a configured token, allowed only from a loopback address.
 */
import { Hono } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { timingSafeEqual } from 'node:crypto';
import type { CallbackService } from './callback';
import { FaultRuleError, type FaultInjector } from './faults';
import { isValidBucketName } from './request';
import type { RequestLog } from './request-log';
import type { Storage } from './storage';

export interface AdminDeps {
  faults: FaultInjector;
  storage: Storage;
  callbacks: CallbackService;
  requests: RequestLog;
  adminToken?: string;
  region: string;
}

function isLoopback(addr: string | undefined): boolean {
  if (!addr) return true; // in-process fetch: no socket at all
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}

export function adminApp(deps: AdminDeps): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>().basePath('/_emulator');

  app.get('/health', (c) =>
    c.json({ ok: true, service: 'oss-emulator', region: deps.region, buckets: deps.storage.bucketNames(), dataDir: deps.storage.dataDir ?? null }),
  );

  app.get('/callback_pub_key.pem', (c) => c.body(deps.callbacks.publicKeyPem, 200, { 'Content-Type': 'application/x-pem-file' }));

  app.use('*', async (c, next) => {
    const given = c.req.header('x-emulator-admin');
    if (deps.adminToken) {
      const a = Buffer.from(given ?? '');
      const b = Buffer.from(deps.adminToken);
      if (a.length !== b.length || !timingSafeEqual(a, b)) return c.json({ error: 'admin token required (x-emulator-admin)' }, 403);
    } else if (!isLoopback(c.env?.incoming?.socket?.remoteAddress)) {
      return c.json({ error: 'admin endpoints are loopback-only unless an admin token is configured' }, 403);
    }
    await next();
  });

  app.get('/faults', (c) => c.json({ rules: deps.faults.list() }));
  app.post('/faults', async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ error: 'body must be JSON' }, 400);
    }
    try {
      const input = body && typeof body === 'object' && !Array.isArray(body) && 'rules' in body ? (body as { rules: unknown }).rules : body;
      return c.json({ added: deps.faults.add(input) }, 201);
    } catch (err) {
      if (err instanceof FaultRuleError) return c.json({ error: err.message }, 400);
      throw err;
    }
  });
  app.delete('/faults', (c) => {
    deps.faults.clear();
    return c.body(null, 204);
  });
  app.delete('/faults/:id', (c) => (deps.faults.remove(c.req.param('id')) ? c.body(null, 204) : c.json({ error: 'no such rule' }, 404)));

  app.post('/buckets', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { name?: unknown };
    const name = typeof body.name === 'string' ? body.name : '';
    if (!isValidBucketName(name)) return c.json({ error: 'invalid bucket name' }, 400);
    const created = await deps.storage.createBucket(name);
    return c.json({ name, created }, created ? 201 : 200);
  });

  app.get('/callbacks', (c) => c.json({ callbacks: deps.callbacks.log }));

  app.get('/requests', (c) => {
    const since = c.req.query('since');
    const requests = deps.requests.list({
      op: c.req.query('op'),
      keyPrefix: c.req.query('keyPrefix'),
      uploadId: c.req.query('uploadId'),
      since: since === undefined ? undefined : Number(since),
    });
    return c.json({ requests, last: deps.requests.last });
  });
  app.delete('/requests', (c) => {
    deps.requests.clear();
    return c.body(null, 204);
  });

  app.notFound((c) => c.json({ error: 'not found' }, 404));
  return app;
}
