/**
 * Shared plumbing for `infra/cli.ts` subcommands (sign, and later doctor, smoke, sweep…).
 *
 * A subcommand module exports `command: Command`. It writes through `io` (so tests can run it
 * in-process) and returns its exit code: 0 success, 1 failure, 2 usage error. Throw `UsageError`
 * for bad flags; the dispatcher prints `<command>: <message>` and exits 2.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  /** One line for the top-level usage. */
  summary: string;
  /** Full usage text for `<command> --help`. */
  usage: string;
  run(argv: string[], io: CliIo): Promise<number> | number;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** node:util parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for bad flags. */
export function isParseArgsError(e: unknown): e is Error {
  const code: unknown = e instanceof Error ? (e as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
