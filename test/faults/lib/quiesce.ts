/**
 * Knowing when the emulator has finished everything it started. A `delay` fault keeps a request
 * sleeping inside the emulator after its client gave up (timeout), and the operation still runs
 * when it wakes: an InitiateMultipartUpload delayed past the functions' OSS timeout creates its
 * upload seconds after init answered 502. Counting what is left behind is only meaningful once
 * every such request has run to its end.
 *
 * Started requests are counted on the server's `request` event; finished ones through the
 * emulator's request log, which it writes once per request after the operation ran (also for
 * dropped connections and for requests whose client went away). The admin API (`/_emulator/…`)
 * is not logged and not counted.
 */
import type { Server } from 'node:http';

export class EmulatorActivity {
  started = 0;
  finished = 0;
  readonly lines: string[] = [];
  #keep: number;

  constructor(keepLines = 0) {
    this.#keep = keepLines;
  }

  /** Pass as the emulator's `log` option. */
  readonly log = (line: string): void => {
    this.finished++;
    if (this.#keep > 0) {
      this.lines.push(line);
      if (this.lines.length > this.#keep) this.lines.shift();
    }
  };

  /** Counts requests as the server receives them. */
  attach(server: Server): void {
    server.on('request', (req) => {
      if (!(req.url ?? '').startsWith('/_emulator')) this.started++;
    });
  }

  get inFlight(): number {
    return this.started - this.finished;
  }

  /** Resolves when every request the emulator received has run to its end (bounded wait). */
  async settle(limitMs = 60_000): Promise<void> {
    const deadline = Date.now() + limitMs;
    while (this.inFlight > 0) {
      if (Date.now() > deadline) throw new Error(`emulator still has ${this.inFlight} requests in flight after ${limitMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
