import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { crc64, crc64Combine, Crc64, parseCrc64 } from '../../shared/oss/crc64.ts';

const A = Buffer.from('123456789');
const B = Buffer.from('This is a test of the emergency broadcast system.');

const vectors: Array<[string, Buffer, bigint]> = [
  ['empty', Buffer.alloc(0), 0n],
  ['123456789 (check value)', A, 11051210869376104954n],
  ['emergency broadcast', B, 2871916124362751090n],
  ['both concatenated', Buffer.concat([A, B]), 7672622622872733320n],
];
for (const [name, data, expected] of vectors) {
  test(`crc64 vector: ${name}`, () => assert.equal(crc64(data), expected));
}

test('combine and continuation agree with the concatenation vector', () => {
  assert.equal(crc64Combine(crc64(A), crc64(B), B.length), 7672622622872733320n);
  assert.equal(crc64(B, crc64(A)), 7672622622872733320n);
  assert.equal(crc64Combine(crc64(A), 0n, 0), crc64(A));
});

// Reference: the plain bit-at-a-time definition, so the sliced tables cannot drift unnoticed.
function crc64Bitwise(data: Uint8Array): bigint {
  const poly = 0xc96c5795d7870f42n;
  let crc = 0xffffffffffffffffn;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc ^ 0xffffffffffffffffn;
}

test('property: sliced crc64 equals the bitwise definition; streaming and combine agree', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), fc.nat(300), (a, b, cut) => {
      const whole = Buffer.concat([a, b]);
      const expected = crc64Bitwise(whole);
      assert.equal(crc64(whole), expected);
      assert.equal(crc64Combine(crc64(a), crc64(b), b.length), expected);
      const k = Math.min(cut, whole.length);
      assert.equal(new Crc64().update(whole.subarray(0, k)).update(whole.subarray(k)).digest(), expected);
    }),
    { numRuns: 300 },
  );
});

test('combine folds many parts in order (as for a multipart object)', () => {
  const parts = [randomBytes(102400), randomBytes(1), randomBytes(70000), randomBytes(0), randomBytes(5)];
  let crc = 0n;
  for (const p of parts) crc = crc64Combine(crc, crc64(p), p.length);
  assert.equal(crc, crc64(Buffer.concat(parts)));
});

// Reference for lengths too long to hash: zlib's original GF(2) matrix method (append one zero bit
// as a 64x64 matrix, square it to get 2^k zero bytes), independent of the x^(2^k) table the
// implementation uses.
function combineByMatrices(crcA: bigint, crcB: bigint, len: bigint): bigint {
  const times = (mat: bigint[], vec: bigint) => {
    let sum = 0n;
    for (let i = 0; vec !== 0n; i++, vec >>= 1n) if (vec & 1n) sum ^= mat[i];
    return sum;
  };
  const square = (mat: bigint[]) => mat.map((col) => times(mat, col));
  let op: bigint[] = [0xc96c5795d7870f42n];
  for (let n = 1; n < 64; n++) op.push(1n << BigInt(n - 1));
  op = square(square(square(op))); // one zero byte
  let crc = crcA;
  for (; len !== 0n; len >>= 1n, op = square(op)) if (len & 1n) crc = times(op, crc);
  return crc ^ crcB;
}

test('property: combine matches the matrix method for lengths up to 2^50 bytes', () => {
  fc.assert(
    fc.property(fc.bigInt(0n, (1n << 64n) - 1n), fc.bigInt(0n, (1n << 64n) - 1n), fc.bigInt(1n, 1n << 50n), (a, b, len) => {
      assert.equal(crc64Combine(a, b, len), combineByMatrices(a, b, len));
      assert.equal(crc64Combine(a, b, Number(len)), combineByMatrices(a, b, len));
    }),
    { numRuns: 40 },
  );
  // The lengths of a 10,000-part upload's parts: 5 GiB, OSS's largest part.
  const a = 0x0123456789abcdefn;
  assert.equal(crc64Combine(a, 42n, 5n * 1024n ** 3n), combineByMatrices(a, 42n, 5n * 1024n ** 3n));
});

test('combine: a run of zero bytes, hashed for real, and bad lengths', () => {
  const zeros = Buffer.alloc(1 << 20);
  assert.equal(crc64Combine(crc64(A), crc64(zeros), zeros.length), crc64(Buffer.concat([A, zeros])));
  assert.equal(crc64Combine(0n, crc64(B), B.length), crc64(B), 'the empty prefix is the identity');
  assert.throws(() => crc64Combine(crc64(A), 0n, -1), RangeError);
  assert.throws(() => crc64Combine(crc64(A), 0n, 1n << 62n), RangeError);
});

test('parseCrc64 accepts unsigned 64-bit decimals only', () => {
  assert.equal(parseCrc64('12066172435287683848'), 12066172435287683848n);
  assert.equal(parseCrc64('18446744073709551615'), 18446744073709551615n);
  for (const bad of ['18446744073709551616', '-1', '0x10', '', '1.5', null, undefined]) assert.equal(parseCrc64(bad as string), undefined);
});
