/**
 * Small helpers over a `TestStack` for driving an upload through the functions the way a browser
 * does: init, sign, PUT parts straight to OSS. Each asserts the happy status so a test can focus
 * on the step it is about.
 */
import assert from 'node:assert/strict';
import { putParts, type TestStack } from './stack.ts';

export interface InitBody {
  uploadId: string;
  bucket: string;
  key: string;
  token: string;
  partSize: number;
  partCount: number;
  expiresAt: string;
}

export async function initUpload(s: TestStack, size: number, partSize?: number, extra: Record<string, unknown> = {}, sub = 'alice'): Promise<InitBody> {
  const r = await s.post('/uploads', { filename: 'data.bin', size, partSize, contentType: 'application/octet-stream', ...extra }, { sub });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as InitBody;
}

export async function signParts(s: TestStack, token: string, partNumbers: number[], sub = 'alice') {
  const r = await s.post('/uploads/sign', { token, partNumbers }, { sub });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.parts as Array<{ partNumber: number; url: string; headers: Record<string, string>; size: number; method: string }>;
}

/** init + sign every part + PUT every part. The upload is ready to complete. */
export async function uploadAllParts(s: TestStack, data: Uint8Array, partSize: number, sub = 'alice') {
  const up = await initUpload(s, data.length, partSize, {}, sub);
  const numbers = Array.from({ length: up.partCount }, (_, i) => i + 1);
  const parts = await putParts(await signParts(s, up.token, numbers, sub), data, up.partSize);
  return { up, parts };
}
