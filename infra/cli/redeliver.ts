/**
 * `redeliver`: events that failed every attempt, delivered again.
 *
 * Locally (the default): asks the running `npm start` stack to re-invoke the events function with
 * its dead letters (<dataDir>/events-dead-letters.jsonl), all or those named with --id.
 *
 * In production FC hands a failed event to the `onFailure` destination (s.yaml: an MNS queue).
 * `--extract FILE` reads what you took from there (the message body as JSON or base64, one per
 * line or a JSON array), or local dead letters, and prints each OSS event on one line, ready for
 * `s events invoke --invocation-type Async -f event.json` (README, "Events"). The OSS event is
 * found wherever it sits in the record (FC puts the invocation payload in `requestPayload`).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { EXIT_FAILURE, UsageError, type CliIo, type Command } from './common.ts';

export const usage = `usage: npm run --silent cli -- redeliver [flags]

Re-delivers events that failed every attempt.

flags:
  --stack URL        the local stack (default http://127.0.0.1:$PORT, PORT default 8787)
  --id ID            only this dead letter's invocation id (repeatable; default: all)
  --list             list the local dead letters instead
  --jwt TOKEN        a caller JWT, when the stack runs with AUTH_MODE=jwt (you see your own uploads' letters)
  --extract FILE     print the OSS event(s) held in FILE (an onFailure destination message, or
                     dead letters), one JSON per line, for \`s events invoke\`

exit codes: 0 done, 1 the stack refused or FILE holds no OSS event, 2 bad flags
`;

/** Every OSS trigger event (`{events: [{oss: …}]}`) inside `value`, looking into JSON strings too. */
export function findOssEvents(value: unknown, depth = 0): unknown[] {
  if (depth > 8) return [];
  if (typeof value === 'string') {
    const t = value.trim();
    if (t.startsWith('{') || t.startsWith('[')) {
      try {
        return findOssEvents(JSON.parse(t), depth + 1);
      } catch {
        return [];
      }
    }
    return [];
  }
  if (Array.isArray(value)) return value.flatMap((v) => findOssEvents(v, depth + 1));
  if (value && typeof value === 'object') {
    const events = (value as { events?: unknown }).events;
    if (Array.isArray(events) && events.length > 0 && events.every((e) => e && typeof e === 'object' && 'oss' in e)) return [value];
    return Object.values(value).flatMap((v) => findOssEvents(v, depth + 1));
  }
  return [];
}

/** The records in a file: one JSON document, JSON lines, or base64 of either. */
export function parseRecords(text: string): unknown[] {
  const tryJson = (t: string): unknown[] | undefined => {
    try {
      return [JSON.parse(t)];
    } catch {
      const lines = t.split('\n').filter((l) => l.trim() !== '');
      try {
        return lines.map((l) => JSON.parse(l));
      } catch {
        return undefined;
      }
    }
  };
  const direct = tryJson(text);
  if (direct) return direct;
  const decoded = Buffer.from(text.trim(), 'base64').toString('utf8');
  return tryJson(decoded) ?? [];
}

export const command: Command = {
  summary: 'deliver failed events again: the local stack\'s dead letters, or --extract one from the onFailure queue',
  usage,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseArgs({
      args: argv,
      options: { stack: { type: 'string' }, id: { type: 'string', multiple: true }, list: { type: 'boolean' }, extract: { type: 'string' }, jwt: { type: 'string' } },
    });
    if (values.extract) {
      const events = parseRecords(await readFile(values.extract, 'utf8')).flatMap((r) => findOssEvents(r));
      if (events.length === 0) {
        io.stderr(`redeliver: no OSS event in ${values.extract}\n`);
        return EXIT_FAILURE;
      }
      for (const e of events) io.stdout(`${JSON.stringify(e)}\n`);
      return 0;
    }
    const stack = (values.stack ?? `http://127.0.0.1:${io.env.PORT || 8787}`).replace(/\/+$/, '');
    if (!/^https?:\/\//.test(stack)) throw new UsageError('--stack must be an http(s) URL');
    const auth: Record<string, string> = values.jwt ? { authorization: `Bearer ${values.jwt}` } : {};
    if (values.list) {
      const res = await fetch(`${stack}/_local/events/dead-letters`, { headers: auth });
      if (!res.ok) throw new Error(`${stack} answered HTTP ${res.status}`);
      const { deadLetters } = (await res.json()) as { deadLetters: Array<{ invocationId: string; at: string; attempts: number; condition: string; error: string; event: unknown }> };
      for (const d of deadLetters) {
        const key = (findOssEvents(d.event)[0] as { events: Array<{ oss: { object: { key: string } } }> } | undefined)?.events[0].oss.object.key;
        io.stdout(`${d.invocationId}  ${d.at}  ${d.attempts} attempts  ${d.condition}  ${key ?? '?'}  ${d.error}\n`);
      }
      if (deadLetters.length === 0) io.stdout('no dead letters\n');
      return 0;
    }
    const res = await fetch(`${stack}/_local/events/redeliver`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify(values.id ? { invocationIds: values.id } : {}),
    });
    if (!res.ok) throw new Error(`${stack} answered HTTP ${res.status}`);
    const { redelivered } = (await res.json()) as { redelivered: unknown[] };
    io.stdout(`re-delivering ${redelivered.length} event(s); watch ${stack}/ (Events panel) or ${stack}/_local/events\n`);
    return 0;
  },
};
