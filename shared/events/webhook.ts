/**
 * Delivering an event to WEBHOOK_URL, signed by Standard Webhooks (the `standardwebhooks` library,
 * WEBHOOK_SECRET), over node:http(s). A non-2xx answer, a redirect or a timeout throws
 * WebhookError, so FC retries the invocation.
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
