// A fetch that never answers: it rejects only when the caller's signal aborts, with the signal's reason.
//
// A real hanging request holds a socket, and that socket keeps Node's event loop alive until the caller
// gives up. AbortSignal.timeout's timer does not (it is unref'd), so a fake without a handle of its own
// lets the loop drain first, and node:test then cancels the waiting test. This fake holds a ref'd
// interval for as long as its promise is pending, as the socket would.

/** The fake, and how many times it was called. */
export function hangingFetch(): { fetch: typeof fetch; calls: () => number } {
  let calls = 0;
  const fake = ((_input: unknown, init?: RequestInit) => {
    calls++;
    return new Promise<Response>((_resolve, reject) => {
      const signal = init?.signal;
      if (!signal) throw new Error('hangingFetch needs a signal: without one it would hang for ever');
      const socketLike = setInterval(() => {}, 60_000);
      const giveUp = () => {
        clearInterval(socketLike);
        reject(signal.reason);
      };
      if (signal.aborted) giveUp();
      else signal.addEventListener('abort', giveUp, { once: true });
    });
  }) as typeof fetch;
  return { fetch: fake, calls: () => calls };
}
