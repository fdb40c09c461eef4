/**
 * OSS event notifications for created objects, as OSS sends them to an FC OSS trigger (docs/fc.md,
 * "OSS trigger events"): `{events: [{eventName: 'ObjectCreated:PutObject', oss: {bucket, object}, …}]}`,
 * the event name without the `oss:` prefix the trigger configuration uses.
 *
 * A rule is what a trigger configures: event names (`oss:ObjectCreated:PutObject`, or
 * `oss:ObjectCreated:*`), a key prefix and suffix, and a target: a function (the local stack's
 * asynchronous invoker) or a URL the event is POSTed to as JSON. Targets run after the operation
 * has answered, never inside it: OSS's notification does not delay or fail the upload.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** The event notification OSS hands an FC function (one object per invocation). */
export interface OssEventNotification {
  events: Array<{
    eventName: string;
    eventSource: 'acs:oss';
    eventTime: string;
    eventVersion: '1.0';
    oss: {
      bucket: { arn: string; name: string; ownerIdentity: string; virtualBucket: '' };
      object: { deltaSize: number; eTag: string; key: string; size: number };
      ossSchemaVersion: '1.0';
      ruleId: string;
    };
    region: string;
    requestParameters: { sourceIPAddress: string };
    responseElements: { requestId: string };
    userIdentity: { principalId: string };
  }>;
}

export interface NotificationRuleInput {
  /** Trigger-style names: `oss:ObjectCreated:PutObject`, `oss:ObjectCreated:*`. */
  events: string[];
  prefix?: string;
  suffix?: string;
  target: string | ((event: OssEventNotification) => void);
}

export interface NotificationRule extends NotificationRuleInput {
  id: string;
}

/** What an operation that created an object tells the notifier. */
export interface CreatedObject {
  /** `PutObject`, `PostObject`, `CompleteMultipartUpload`, `CopyObject`. */
  operation: string;
  bucket: string;
  key: string;
  /** As stored, quoted. */
  etag: string;
  size: number;
  /** Size of the object this one replaced, 0 if none. */
  previousSize: number;
  requestId: string;
  sourceIp: string;
  principal: string;
}

/** The account id the emulator reports in ARNs and identities. */
const OWNER = '1000000000000000';

export class Notifier {
  readonly #rules = new Map<string, NotificationRule>();
  readonly #region: string;
  readonly #log?: (line: string) => void;

  constructor(opts: { region: string; log?: (line: string) => void }) {
    this.#region = opts.region;
    this.#log = opts.log;
  }

  add(input: NotificationRuleInput): NotificationRule {
    for (const e of input.events) {
      if (!/^oss:ObjectCreated:(\*|[A-Za-z]+)$/.test(e)) throw new TypeError(`unsupported event name ${e} (oss:ObjectCreated:<Operation> or oss:ObjectCreated:*)`);
    }
    const rule: NotificationRule = { ...input, id: randomUUID() };
    this.#rules.set(rule.id, rule);
    return rule;
  }

  remove(id: string): boolean {
    return this.#rules.delete(id);
  }

  list(): NotificationRule[] {
    return [...this.#rules.values()];
  }

  /** Sends the notification to every matching rule's target, after the current operation. */
  created(o: CreatedObject): void {
    const name = `ObjectCreated:${o.operation}`;
    for (const rule of this.#rules.values()) {
      if (!rule.events.some((e) => e === `oss:${name}` || e === 'oss:ObjectCreated:*')) continue;
      if (!o.key.startsWith(rule.prefix ?? '') || !o.key.endsWith(rule.suffix ?? '')) continue;
      const event = this.#event(o, name, rule.id);
      setImmediate(() => this.#send(rule, event));
    }
  }

  #event(o: CreatedObject, eventName: string, ruleId: string): OssEventNotification {
    return {
      events: [
        {
          eventName,
          eventSource: 'acs:oss',
          eventTime: new Date().toISOString(),
          eventVersion: '1.0',
          oss: {
            bucket: { arn: `acs:oss:${this.#region}:${OWNER}:${o.bucket}`, name: o.bucket, ownerIdentity: OWNER, virtualBucket: '' },
            // OSS sends the ETag without quotes.
            object: { deltaSize: o.size - o.previousSize, eTag: o.etag.replace(/"/g, ''), key: o.key, size: o.size },
            ossSchemaVersion: '1.0',
            ruleId,
          },
          region: this.#region,
          requestParameters: { sourceIPAddress: o.sourceIp },
          responseElements: { requestId: o.requestId },
          userIdentity: { principalId: o.principal },
        },
      ],
    };
  }

  #send(rule: NotificationRule, event: OssEventNotification): void {
    if (typeof rule.target === 'function') {
      try {
        rule.target(event);
      } catch (err) {
        this.#log?.(`notification target failed: ${(err as Error).message}`);
      }
      return;
    }
    const url = new URL(rule.target);
    const body = Buffer.from(JSON.stringify(event), 'utf8');
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) } }, (res) => {
      res.resume();
      if ((res.statusCode ?? 0) >= 300) this.#log?.(`notification to ${url.origin} answered ${res.statusCode}`);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => this.#log?.(`notification to ${url.origin} failed: ${e.message}`));
    req.end(body);
  }
}
