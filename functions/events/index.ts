/**
 * events: OSS trigger, invoked asynchronously by FC for every object created under KEY_PREFIX; runs
 * shared/events/process.ts per object and throws any failure after trying them all, so FC retries
 * (docs/events.md). Returns and logs a report.
 */
import { ConfigError, INTERNAL } from '../../shared/config/index';
import type { FcContext, RawFcEvent } from '../../shared/http/fc-adapter';
import { parseOssEvent } from '../../shared/events/oss-event';
import { handleObjectCreated, type Outcome } from '../../shared/events/process';
import type { Transport } from '../../shared/oss/http-transport';
import { configOf, ossClientFor, type Deps } from '../../shared/runtime';

export interface EventsDeps extends Deps {
  /** Transport for webhook deliveries (default node:http(s)). */
  webhookFetch?: Transport;
  /** Where the JSON log lines go (default stdout, FC's log). */
  log?: (line: string) => void;
}

export interface EventsReport {
  outcomes: Outcome[];
}

export function createHandler(deps: EventsDeps = {}) {
  return async (event: RawFcEvent, context: FcContext): Promise<EventsReport> => {
    const log = (entry: object) => (deps.log ?? console.log)(JSON.stringify({ fn: 'events', requestId: context?.requestId, ...entry }));
    const config = configOf(deps, INTERNAL);
    const { webhookUrl: url, webhookSecret: secret } = config.events;
    if (!url || !secret) throw new ConfigError(['the events function needs WEBHOOK_URL and WEBHOOK_SECRET']);
    const records = parseOssEvent(event);
    const oss = ossClientFor(context, config, deps);
    const webhook = { url, secret, timeoutMs: config.events.webhookTimeoutMs, transport: deps.webhookFetch, now: deps.now };

    const outcomes: Outcome[] = [];
    const failures: string[] = [];
    for (const r of records) {
      try {
        const o = await handleObjectCreated(r, { oss, config, webhook });
        outcomes.push(o);
        log({ level: o.outcome === 'ignored' ? 'warn' : 'info', ...o });
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        failures.push(`${r.key}: ${message}`);
        log({ level: 'error', key: r.key, error: message });
      }
    }
    if (failures.length) throw new Error(`${failures.length} of ${records.length} object(s) failed, FC retries the event: ${failures.join('; ')}`);
    return { outcomes };
  };
}

export const handler = createHandler();
