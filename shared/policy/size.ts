/**
 * Policy: how large an object may be (MAX_FILE_SIZE), and how sizes are written in messages:
 * in the units the configuration accepts (`5 GiB`, `100 KiB`), so a limit reads as it was set.
 */
import { httpError } from '../http/errors';

const UNITS: ReadonlyArray<[string, number]> = [
  ['TiB', 1024 ** 4],
  ['GiB', 1024 ** 3],
  ['MiB', 1024 ** 2],
  ['KiB', 1024],
];

/** `5 GiB`, `100 KiB`, `1000 bytes`: the largest binary unit that divides `bytes` exactly, else bytes. */
export function formatBytes(bytes: number): string {
  if (Number.isSafeInteger(bytes) && bytes > 0) {
    for (const [unit, size] of UNITS) if (bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} byte${bytes === 1 ? '' : 's'}`;
}

/** `8MiB`, `8 MiB`, `100KiB`, `1000`, `1000B` (units case-insensitive) as bytes; undefined if not a safe integer. */
export function parseBytes(raw: string): number | undefined {
  const m = /^(\d+)\s*(B|KiB|MiB|GiB|TiB)?$/i.exec(raw);
  if (!m) return undefined;
  const unit = m[2]?.toLowerCase();
  const n = Number(m[1]) * (!unit || unit === 'b' ? 1 : UNITS.find(([u]) => u.toLowerCase() === unit)![1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** 400 when `size` is not a non-negative integer; 413 `FILE_TOO_LARGE` when over `maxFileSize`. */
export function assertSizeAllowed(size: unknown, maxFileSize: number, field = 'size'): number {
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw httpError('VALIDATION_FAILED', `${field} must be a non-negative integer number of bytes`, { field });
  }
  if (size > maxFileSize) {
    throw httpError('FILE_TOO_LARGE', `File is larger than the ${formatBytes(maxFileSize)} limit`, { maxFileSize });
  }
  return size;
}
