/**
 * The hash kernels at every length around their word and block boundaries and any alignment of
 * the view: shared/oss/crc64-kernel.ts gives the same register for a view at any offset as for an
 * aligned copy (its value is checked against the bitwise definition in crc64.test.ts), and
 * client/lib/md5-kernel.ts equals Node's MD5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { crc64Kernel } from '../../shared/oss/crc64-kernel.ts';
import { md5Kernel } from '../../client/lib/md5-kernel.ts';

const k = { crc64: crc64Kernel().update, md5: md5Kernel() };
const crcOf = (data: Uint8Array) => {
  const [lo, hi] = k.crc64(data, -1, -1);
  return (BigInt(~hi >>> 0) << 32n) | BigInt(~lo >>> 0);
};
const md5Of = (data: Uint8Array) => Buffer.from(k.md5(data)).toString('hex');

/** The CRC of an aligned copy (offset 0): the reference for views at other offsets. */
const crc64 = (data: Uint8Array) => crcOf(new Uint8Array(data));

test('every length 0..200 at every alignment', () => {
  const buf = new Uint8Array(256);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 167 + 13) & 0xff;
  for (let off = 0; off < 4; off++) {
    for (let n = 0; n <= 200; n++) {
      const view = buf.subarray(off, off + n);
      assert.equal(crcOf(view), crc64(view), `crc64 len ${n} offset ${off}`);
      assert.equal(md5Of(view), createHash('md5').update(view).digest('hex'), `md5 len ${n} offset ${off}`);
    }
  }
});

test('property: random data, random views', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(3), (data, off) => {
      const view = data.subarray(Math.min(off, data.length));
      assert.equal(crcOf(view), crc64(view));
      assert.equal(md5Of(view), createHash('md5').update(view).digest('hex'));
    }),
    { numRuns: 300 },
  );
});

test('a register carried across calls equals one pass', () => {
  const data = new Uint8Array(3000).map((_, i) => i * 31);
  let [lo, hi] = k.crc64(data.subarray(0, 4321), -1, -1);
  [lo, hi] = k.crc64(data.subarray(4321), lo, hi);
  assert.equal((BigInt(~hi >>> 0) << 32n) | BigInt(~lo >>> 0), crc64(data));
});
