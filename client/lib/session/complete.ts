/**
 * Completes the upload with the parts list and the whole file's CRC-64. Parts OSS holds that are
 * not this file's (a repairable answer before assembly) are found, sent again, and complete asked
 * again; the answer's CRC-64 is checked against the file's.
 */
import { crc64Combine } from '../../../shared/oss/crc64';
import { ApiError, IntegrityError } from '../../errors';
import type { CompleteAnswer } from '../../types';
import type { SessionContext } from './context';
import { emit, setState } from './events';
import { Restart, uploadGone, type Active, type ListedPart } from './multipart';
import { reconcile } from './open';
import { save } from './record';
import { transfer } from './transfer';

const MAX_COMPLETE_ROUNDS = 3;

export async function complete(c: SessionContext, up: Active): Promise<CompleteAnswer> {
  setState(c, 'completing');
  let sum = 0n;
  for (const p of up.parts) sum = crc64Combine(sum, p.done!.crc, p.end - p.start);
  const crc64 = (c.crc64 = sum.toString());
  if (c.record) {
    c.record.phase = 'completing';
    await save(c);
  }
  for (let round = 1; ; round++) {
    let answer: CompleteAnswer;
    try {
      answer = await c.api.call<CompleteAnswer>('complete', { token: up.token, parts: up.parts.map((p) => ({ partNumber: p.n, etag: p.done!.etag })), crc64 }, c.signal);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (uploadGone(e, up)) throw new Restart(`complete answered ${e.apiCode}`);
      const beforeAssembly = e.apiCode === 'INTEGRITY_MISMATCH' && e.details?.completed === false;
      if (e.apiCode === 'INTEGRITY_MISMATCH' && !beforeAssembly) {
        throw new IntegrityError('OSS stored an object whose CRC-64 is not the file\'s', {
          expectedCrc64: crc64,
          reportedCrc64: String(e.details?.reportedCrc64 ?? ''),
          stored: true,
          key: up.key,
        });
      }
      const repairable = beforeAssembly || e.apiCode === 'INCOMPLETE_UPLOAD' || e.apiCode === 'CONFLICT';
      if (!repairable || round >= MAX_COMPLETE_ROUNDS) {
        if (beforeAssembly) throw new IntegrityError('The parts in OSS keep differing from the file', { expectedCrc64: crc64, stored: false, key: up.key });
        throw e;
      }
      // Some part in OSS is not this file's (missing, another ETag, another CRC-64): find it, send it again.
      const listed = (await c.api.call<{ parts: ListedPart[] }>('list', { token: up.token }, c.signal)).parts;
      const known = new Map(up.parts.filter((p) => p.done).map((p) => [p.n, p.done!]));
      await reconcile(c, up, listed, known);
      setState(c, 'uploading');
      await transfer(c, up);
      setState(c, 'completing');
      continue;
    }
    const match = answer.crc64 === null || answer.crc64 === crc64;
    emit(c, { type: 'verified', crc64, objectCrc64: answer.crc64, match });
    if (!match) {
      throw new IntegrityError('The stored object\'s CRC-64 is not the file\'s', { expectedCrc64: crc64, reportedCrc64: answer.crc64!, stored: true, key: up.key });
    }
    return answer;
  }
}
