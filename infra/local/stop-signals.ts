/**
 * When a long-running local server (`npm start`, `npm run oss:local`) must stop: on SIGINT, SIGTERM
 * or SIGHUP, and when the process that launched it is gone (npm killed with SIGKILL, a terminal
 * closed), so no orphan keeps the ports. Why the npm scripts `exec`: README, "Stopping it".
 */

/** How often the parent is checked; an orphaned server stops within about this long. */
const WATCH_MS = 200;

/** Calls `stop(reason)` once, on the first stop signal or when our parent process exits. */
export function onStopRequest(stop: (reason: string) => void): void {
  let stopping = false;
  const once = (reason: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    stop(reason);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => once(signal));
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) once('parent process exited');
  }, WATCH_MS);
  timer.unref();
}
