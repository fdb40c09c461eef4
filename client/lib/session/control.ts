/**
 * Pause and abort: the signals requests listen to, and the gate each step passes before its next
 * piece of work.
 */
import { UploadAbortedError } from '../../errors';
import type { SessionContext } from './context';

/** Waits while paused; throws once aborted. */
export async function gate(c: SessionContext): Promise<void> {
  while (c.paused && !c.aborted) await new Promise<void>((r) => c.wake.push(r));
  if (c.aborted) throw c.signal.reason;
}

/** Part PUTs stop; API calls finish. */
export function pause(c: SessionContext): void {
  c.paused = true;
  c.pauseCtl.abort();
}

export function resume(c: SessionContext): void {
  c.paused = false;
  c.pauseCtl = new AbortController();
  wakeAll(c);
}

/** Every request stops. */
export function abort(c: SessionContext): void {
  c.aborted = true;
  c.abortCtl.abort(new UploadAbortedError('The upload was aborted'));
  c.pauseCtl.abort();
  wakeAll(c);
}

function wakeAll(c: SessionContext): void {
  for (const w of c.wake.splice(0)) w();
}
