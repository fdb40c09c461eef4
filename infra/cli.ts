#!/usr/bin/env -S npx tsx
/**
 * oss-upload CLI: `npm run --silent cli -- <command> [flags]`.
 *
 * Commands are loaded lazily from infra/cli/<name>.ts; each exports `command: Command`
 * (infra/cli/common.ts). To add one (doctor, smoke, sweep…), add a row to COMMANDS.
 * Exit codes: 0 ok, 1 failure, 2 usage error (unknown command or flag, missing or bad value).
 * (The shebang avoids `node --import tsx`: tsx 4's lexer misreads that shebang once the file
 * contains a dynamic import.)
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT_FAILURE, EXIT_USAGE, UsageError, isParseArgsError, type CliIo, type Command } from './cli/common.ts';

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  sign: {
    summary: 'sign an OSS request (V4 or V1, header or presigned URL) and print StringToSign & co. as JSON',
    load: async () => (await import('./cli/sign.ts')).command,
  },
  doctor: {
    summary: "check a bucket's CORS and lifecycle settings for browser uploads (read-only)",
    load: async () => (await import('./cli/doctor.ts')).command,
  },
  smoke: {
    summary: 'upload a test file end to end through a deployed stack and verify size and CRC-64',
    load: async () => (await import('./cli/smoke.ts')).command,
  },
  jwt: {
    summary: 'print a short-lived caller JWT signed with AUTH_JWT_SECRET (for smoke)',
    load: async () => (await import('./cli/jwt.ts')).command,
  },
  sweep: {
    summary: 'abort stale multipart uploads under KEY_PREFIX now (what the sweep function does)',
    load: async () => (await import('./cli/sweep.ts')).command,
  },
  redeliver: {
    summary: "deliver failed events again: the local stack's dead letters, or --extract one from the onFailure queue",
    load: async () => (await import('./cli/redeliver.ts')).command,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: npm run --silent cli -- <command> [flags]\n\ncommands:\n${rows.join('\n')}\n\nRun '<command> --help' for a command's flags.\n`;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(usage());
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    io.stderr(`unknown command '${name}'\n\n${usage()}`);
    return EXIT_USAGE;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError || isParseArgsError(e)) {
      io.stderr(`${name}: ${e.message}\nRun 'npm run --silent cli -- ${name} --help' for usage.\n`);
      return EXIT_USAGE;
    }
    io.stderr(`${name}: error: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_FAILURE;
  }
}

function isEntryPoint(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const io: CliIo = {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    env: process.env,
  };
  process.exitCode = await main(process.argv.slice(2), io);
}
