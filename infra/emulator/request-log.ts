/**
 * What the emulator was asked, one entry per OSS request (admin requests excluded), so a test can
 * count what a client really sent: e.g. the part PUTs of one upload after a reload, each with its
 * part number and the status it got (0: the connection was dropped by a fault). Bounded: the
 * oldest entries go first.
 */
import type { OpName } from './types';

export interface LoggedRequest {
  /** 1, 2, 3… in arrival order of answers; `since` filters on it. */
  seq: number;
  at: string;
  op: OpName | 'Unknown';
  method: string;
  bucket: string;
  key: string;
  partNumber?: number;
  uploadId?: string;
  status: number;
}

export interface RequestFilter {
  op?: string;
  keyPrefix?: string;
  uploadId?: string;
  /** Only entries with a larger seq. */
  since?: number;
}

export class RequestLog {
  readonly #entries: LoggedRequest[] = [];
  #seq = 0;
  constructor(readonly max = 100_000) {}

  record(e: Omit<LoggedRequest, 'seq' | 'at'>): void {
    this.#entries.push({ seq: ++this.#seq, at: new Date().toISOString(), ...e });
    if (this.#entries.length > this.max) this.#entries.splice(0, this.#entries.length - this.max);
  }

  list(f: RequestFilter = {}): LoggedRequest[] {
    return this.#entries.filter(
      (e) =>
        (f.op === undefined || e.op === f.op) &&
        (f.keyPrefix === undefined || e.key.startsWith(f.keyPrefix)) &&
        (f.uploadId === undefined || e.uploadId === f.uploadId) &&
        (f.since === undefined || e.seq > f.since),
    );
  }

  /** The seq of the newest entry (0 when none): pass it as `since` later to see only what came after. */
  get last(): number {
    return this.#seq;
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
