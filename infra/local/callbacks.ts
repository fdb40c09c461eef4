/** The callback function's answers, recorded per object key so the demo can show them. */
import type { Fetch } from './http-server.ts';

export interface CallbackSeen {
  status: number;
  at: string;
  response: unknown;
}

/** Wraps the callback function; keeps the newest answer per key, at most 500 keys. */
export function recordCallbacks(callback: Fetch, seen: Map<string, CallbackSeen>): Fetch {
  return async (req) => {
    const res = await callback(req);
    try {
      const body = (await res.clone().json()) as { key?: unknown };
      const key = typeof body?.key === 'string' && body.key ? body.key : undefined;
      if (key) {
        seen.delete(key);
        seen.set(key, { status: res.status, at: new Date().toISOString(), response: body });
        if (seen.size > 500) seen.delete(seen.keys().next().value!);
      }
    } catch {
      /* not JSON: nothing to show */
    }
    return res;
  };
}
