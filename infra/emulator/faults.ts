/**
 * Fault injection, for testing clients' retry and recovery paths.
 *
 * A rule matches requests by operation (`op`, or `'*'`), optionally bucket and key prefix, and
 * fires on the next `count` matching requests (default 1; -1 = until cleared). Actions:
 *   error        answer `status` (default 500; 503 gives ServiceUnavailable) with an OSS error XML,
 *                without performing the operation
 *   delay        wait `ms` before handling the request (then handle it normally)
 *   drop-before  destroy the connection before the operation takes effect
 *   drop-after   perform the operation, then destroy the connection instead of answering
 *   corrupt-crc  perform the operation but report a wrong x-oss-hash-crc64ecma (the header, and
 *                the HashCrc64ecma of ListParts)
 *   corrupt-part UploadPart: answer as if the bytes were stored intact (their ETag and CRC-64), but
 *                store them with the first byte flipped; ListParts then reports the stored bytes'
 *                CRC-64 (the ETag stays the one answered). A part gone bad in OSS after its PUT
 * Rules are checked after authentication, so a fault never hides a signature error.
 */
import { randomBytes } from 'node:crypto';
import type { OpName } from './types';

export type FaultAction = 'error' | 'delay' | 'drop-before' | 'drop-after' | 'corrupt-crc' | 'corrupt-part';

export interface FaultRuleInput {
  op?: OpName | '*';
  action: FaultAction;
  count?: number;
  status?: number;
  code?: string;
  message?: string;
  ms?: number;
  keyPrefix?: string;
  bucket?: string;
}

export interface FaultRule extends Required<Pick<FaultRuleInput, 'op' | 'action'>> {
  id: string;
  /** Remaining firings; -1 = unlimited. */
  remaining: number;
  status?: number;
  code?: string;
  message?: string;
  ms?: number;
  keyPrefix?: string;
  bucket?: string;
  /** How many times it has fired. */
  fired: number;
}

const ACTIONS: FaultAction[] = ['error', 'delay', 'drop-before', 'drop-after', 'corrupt-crc', 'corrupt-part'];

export class FaultRuleError extends Error {}

export function validateRule(input: unknown): FaultRule {
  if (!input || typeof input !== 'object') throw new FaultRuleError('a fault rule must be an object');
  const r = input as Record<string, unknown>;
  const action = r.action as FaultAction;
  if (!ACTIONS.includes(action)) throw new FaultRuleError(`action must be one of ${ACTIONS.join(', ')}`);
  const op = (r.op ?? '*') as OpName | '*';
  if (typeof op !== 'string' || (op as string) === '') throw new FaultRuleError('op must be an operation name or *');
  const count = r.count === undefined ? 1 : r.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || (count < 1 && count !== -1)) {
    throw new FaultRuleError('count must be a positive integer, or -1 for unlimited');
  }
  const rule: FaultRule = { id: randomBytes(6).toString('hex'), op, action, remaining: count, fired: 0 };
  if (action === 'error') {
    const status = r.status === undefined ? 500 : r.status;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599) {
      throw new FaultRuleError('status must be an HTTP error status (400..599)');
    }
    rule.status = status;
    if (r.code !== undefined) rule.code = String(r.code);
    if (r.message !== undefined) rule.message = String(r.message);
  }
  if (action === 'delay') {
    const ms = r.ms === undefined ? 1000 : r.ms;
    if (typeof ms !== 'number' || ms < 0 || ms > 600_000) throw new FaultRuleError('ms must be 0..600000');
    rule.ms = ms;
  }
  if (r.keyPrefix !== undefined) rule.keyPrefix = String(r.keyPrefix);
  if (r.bucket !== undefined) rule.bucket = String(r.bucket);
  return rule;
}

export interface FaultPlan {
  delayMs: number;
  error?: FaultRule;
  dropBefore: boolean;
  dropAfter: boolean;
  corruptCrc: boolean;
  corruptStored: boolean;
}

export class FaultInjector {
  #rules: FaultRule[] = [];

  add(input: FaultRuleInput | FaultRuleInput[] | unknown): FaultRule[] {
    const list = Array.isArray(input) ? input : [input];
    const rules = list.map(validateRule);
    this.#rules.push(...rules);
    return rules.map((r) => ({ ...r }));
  }

  clear(): void {
    this.#rules = [];
  }

  remove(id: string): boolean {
    const n = this.#rules.length;
    this.#rules = this.#rules.filter((r) => r.id !== id);
    return this.#rules.length !== n;
  }

  list(): FaultRule[] {
    return this.#rules.map((r) => ({ ...r }));
  }

  /** Consumes the rules matching this request and says what to do. */
  take(op: OpName, bucket: string | undefined, key: string): FaultPlan {
    const plan: FaultPlan = { delayMs: 0, dropBefore: false, dropAfter: false, corruptCrc: false, corruptStored: false };
    for (const rule of this.#rules) {
      if (rule.remaining === 0) continue;
      if (rule.op !== '*' && rule.op !== op) continue;
      if (rule.bucket !== undefined && rule.bucket !== bucket) continue;
      if (rule.keyPrefix !== undefined && !key.startsWith(rule.keyPrefix)) continue;
      if (rule.action === 'error' || rule.action === 'drop-before') {
        if (plan.error || plan.dropBefore) continue; // one terminal fault per request
      }
      if (rule.remaining > 0) rule.remaining--;
      rule.fired++;
      switch (rule.action) {
        case 'delay':
          plan.delayMs += rule.ms ?? 0;
          break;
        case 'error':
          plan.error = rule;
          break;
        case 'drop-before':
          plan.dropBefore = true;
          break;
        case 'drop-after':
          plan.dropAfter = true;
          break;
        case 'corrupt-crc':
          plan.corruptCrc = true;
          break;
        case 'corrupt-part':
          plan.corruptStored = true;
          break;
      }
    }
    this.#rules = this.#rules.filter((r) => r.remaining !== 0);
    return plan;
  }
}

/** A different, still well-formed CRC-64 decimal. */
export function corruptCrc(value: string): string {
  return (BigInt(value) ^ 0xdeadbeefn).toString();
}
