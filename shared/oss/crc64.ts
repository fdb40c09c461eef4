/**
 * CRC-64 as OSS reports it in `x-oss-hash-crc64ecma`: CRC-64/XZ (reflected polynomial
 * 0xC96C5795D7870F42, init and final XOR all ones). OSS prints it as an unsigned decimal.
 *
 * The hot loop works on two 32-bit halves with slicing-by-8 tables (crc64-kernel.ts): BigInt per
 * byte would be three orders of magnitude slower, and the emulator hashes every byte it stores.
 */
import { crc64Kernel, type Crc64Kernel } from './crc64-kernel';

const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;

// The hot loop (slicing-by-8 over 32-bit words) is crc64-kernel.ts, shared with the browser
// client; built on first use, not at module load: most functions load this module and never hash.
let kernel: Crc64Kernel | undefined;

const MASK64 = (1n << 64n) - 1n;

/** Raw register update (no init/final inversion), on split halves. */
function update(lo: number, hi: number, data: Uint8Array): [number, number] {
  const [l, h] = (kernel ??= crc64Kernel()).update(data, lo, hi);
  return [l >>> 0, h >>> 0];
}

function split(v: bigint): [number, number] {
  return [Number(v & 0xffffffffn), Number((v >> 32n) & 0xffffffffn)];
}

function join(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** CRC-64 of `data`; pass the CRC of earlier bytes as `init` to continue it. */
export function crc64(data: Uint8Array, init: bigint = 0n): bigint {
  const [lo, hi] = split(~init & MASK64);
  const [rlo, rhi] = update(lo, hi, data);
  return ~join(rlo, rhi) & MASK64;
}

/** Streaming CRC-64: `new Crc64().update(a).update(b).digest() === crc64(a‖b)`. */
export class Crc64 {
  #lo = 0xffffffff;
  #hi = 0xffffffff;
  update(data: Uint8Array): this {
    [this.#lo, this.#hi] = update(this.#lo, this.#hi, data);
    return this;
  }
  digest(): bigint {
    return ~join(this.#lo, this.#hi) & MASK64;
  }
}

// Combining, the way zlib's crc32_combine does it since 1.2.12: appending n zero bytes to a CRC
// multiplies it by x^(8n) modulo the polynomial, and crc(A‖B) = crc(A)·x^(8·len B) + crc(B). In the
// reflected representation the most significant bit is x^0, and a multiplication is 64 shift/XOR
// steps on two 32-bit halves. x^(2^k) mod P for k = 0…63 is built once (63 squarings), so one
// combine is at most ~55 multiplications for any length OSS allows. (The older GF(2) matrix method
// on BigInt cost ~10 ms on a cold start for a single 1 KiB part.)

/** a·b mod P, reflected; each operand and the result as [lo, hi] 32-bit halves. */
function mulModP(alo: number, ahi: number, blo: number, bhi: number): [number, number] {
  let plo = 0;
  let phi = 0;
  for (let i = 0; i < 64; i++) {
    // Bit i of a, counted from the top: the coefficient of x^i.
    const bit = i < 32 ? (ahi >>> (31 - i)) & 1 : (alo >>> (63 - i)) & 1;
    if (bit) {
      plo ^= blo;
      phi ^= bhi;
    }
    // b := b·x mod P: shift towards the low end; a coefficient leaving x^63 folds back as P.
    const carry = blo & 1;
    blo = (blo >>> 1) | (bhi << 31);
    bhi >>>= 1;
    if (carry) {
      blo ^= POLY_LO;
      bhi ^= POLY_HI;
    }
  }
  return [plo >>> 0, phi >>> 0];
}

// X2N[k] = x^(2^k) mod P as [lo, hi]; built on first combine.
let X2N: Array<[number, number]> | undefined;
function x2nTable(): Array<[number, number]> {
  if (X2N) return X2N;
  const t: Array<[number, number]> = [[0, 0x40000000]]; // x^1
  for (let k = 1; k < 64; k++) t.push(mulModP(t[k - 1][0], t[k - 1][1], t[k - 1][0], t[k - 1][1]));
  return (X2N = t);
}

/** CRC-64 of A‖B from crc(A), crc(B) and the length of B in bytes. */
export function crc64Combine(crcA: bigint, crcB: bigint, lengthB: number | bigint): bigint {
  let len = BigInt(lengthB);
  if (len < 0n) throw new RangeError('lengthB must not be negative');
  if (len === 0n || crcA === 0n) return (crcA ^ crcB) & MASK64;
  const table = x2nTable();
  // x^(8·len) = the product of x^(2^k) over the set bits k of 8·len, i.e. bits of len from k = 3.
  let [lo, hi] = split(crcA);
  for (let k = 3; len !== 0n; k++, len >>= 1n) {
    if (k >= 64) throw new RangeError('lengthB is too large');
    if (len & 1n) [lo, hi] = mulModP(table[k][0], table[k][1], lo, hi);
  }
  return join(lo, hi) ^ (crcB & MASK64);
}

/** Parses OSS's unsigned decimal form; undefined for absent or malformed values. */
export function parseCrc64(value: string | null | undefined): bigint | undefined {
  if (value == null || !/^\d{1,20}$/.test(value)) return undefined;
  const v = BigInt(value);
  return v > MASK64 ? undefined : v;
}
