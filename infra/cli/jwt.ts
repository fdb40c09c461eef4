/**
 * `jwt`: a short-lived caller JWT for `smoke` and manual tests, signed HS256 with AUTH_JWT_SECRET
 * (the secret the functions verify callers with) and carrying AUTH_ISSUER / AUTH_AUDIENCE when set,
 * so the functions accept it. Prints the token only, for `--jwt "$(… jwt)"`. Deployments on
 * AUTH_JWKS_URL verify tokens from their identity provider: ask it for one instead.
 */
import { parseArgs } from 'node:util';
import { signHs256Jwt } from '../../shared/auth/jwt.ts';
import { isSafeSegment, SAFE_SEGMENT_HINT } from '../../shared/policy/keys.ts';
import { EXIT_USAGE, UsageError, type CliIo, type Command } from './common.ts';

export const usage = `usage: npm run --silent cli -- jwt [--sub SUB] [--ttl SECONDS]

Prints a caller JWT (HS256) the functions accept, for smoke tests:
  npm run --silent cli -- smoke --url https://api.example.com --jwt "$(npm run --silent cli -- jwt)"

flags:
  --sub SUB          the caller (default oss-upload-smoke); its uploads go under KEY_PREFIX/SUB/,
                     a prefix a lifecycle rule can expire
  --ttl SECONDS      lifetime, 60..86400 (default 600)

environment (as for the functions): AUTH_JWT_SECRET (required), AUTH_ISSUER, AUTH_AUDIENCE

exit codes: 0 printed, 2 bad flags or no AUTH_JWT_SECRET
`;

export const command: Command = {
  summary: 'print a short-lived caller JWT signed with AUTH_JWT_SECRET (for smoke)',
  usage,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { sub: { type: 'string' }, ttl: { type: 'string' } } });
    const sub = values.sub ?? 'oss-upload-smoke';
    // The caller id becomes a key segment: the functions refuse any other.
    if (!isSafeSegment(sub)) throw new UsageError(`--sub must be ${SAFE_SEGMENT_HINT}, got ${JSON.stringify(sub)}`);
    const ttl = values.ttl === undefined ? 600 : /^\d+$/.test(values.ttl) ? Number(values.ttl) : NaN;
    if (!(ttl >= 60 && ttl <= 86400)) throw new UsageError('--ttl must be a number of seconds from 60 to 86400');
    const secret = io.env.AUTH_JWT_SECRET?.trim();
    if (!secret) {
      io.stderr('jwt: AUTH_JWT_SECRET is not set. It is the HS256 secret the functions verify callers with; deployments on AUTH_JWKS_URL need a token from their identity provider instead.\n');
      return EXIT_USAGE;
    }
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { sub, iat: now, exp: now + ttl };
    if (io.env.AUTH_ISSUER?.trim()) claims.iss = io.env.AUTH_ISSUER.trim();
    if (io.env.AUTH_AUDIENCE?.trim()) claims.aud = io.env.AUTH_AUDIENCE.trim();
    io.stdout(`${await signHs256Jwt(claims, secret)}\n`);
    return 0;
  },
};
