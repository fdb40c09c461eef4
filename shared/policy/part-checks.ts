/**
 * Policy: what complete checks before OSS assembles an upload, as pure functions over the parts OSS
 * lists: the plan (planned uploads), parts 1..N and sizes (open uploads), and the combined CRC-64.
 */
import { httpError } from '../http/errors';
import { crc64Combine } from '../oss/crc64';
import type { PartInfo } from '../oss/xml';
import { partSizeOf, MAX_PARTS, MIN_PART_SIZE, type PartPlan } from './parts';
import { formatBytes } from './size';

/** Every planned part present with its planned size; extra part numbers are left out of Complete. */
export function checkPlannedParts(listed: PartInfo[], plan: PartPlan, size: number): PartInfo[] {
  const byNumber = new Map(listed.map((p) => [p.partNumber, p]));
  const missing: number[] = [];
  const wrongSize: Array<{ partNumber: number; size: number; expected: number }> = [];
  const parts: PartInfo[] = [];
  for (let n = 1; n <= plan.partCount; n++) {
    const p = byNumber.get(n);
    if (!p) {
      missing.push(n);
      continue;
    }
    const expected = partSizeOf(plan, n);
    if (p.size !== expected) wrongSize.push({ partNumber: n, size: p.size, expected });
    parts.push(p);
  }
  if (missing.length || wrongSize.length) {
    const total = parts.reduce((s, p) => s + p.size, 0);
    throw httpError(
      'INCOMPLETE_UPLOAD',
      missing.length
        ? `${missing.length} of ${plan.partCount} parts are missing (first: ${missing.slice(0, 10).join(', ')})`
        : `${wrongSize.length} parts do not have their planned size`,
      { missing: missing.slice(0, 100), missingCount: missing.length, wrongSize: wrongSize.slice(0, 100), uploadedBytes: total, size },
    );
  }
  return parts;
}

const bareEtag = (e: string) => e.replace(/"/g, '').toUpperCase();

/** A client that lists parts must agree with OSS about each one, or it is completing a different file. */
export function checkClientParts(clientParts: Array<{ partNumber: number; etag: string }>, parts: PartInfo[]): void {
  const byNumber = new Map(parts.map((p) => [p.partNumber, p]));
  const seen = new Set<number>();
  for (const cp of clientParts) {
    const p = byNumber.get(cp.partNumber);
    if (!p) throw httpError('VALIDATION_FAILED', `Part ${cp.partNumber} is not part of this upload's plan`, { field: 'parts', partNumber: cp.partNumber });
    if (seen.has(cp.partNumber)) throw httpError('VALIDATION_FAILED', `Part ${cp.partNumber} is listed twice`, { field: 'parts', partNumber: cp.partNumber });
    seen.add(cp.partNumber);
    if (bareEtag(cp.etag) !== bareEtag(p.etag)) {
      throw httpError('CONFLICT', `Part ${cp.partNumber} in OSS has a different ETag than the one given; upload it again or complete without a parts list`, {
        partNumber: cp.partNumber,
        ossEtag: p.etag,
      });
    }
  }
  if (seen.size !== parts.length) {
    const missing = parts.filter((p) => !seen.has(p.partNumber)).map((p) => p.partNumber);
    throw httpError('INCOMPLETE_UPLOAD', `The parts list leaves out ${missing.length} planned parts`, { missing: missing.slice(0, 100), missingCount: missing.length });
  }
}

/** Each number an integer in 1..maxPart and listed once (400 naming `field`); the set of them. */
export function distinctPartNumbers(numbers: readonly number[], maxPart: number, field: string): Set<number> {
  const seen = new Set<number>();
  for (const n of numbers) {
    if (!Number.isInteger(n) || n < 1 || n > maxPart) {
      throw httpError('VALIDATION_FAILED', `Part numbers must be integers from 1 to ${maxPart}`, { field, partNumber: n });
    }
    if (seen.has(n)) throw httpError('VALIDATION_FAILED', `Part number ${n} is listed twice`, { field, partNumber: n });
    seen.add(n);
  }
  return seen;
}

/** An open upload's parts list: non-empty, each number once, exactly 1..N. */
export function checkOpenPartsList(clientParts: Array<{ partNumber: number; etag: string }>): void {
  if (clientParts.length === 0) throw httpError('VALIDATION_FAILED', 'parts must list at least one part', { field: 'parts' });
  const seen = distinctPartNumbers(clientParts.map((p) => p.partNumber), MAX_PARTS, 'parts');
  const gaps: number[] = [];
  for (let n = 1; n <= clientParts.length && gaps.length < 10; n++) if (!seen.has(n)) gaps.push(n);
  if (gaps.length > 0) {
    throw httpError('VALIDATION_FAILED', `parts must be numbered 1 to ${clientParts.length} without gaps (missing: ${gaps.join(', ')})`, { field: 'parts', missing: gaps });
  }
}

/** The OSS parts named by an open upload's (checked) list, in order, checked as described at `completeOpen`. */
export function matchOpenParts(clientParts: Array<{ partNumber: number; etag: string }>, listed: PartInfo[], maxFileSize = Infinity): PartInfo[] {
  const byNumber = new Map(listed.map((p) => [p.partNumber, p]));
  const ordered = [...clientParts].sort((a, b) => a.partNumber - b.partNumber);
  const missing: number[] = [];
  const parts: PartInfo[] = [];
  for (const cp of ordered) {
    const p = byNumber.get(cp.partNumber);
    if (!p) {
      missing.push(cp.partNumber);
      continue;
    }
    if (bareEtag(cp.etag) !== bareEtag(p.etag)) {
      throw httpError('CONFLICT', `Part ${cp.partNumber} in OSS has a different ETag than the one given; upload it again`, { partNumber: cp.partNumber, ossEtag: p.etag });
    }
    parts.push(p);
  }
  if (missing.length > 0) {
    throw httpError('INCOMPLETE_UPLOAD', `${missing.length} of the ${ordered.length} parts listed are not in OSS (first: ${missing.slice(0, 10).join(', ')})`, {
      missing: missing.slice(0, 100),
      missingCount: missing.length,
    });
  }
  const small = parts.slice(0, -1).filter((p) => p.size < MIN_PART_SIZE);
  if (small.length > 0) {
    throw httpError('INCOMPLETE_UPLOAD', `Every part but the last must be at least ${formatBytes(MIN_PART_SIZE)}; part ${small[0].partNumber} has ${small[0].size} bytes`, {
      partNumber: small[0].partNumber,
      size: small[0].size,
      minPartSize: MIN_PART_SIZE,
    });
  }
  const total = parts.reduce((sum, p) => sum + p.size, 0);
  if (total > maxFileSize) {
    throw httpError('FILE_TOO_LARGE', `The parts add up to ${total} bytes, over the ${formatBytes(maxFileSize)} limit; abort this upload`, { size: total, maxFileSize });
  }
  return parts;
}

/** The whole object's CRC-64 from its parts', or undefined when any part lacks one. */
export function combinedCrc(parts: PartInfo[]): bigint | undefined {
  let crc = 0n;
  for (const p of parts) {
    if (p.crc64 === undefined) return undefined;
    crc = crc64Combine(crc, p.crc64, p.size);
  }
  return crc;
}
