/**
 * The events path of the local stack, wired as in production: the emulator sends the OSS event
 * notification for objects created under KEY_PREFIX (the events and prefix of the s.yaml trigger,
 * functions/events/trigger.ts) to an AsyncInvoker, which runs functions/events like FC's
 * asynchronous invocation (same retries and maximum age, a backoff of seconds, dead letters in
 * `<dataDir>/events-dead-letters.jsonl`). Without WEBHOOK_URL, a local receiver verifies every
 * delivery (webhook-receiver.ts) and the demo page shows what it got (`/_local/events`).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Hono } from 'hono';
import { jsonErrorResponse } from '../../shared/http/errors.ts';
import { createHandler } from '../../functions/events/index.ts';
import { EVENTS_ASYNC_INVOKE, EVENTS_TRIGGER_EVENTS } from '../../functions/events/trigger.ts';
import { loadConfig } from '../../shared/config/index.ts';
import type { Outcome } from '../../shared/events/process.ts';
import type { RunningEmulator } from '../emulator/server.ts';
import { AsyncInvoker, fileDeadLetters, memoryDeadLetters, type DeadLetterStore } from './async-invoker.ts';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';

/** The local backoff's first step: 2 s, 4 s, 8 s… (at most 30 s). */
export const DEFAULT_EVENTS_RETRY_BASE_MS = 2000;
export const DEAD_LETTER_FILE = 'events-dead-letters.jsonl';

export interface LocalEvents {
  invoker: AsyncInvoker;
  deadLetters: DeadLetterStore;
  /** The local receiver, when WEBHOOK_URL was not given. */
  receiver?: WebhookReceiver;
  /**
   * `/_local/events` (what happened), `/_local/events/dead-letters`, POST `/_local/events/redeliver`,
   * limited to the objects `mine` accepts (the caller's own; the stack authenticates first).
   */
  fetch: (req: Request, mine: (key: string) => boolean) => Response | Promise<Response>;
  close(): Promise<void>;
}

export async function startLocalEvents(opts: {
  /** The functions' environment; WEBHOOK_URL/WEBHOOK_SECRET are added when absent. */
  env: Record<string, string>;
  emulator: RunningEmulator;
  dataDir?: string;
  retryBaseMs?: number;
  log?: (line: string) => void;
}): Promise<LocalEvents> {
  const { env } = opts;
  let receiver: WebhookReceiver | undefined;
  if (!env.WEBHOOK_URL && !env.WEBHOOK_SECRET) {
    receiver = await startWebhookReceiver({ secret: `whsec_${randomBytes(32).toString('base64')}`, host: '127.0.0.1' });
    env.WEBHOOK_URL = receiver.url;
    env.WEBHOOK_SECRET = receiver.secret;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (e) {
    await receiver?.close();
    throw e;
  }
  const deadLetters = opts.dataDir ? fileDeadLetters(join(opts.dataDir, DEAD_LETTER_FILE)) : memoryDeadLetters();
  const invoker = new AsyncInvoker({
    handler: createHandler({ env, log: opts.log ?? (() => {}) }) as (e: Buffer, c: { requestId: string }) => Promise<unknown>,
    maxRetries: EVENTS_ASYNC_INVOKE.maxAsyncRetryAttempts,
    maxEventAgeSeconds: EVENTS_ASYNC_INVOKE.maxAsyncEventAgeInSeconds,
    baseMs: opts.retryBaseMs ?? DEFAULT_EVENTS_RETRY_BASE_MS,
    deadLetters,
    log: opts.log,
  });
  const rule = opts.emulator.admin.notifications.add({
    events: [...EVENTS_TRIGGER_EVENTS],
    prefix: `${config.policy.keyPrefix}/`,
    target: (event) => void invoker.invoke(event),
  });

  const app = new Hono<{ Bindings: { mine: (key: string) => boolean } }>();
  app.get('/_local/events', async (c) => c.json(await view(invoker, deadLetters, receiver, config.events.webhookUrl!, c.env.mine), 200, { 'cache-control': 'no-store' }));
  app.get('/_local/events/dead-letters', async (c) =>
    c.json({ deadLetters: (await deadLetters.list()).filter((d) => c.env.mine(eventKey(d.event))) }, 200, { 'cache-control': 'no-store' }),
  );
  app.post('/_local/events/redeliver', async (c) => {
    // Same-origin only, like /_local/network.
    const origin = c.req.header('origin');
    if (origin && origin !== new URL(c.req.url).origin) return jsonErrorResponse(403, 'FORBIDDEN', 'Same-origin only');
    const body = (await c.req.json().catch(() => ({}))) as { invocationIds?: unknown };
    const ids = Array.isArray(body.invocationIds) ? new Set(body.invocationIds.filter((x): x is string => typeof x === 'string')) : undefined;
    const started = await invoker.redeliver((d) => c.env.mine(eventKey(d.event)) && (!ids || ids.has(d.invocationId)));
    return c.json({ redelivered: started.map((i) => ({ invocationId: i.id })) });
  });

  return {
    invoker,
    deadLetters,
    receiver,
    fetch: (req, mine) => app.fetch(req, { mine }),
    async close() {
      opts.emulator.admin.notifications.remove(rule.id);
      await invoker.close();
      await receiver?.close();
    },
  };
}

/** The object key an OSS event notification names ('' when none). */
function eventKey(event: unknown): string {
  return (event as { events?: Array<{ oss?: { object?: { key?: string } } }> })?.events?.[0]?.oss?.object?.key ?? '';
}

/** What the demo page's events panel shows: one row per object event, newest first. */
async function view(invoker: AsyncInvoker, deadLetters: DeadLetterStore, receiver: WebhookReceiver | undefined, webhookUrl: string, mine: (key: string) => boolean) {
  const rows = invoker.list().filter((inv) => mine(eventKey(inv.event))).map((inv) => {
    const record = (inv.event as { events?: Array<{ eventName?: string; oss?: { object?: { key?: string } } }> })?.events?.[0];
    const outcome = ((inv.result as { outcomes?: Outcome[] } | undefined)?.outcomes ?? [])[0];
    const id = outcome && 'id' in outcome ? outcome.id : undefined;
    const got = id && receiver ? receiver.deliveries.filter((d) => d.id === id) : [];
    return {
      invocationId: inv.id,
      key: record?.oss?.object?.key ?? '',
      trigger: record?.eventName ?? '',
      state: inv.state,
      attempts: inv.attempts,
      lastError: inv.lastError ?? null,
      nextAttemptAt: inv.nextAttemptAt ?? null,
      outcome: outcome?.outcome ?? null,
      id: id ?? null,
      type: outcome && 'type' in outcome ? outcome.type : null,
      // Only known when the local receiver got it: each delivery verified with standardwebhooks.
      verified: got.length ? got.every((d) => d.verified) : null,
      deliveries: got.length,
      check: got.at(-1)?.event?.data?.check ?? null,
      at: inv.enqueuedAt,
    };
  });
  return {
    webhook: receiver ? { receiver: 'local', url: receiver.url } : { receiver: 'yours', url: new URL(webhookUrl).origin },
    events: rows.reverse(),
    deadLetters: (await deadLetters.list()).filter((d) => mine(eventKey(d.event))).length,
  };
}
