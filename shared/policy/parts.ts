/**
 * Policy: the part plan (how a file of `size` bytes is cut into parts, fixed at init and carried in
 * the upload token) and which part numbers an upload can have. Decisions: docs/policy.md.
 */
import { httpError } from '../http/errors';
import { formatBytes } from './size';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

export const MIN_PART_SIZE = 100 * KiB;
export const MAX_PART_SIZE = 5 * GiB;
export const MAX_PARTS = 10_000;
export const DEFAULT_PART_SIZE = 8 * MiB;

export interface PartLimits {
  minPartSize: number;
  maxPartSize: number;
  maxParts: number;
  /** Used when the client does not ask for a part size (config `DEFAULT_PART_SIZE`). */
  defaultPartSize: number;
}

export const DEFAULT_PART_LIMITS: Readonly<PartLimits> = Object.freeze({
  minPartSize: MIN_PART_SIZE,
  maxPartSize: MAX_PART_SIZE,
  maxParts: MAX_PARTS,
  defaultPartSize: DEFAULT_PART_SIZE,
});

/** The facts a plan is made of; an upload token's claims carry the first three. */
export interface PartPlan {
  size: number;
  partSize: number;
  partCount: number;
  lastPartSize: number;
}

export function planParts(size: number, requestedPartSize?: number, limits: Partial<PartLimits> = {}): PartPlan {
  const { minPartSize, maxPartSize, maxParts, defaultPartSize } = { ...DEFAULT_PART_LIMITS, ...limits };
  if (!Number.isSafeInteger(size) || size < 0) {
    throw httpError('VALIDATION_FAILED', 'size must be a non-negative integer', { field: 'size' });
  }

  let partSize: number;
  if (requestedPartSize !== undefined) {
    if (!Number.isSafeInteger(requestedPartSize) || requestedPartSize < minPartSize || requestedPartSize > maxPartSize) {
      throw httpError('VALIDATION_FAILED', `partSize must be an integer between ${minPartSize} and ${maxPartSize} (${formatBytes(minPartSize)} to ${formatBytes(maxPartSize)})`, {
        field: 'partSize',
      });
    }
    partSize = requestedPartSize;
    if (Math.ceil(size / partSize) > maxParts) {
      const smallest = Math.ceil(size / maxParts);
      throw httpError('VALIDATION_FAILED', `partSize gives more than ${maxParts} parts; use at least ${smallest} bytes`, {
        field: 'partSize',
        minPartSize: smallest,
      });
    }
  } else {
    const needed = Math.ceil(Math.ceil(size / maxParts) / MiB) * MiB;
    partSize = Math.min(maxPartSize, Math.max(defaultPartSize, minPartSize, needed));
    if (Math.ceil(size / partSize) > maxParts) {
      throw httpError('FILE_TOO_LARGE', `size is larger than ${maxParts} parts of ${formatBytes(maxPartSize)}`, {
        maxFileSize: maxParts * maxPartSize,
      });
    }
  }

  const partCount = Math.max(1, Math.ceil(size / partSize));
  return { size, partSize, partCount, lastPartSize: size - (partCount - 1) * partSize };
}

/** Expected size of part `partNumber` (1-based). Throws RangeError outside 1..partCount. */
export function partSizeOf(plan: Pick<PartPlan, 'size' | 'partSize' | 'partCount'>, partNumber: number): number {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > plan.partCount) {
    throw new RangeError(`part number ${partNumber} is outside 1..${plan.partCount}`);
  }
  return partNumber < plan.partCount ? plan.partSize : plan.size - (plan.partCount - 1) * plan.partSize;
}

/** The plan an upload token's claims carry. */
export function planOf(upload: Pick<PartPlan, 'size' | 'partSize' | 'partCount'>): PartPlan {
  return { size: upload.size, partSize: upload.partSize, partCount: upload.partCount, lastPartSize: upload.size - upload.partSize * (upload.partCount - 1) };
}

/**
 * The largest part number any upload of at most `maxFileSize` bytes can have: every part but the
 * last holds at least 100 KiB (OSS), so the last part's number is at most
 * floor((maxFileSize - 1) / 100 KiB) + 1, and never above 10,000. The Uppy facade, which has no
 * plan, signs no part number beyond it.
 */
export function maxPartNumber(maxFileSize: number): number {
  if (!(maxFileSize > 0)) return 1;
  return Math.min(MAX_PARTS, Math.floor((maxFileSize - 1) / MIN_PART_SIZE) + 1);
}
