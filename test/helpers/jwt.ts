/**
 * Test JWTs minted with node:crypto alone, independent of the code under test (shared/auth/jwt.ts
 * verifies with jose): HS256 over `claims`, with an optional header override.
 */
import { createHmac } from 'node:crypto';

const b64urlJson = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export function signHs256(claims: Record<string, unknown>, secret: string | Uint8Array, header: Record<string, unknown> = {}): string {
  const signingInput = `${b64urlJson({ alg: 'HS256', typ: 'JWT', ...header })}.${b64urlJson(claims)}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}
