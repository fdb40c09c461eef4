import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  planParts,
  partSizeOf,
  checkUploadedParts,
  KiB,
  MiB,
  GiB,
  MIN_PART_SIZE,
  MAX_PART_SIZE,
  MAX_PARTS,
} from '../../shared/policy/parts';
import { HttpError } from '../../shared/http/errors';

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

describe('checkUploadedParts', () => {
  const plan = planParts(20 * MiB + 3, 8 * MiB);
  it('complete when every part has its planned size', () => {
    const r = checkUploadedParts(plan, [1, 2, 3].map((n) => ({ partNumber: n, size: partSizeOf(plan, n) })));
    assert.deepEqual(r, { complete: true, missing: [], unexpected: [], wrongSize: [], uploadedBytes: plan.size });
  });
  it('reports missing, unexpected and wrongly sized parts', () => {
    const r = checkUploadedParts(plan, [
      { partNumber: 1, size: 8 * MiB },
      { partNumber: 3, size: 1 },
      { partNumber: 7, size: 5 },
    ]);
    assert.equal(r.complete, false);
    assert.deepEqual(r.missing, [2]);
    assert.deepEqual(r.unexpected, [7]);
    assert.deepEqual(r.wrongSize, [{ partNumber: 3, expected: 4 * MiB + 3, actual: 1 }]);
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
