/**
 * The jwt-jose.ts baseline without jose: the same HS256 check (signature, exp) with one
 * node:crypto HMAC, as the hand-written verifier jose replaced did.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { handle } from '../../../shared/http/fc-adapter';

const app = new Hono();
app.all('*', (c) => {
  const [h, p, s] = (c.req.header('authorization') ?? '').replace(/^Bearer /, '').split('.');
  const mac = createHmac('sha256', process.env.AUTH_JWT_SECRET!).update(`${h}.${p}`).digest();
  const sig = Buffer.from(s ?? '', 'base64url');
  const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8')) as { sub?: string; exp?: number };
  if (sig.length !== mac.length || !timingSafeEqual(sig, mac) || !(Number(claims.exp) > Date.now() / 1000)) return c.text('no', 401);
  return c.text(`hello ${String(claims.sub)}`);
});

export const handler = handle(app);
