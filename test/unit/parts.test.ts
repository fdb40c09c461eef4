import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  planParts,
  partSizeOf,
  maxPartNumber,
  KiB,
  MiB,
  GiB,
  MIN_PART_SIZE,
  MAX_PART_SIZE,
  MAX_PARTS,
} from '../../shared/policy/parts';
import { HttpError } from '../../shared/http/errors';
import { checkPlannedParts } from '../../shared/policy/part-checks';

function httpErr(status: number, code: string) {
  return (e: unknown) => e instanceof HttpError && e.status === status && e.code === code;
}

describe('planParts: server-chosen part size', () => {
  const cases: Array<[string, number, { partSize: number; partCount: number; lastPartSize: number }]> = [
    ['0 bytes -> one empty part', 0, { partSize: 8 * MiB, partCount: 1, lastPartSize: 0 }],
    ['1 byte', 1, { partSize: 8 * MiB, partCount: 1, lastPartSize: 1 }],
    ['exactly one default part', 8 * MiB, { partSize: 8 * MiB, partCount: 1, lastPartSize: 8 * MiB }],
    ['one byte over one part', 8 * MiB + 1, { partSize: 8 * MiB, partCount: 2, lastPartSize: 1 }],
    ['100 MiB', 100 * MiB, { partSize: 8 * MiB, partCount: 13, lastPartSize: 4 * MiB }],
    ['exactly 10,000 default parts', 10_000 * 8 * MiB, { partSize: 8 * MiB, partCount: 10_000, lastPartSize: 8 * MiB }],
    // 100 GiB / 10,000 = 10.24 MiB -> rounded up to 11 MiB; 102,400 MiB = 9,309 x 11 MiB + 1 MiB.
    ['100 GiB', 100 * GiB, { partSize: 11 * MiB, partCount: 9310, lastPartSize: 1 * MiB }],
    ['the OSS maximum (10,000 x 5 GiB)', MAX_PARTS * MAX_PART_SIZE, { partSize: MAX_PART_SIZE, partCount: MAX_PARTS, lastPartSize: MAX_PART_SIZE }],
  ];
  for (const [label, size, want] of cases) {
    it(label, () => assert.deepEqual(planParts(size), { size, ...want }));
  }

  it('uses the configured default part size', () => {
    assert.equal(planParts(50 * MiB, undefined, { defaultPartSize: 5 * MiB }).partCount, 10);
  });

  it('a file beyond 10,000 x 5 GiB is 413 FILE_TOO_LARGE', () => {
    assert.throws(() => planParts(MAX_PARTS * MAX_PART_SIZE + 1), httpErr(413, 'FILE_TOO_LARGE'));
  });

  for (const bad of [-1, 1.5, NaN, Infinity, Number.MAX_SAFE_INTEGER + 2]) {
    it(`size ${bad} is 400`, () => assert.throws(() => planParts(bad), httpErr(400, 'VALIDATION_FAILED')));
  }
});

describe('planParts: client-requested part size', () => {
  it('honours a valid request', () => {
    assert.deepEqual(planParts(10 * MiB, 5 * MiB), { size: 10 * MiB, partSize: 5 * MiB, partCount: 2, lastPartSize: 5 * MiB });
    assert.deepEqual(planParts(250 * KiB, MIN_PART_SIZE), { size: 250 * KiB, partSize: MIN_PART_SIZE, partCount: 3, lastPartSize: 50 * KiB });
    assert.equal(planParts(1, MAX_PART_SIZE).partCount, 1);
  });

  const bad: Array<[string, number, number]> = [
    ['below 100 KiB', MiB, MIN_PART_SIZE - 1],
    ['above 5 GiB', MiB, MAX_PART_SIZE + 1],
    ['not an integer', MiB, 1.5 * MiB + 0.5],
    ['too many parts', 10_001 * MIN_PART_SIZE, MIN_PART_SIZE],
  ];
  for (const [label, size, partSize] of bad) {
    it(`${label} -> 400 VALIDATION_FAILED`, () => {
      assert.throws(() => planParts(size, partSize), (e: unknown) => {
        assert.ok(httpErr(400, 'VALIDATION_FAILED')(e));
        assert.equal((e as HttpError).details?.field, 'partSize');
        return true;
      });
    });
  }

  it('says the smallest part size that would fit', () => {
    try {
      planParts(10_001 * MIN_PART_SIZE, MIN_PART_SIZE);
      assert.fail('should throw');
    } catch (e) {
      assert.equal((e as HttpError).details?.minPartSize, Math.ceil((10_001 * MIN_PART_SIZE) / 10_000));
    }
  });
});

describe('partSizeOf', () => {
  const plan = planParts(20 * MiB + 3, 8 * MiB);
  it('full parts then the remainder', () => {
    assert.equal(partSizeOf(plan, 1), 8 * MiB);
    assert.equal(partSizeOf(plan, 2), 8 * MiB);
    assert.equal(partSizeOf(plan, 3), 4 * MiB + 3);
  });
  it('works from token claims (no lastPartSize)', () => {
    assert.equal(partSizeOf({ size: 0, partSize: 8 * MiB, partCount: 1 }, 1), 0);
  });
  for (const n of [0, 4, -1, 1.5]) {
    it(`part ${n} is out of range`, () => assert.throws(() => partSizeOf(plan, n), RangeError));
  }
});

describe('checkPlannedParts (what complete checks against the plan)', () => {
  const plan = planParts(20 * MiB + 3, 8 * MiB);
  const part = (partNumber: number, size: number) => ({ partNumber, size, etag: `"${partNumber}"`, lastModified: new Date(0) });
  it('every part with its planned size: the planned parts, extra numbers left out', () => {
    const parts = checkPlannedParts([1, 2, 3, 7].map((n) => part(n, n === 7 ? 5 : partSizeOf(plan, n))), plan, plan.size);
    assert.deepEqual(parts.map((p) => p.partNumber), [1, 2, 3]);
  });
  it('missing or wrongly sized parts -> 409 INCOMPLETE_UPLOAD naming them', () => {
    assert.throws(
      () => checkPlannedParts([part(1, 8 * MiB), part(3, 4 * MiB + 3)], plan, plan.size),
      (e: HttpError) => e.code === 'INCOMPLETE_UPLOAD' && JSON.stringify(e.details?.missing) === '[2]',
    );
    assert.throws(
      () => checkPlannedParts([part(1, 8 * MiB), part(2, 8 * MiB), part(3, 1)], plan, plan.size),
      (e: HttpError) => e.code === 'INCOMPLETE_UPLOAD' && JSON.stringify(e.details?.wrongSize) === JSON.stringify([{ partNumber: 3, size: 1, expected: 4 * MiB + 3 }]),
    );
  });
});

describe('maxPartNumber: the largest part number an upload within MAX_FILE_SIZE can have', () => {
  const cases: Array<[number, number]> = [
    [1, 1],
    [100 * KiB, 1],
    [100 * KiB + 1, 2],
    [250 * KiB, 3],
    [1 * MiB, 11],
    [5 * GiB, MAX_PARTS],
    [MAX_PARTS * MAX_PART_SIZE, MAX_PARTS],
  ];
  for (const [max, n] of cases) it(`${max} bytes -> ${n}`, () => assert.equal(maxPartNumber(max), n));
  it('is exact: n parts of 100 KiB but the last fit when n <= maxPartNumber, n+1 do not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 * GiB }), (max) => {
        const n = maxPartNumber(max);
        assert.ok((n - 1) * MIN_PART_SIZE + 1 <= max || n === 1, 'n parts (last of 1 byte) fit');
        if (n < MAX_PARTS) assert.ok(n * MIN_PART_SIZE + 1 > max, 'n+1 parts do not');
      }),
    );
  });
});

describe('planParts properties', () => {
  it('covers the size exactly, every part within limits, at most 10,000 parts', () => {
    const size = fc.oneof(
      fc.integer({ min: 0, max: 64 * MiB }),
      fc.integer({ min: 0, max: Number(MAX_PARTS) * MAX_PART_SIZE }),
    );
    const requested = fc.option(fc.integer({ min: MIN_PART_SIZE, max: MAX_PART_SIZE }), { nil: undefined });
    fc.assert(
      fc.property(size, requested, (s, req) => {
        let plan;
        try {
          plan = planParts(s, req);
        } catch (e) {
          // Only a requested size that gives too many parts may fail.
          assert.ok(req !== undefined && Math.ceil(s / req) > MAX_PARTS, String(e));
          return;
        }
        const { partSize, partCount, lastPartSize } = plan;
        assert.ok(partCount >= 1 && partCount <= MAX_PARTS);
        assert.ok(partSize >= MIN_PART_SIZE && partSize <= MAX_PART_SIZE);
        if (req !== undefined) assert.equal(partSize, req);
        assert.equal((partCount - 1) * partSize + lastPartSize, s);
        assert.ok(lastPartSize >= 0 && lastPartSize <= partSize);
        if (s > 0) assert.ok(lastPartSize > 0, 'no empty trailing part');
        assert.equal(partSizeOf(plan, partCount), lastPartSize);
        if (partCount > 1) assert.equal(partSizeOf(plan, 1), partSize);
      }),
      { numRuns: 3000 },
    );
  });
});
