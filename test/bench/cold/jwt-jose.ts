/**
 * Cold-start cost of verifying a caller JWT with jose: the fetch-lite hello-world that first
 * verifies the request's HS256 Bearer token through shared/auth/jwt.ts (jose, WebCrypto), as
 * every function but callback and sweep does. Compared with jwt-node.ts (the same check with one
 * node:crypto HMAC, what the hand-written verifier did) in test/bench/cold-start.ts.
 */
import { Hono } from 'hono';
import { handle } from '../../../shared/http/fc-adapter';
import { verifyCallerJwt } from '../../../shared/auth/jwt';

const app = new Hono();
app.all('*', async (c) => {
  const token = (c.req.header('authorization') ?? '').replace(/^Bearer /, '');
  const claims = await verifyCallerJwt(token, { secret: process.env.AUTH_JWT_SECRET!, clockToleranceSeconds: 30 });
  return c.text(`hello ${String(claims.sub)}`);
});

export const handler = handle(app);
