/**
 * The local stack's stand-in for FC's asynchronous invocation of the events function: each OSS
 * event notification the emulator sends becomes one invocation; a failed attempt is retried after
 * a backoff, up to the retry count and the maximum event age s.yaml declares
 * (functions/events/trigger.ts); what still fails goes to the dead letters with the event intact,
 * as FC hands it to the `onFailure` destination. `redeliver` starts a dead letter afresh.
 *
 * The backoff is ours (FC does not document its schedule): `baseMs` doubling, at most 30 s, so a
 * person watching the demo sees retries happen; tests pass a few milliseconds.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export type InvocationState = 'running' | 'retrying' | 'succeeded' | 'dead-lettered';

export interface Invocation {
  id: string;
  /** The OSS event, as the emulator sent it. */
  event: unknown;
  enqueuedAt: string;
  attempts: number;
  state: InvocationState;
  lastError?: string;
  /** What the handler returned on success. */
  result?: unknown;
  nextAttemptAt?: string;
}

export interface DeadLetter {
  invocationId: string;
  at: string;
  attempts: number;
  /**
   * Why FC would give up: retries used up, or the event got older than the maximum age. Locally
   * also `StackStopped`: the stack stopped while the invocation waited for a retry (FC's queue
   * would have kept it; here it is kept as a dead letter, so nothing is lost).
   */
  condition: 'RetriesExhausted' | 'MaxEventAgeExceeded' | 'StackStopped';
  error: string;
  /** The OSS event, intact: what `events` is invoked with again on re-delivery. */
  event: unknown;
}

/** Dead letters: a JSON-lines file under the data folder, or memory. */
export interface DeadLetterStore {
  add(entry: DeadLetter): Promise<void>;
  list(): Promise<DeadLetter[]>;
  /** Removes and returns the entries `pick` selects. */
  take(pick: (d: DeadLetter) => boolean): Promise<DeadLetter[]>;
}

export function memoryDeadLetters(): DeadLetterStore {
  let entries: DeadLetter[] = [];
  return {
    add: async (e) => void entries.push(e),
    list: async () => [...entries],
    take: async (pick) => {
      const taken = entries.filter(pick);
      entries = entries.filter((e) => !pick(e));
      return taken;
    },
  };
}

export function fileDeadLetters(file: string): DeadLetterStore {
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };
  const read = async (): Promise<DeadLetter[]> => {
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as DeadLetter);
  };
  return {
    add: (e) =>
      serial(async () => {
        await mkdir(dirname(file), { recursive: true });
        await appendFile(file, `${JSON.stringify(e)}\n`);
      }),
    list: () => serial(read),
    take: (pick) =>
      serial(async () => {
        const all = await read();
        const taken = all.filter(pick);
        if (taken.length) await writeFile(file, all.filter((e) => !pick(e)).map((e) => `${JSON.stringify(e)}\n`).join(''));
        return taken;
      }),
  };
}

export interface AsyncInvokerOptions {
  handler: (event: Buffer, context: { requestId: string }) => Promise<unknown>;
  maxRetries: number;
  maxEventAgeSeconds: number;
  /** First retry after this, doubling, at most 30 s. */
  baseMs: number;
  deadLetters: DeadLetterStore;
  log?: (line: string) => void;
  /** Invocations remembered for the demo (newest kept). Default 200. */
  keep?: number;
}

export class AsyncInvoker {
  readonly #opts: AsyncInvokerOptions;
  readonly #invocations = new Map<string, Invocation>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #running = new Set<Promise<void>>();
  #closed = false;

  constructor(opts: AsyncInvokerOptions) {
    this.#opts = opts;
  }

  /** Queues an invocation with `event` (as FC does on an asynchronous invoke) and returns it. */
  invoke(event: unknown): Invocation {
    const inv: Invocation = { id: randomUUID(), event, enqueuedAt: new Date().toISOString(), attempts: 0, state: 'running' };
    this.#invocations.set(inv.id, inv);
    const keep = this.#opts.keep ?? 200;
    for (const [id, old] of this.#invocations) {
      if (this.#invocations.size <= keep) break;
      if (old.state === 'succeeded' || old.state === 'dead-lettered') this.#invocations.delete(id);
    }
    this.#attempt(inv);
    return inv;
  }

  list(): Invocation[] {
    return [...this.#invocations.values()];
  }

  /** Re-invokes the dead letters `pick` selects (all by default), each as a new invocation. */
  async redeliver(pick: (d: DeadLetter) => boolean = () => true): Promise<Invocation[]> {
    const taken = await this.#opts.deadLetters.take(pick);
    return taken.map((d) => this.invoke(d.event));
  }

  /** Resolves when nothing is running or waiting for a retry. */
  async idle(): Promise<void> {
    while (this.#running.size > 0 || this.#timers.size > 0) {
      await Promise.all([...this.#running]);
      if (this.#timers.size > 0) await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Stops retrying; invocations waiting for a retry become dead letters (`StackStopped`). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const inv of this.#invocations.values()) {
      if (inv.state !== 'retrying') continue;
      inv.state = 'dead-lettered';
      await this.#opts.deadLetters.add({ invocationId: inv.id, at: new Date().toISOString(), attempts: inv.attempts, condition: 'StackStopped', error: inv.lastError ?? '', event: inv.event });
    }
  }

  #attempt(inv: Invocation): void {
    if (this.#closed) return;
    const run = this.#run(inv).finally(() => this.#running.delete(run));
    this.#running.add(run);
  }

  async #run(inv: Invocation): Promise<void> {
    inv.attempts++;
    inv.state = 'running';
    inv.nextAttemptAt = undefined;
    try {
      inv.result = await this.#opts.handler(Buffer.from(JSON.stringify(inv.event), 'utf8'), { requestId: `${inv.id}-${inv.attempts}` });
      inv.state = 'succeeded';
      inv.lastError = undefined;
      return;
    } catch (e) {
      inv.lastError = e instanceof Error ? e.message : String(e);
    }
    const ageMs = Date.now() - Date.parse(inv.enqueuedAt);
    const retriesUsed = inv.attempts - 1;
    const delay = Math.min(30_000, this.#opts.baseMs * 2 ** retriesUsed);
    const condition = retriesUsed >= this.#opts.maxRetries ? 'RetriesExhausted' : ageMs + delay > this.#opts.maxEventAgeSeconds * 1000 ? 'MaxEventAgeExceeded' : undefined;
    if (condition) {
      inv.state = 'dead-lettered';
      this.#opts.log?.(`events invocation ${inv.id}: ${condition} after ${inv.attempts} attempt(s): ${inv.lastError}`);
      await this.#opts.deadLetters.add({ invocationId: inv.id, at: new Date().toISOString(), attempts: inv.attempts, condition, error: inv.lastError ?? '', event: inv.event });
      return;
    }
    inv.state = 'retrying';
    inv.nextAttemptAt = new Date(Date.now() + delay).toISOString();
    this.#opts.log?.(`events invocation ${inv.id}: attempt ${inv.attempts} failed (${inv.lastError}); retry in ${delay} ms`);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#attempt(inv);
    }, delay);
    this.#timers.add(timer);
  }
}
