/**
 * Delivering an event to WEBHOOK_URL by the Standard Webhooks specification
 * (https://www.standardwebhooks.com/): headers `webhook-id` (the event id), `webhook-timestamp`
 * (seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 over "id.timestamp.body">`), signed
 * by the official `standardwebhooks` library with WEBHOOK_SECRET, so any Standard Webhooks library
 * verifies it.
 *
 * A 2xx answer is a delivery. Anything else (another status, a redirect, a timeout, no
 * connection) throws WebhookError: the invocation fails and FC retries it. Over node:http(s)
 * (shared/oss/http-transport.ts), like the OSS calls, so the bundle never loads undici.
 */
import { Webhook } from 'standardwebhooks';
import { nodeHttpFetch, type Transport } from '../oss/http-transport';
import type { UploadEvent } from './event';

export class WebhookError extends Error {
  override readonly name = 'WebhookError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface WebhookTarget {
  url: string;
  /** `whsec_…` */
  secret: string;
  timeoutMs: number;
  transport?: Transport;
  now?: () => Date;
}

/** The three Standard Webhooks headers for `body`. */
export function signedHeaders(secret: string, id: string, at: Date, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}

/** POSTs the event; resolves with the receiver's status, throws WebhookError otherwise. */
export async function deliver(target: WebhookTarget, event: UploadEvent): Promise<{ status: number; ms: number }> {
  const body = JSON.stringify(event);
  const started = performance.now();
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'oss-upload-functions-events/1',
    ...signedHeaders(target.secret, event.id, target.now?.() ?? new Date(), body),
  };
  const signal = AbortSignal.timeout(target.timeoutMs);
  let status: number;
  try {
    const res = await (target.transport ?? nodeHttpFetch)(target.url, { method: 'POST', headers, body: Buffer.from(body, 'utf8'), signal, redirect: 'manual' });
    status = res.status;
    await res.arrayBuffer();
  } catch (e) {
    // The receiver's origin only: its URL may carry a token.
    const where = new URL(target.url).origin;
    if (signal.aborted) throw new WebhookError(`no answer from ${where} within ${target.timeoutMs} ms`);
    const code = (e as { code?: string }).code ?? (e as Error).name;
    throw new WebhookError(`could not reach ${where}: ${code}`);
  }
  if (status < 200 || status > 299) throw new WebhookError(`${new URL(target.url).origin} answered HTTP ${status}`, status);
  return { status, ms: Math.round(performance.now() - started) };
}
