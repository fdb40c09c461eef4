/**
 * CRC-64 as OSS reports it in `x-oss-hash-crc64ecma`: CRC-64/XZ (reflected polynomial
 * 0xC96C5795D7870F42, init and final XOR all ones). OSS prints it as an unsigned decimal.
 *
 * The hot loop works on two 32-bit halves with slicing-by-8 tables: BigInt per byte would be
 * two orders of magnitude slower, and the emulator hashes every byte it stores.
 */

const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;

// TABLES_{LO,HI}[k * 256 + b]: the CRC of byte b followed by k zero bytes (slicing-by-8). Built on
// first use, not at module load: most functions load this module and never hash a byte.
let TABLES_LO: Uint32Array | undefined;
let TABLES_HI: Uint32Array | undefined;

function buildTables(): void {
  const tlo = new Uint32Array(8 * 256);
  const thi = new Uint32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let lo = b;
    let hi = 0;
    for (let i = 0; i < 8; i++) {
      const lsb = lo & 1;
      lo = ((lo >>> 1) | (hi << 31)) >>> 0;
      hi = hi >>> 1;
      if (lsb) {
        lo = (lo ^ POLY_LO) >>> 0;
        hi = (hi ^ POLY_HI) >>> 0;
      }
    }
    tlo[b] = lo;
    thi[b] = hi;
  }
  for (let k = 1; k < 8; k++) {
    for (let b = 0; b < 256; b++) {
      const plo = tlo[(k - 1) * 256 + b];
      const phi = thi[(k - 1) * 256 + b];
      const idx = plo & 0xff;
      tlo[k * 256 + b] = (((plo >>> 8) | (phi << 24)) ^ tlo[idx]) >>> 0;
      thi[k * 256 + b] = ((phi >>> 8) ^ thi[idx]) >>> 0;
    }
  }
  TABLES_LO = tlo;
  TABLES_HI = thi;
}

const MASK64 = (1n << 64n) - 1n;

/** Raw register update (no init/final inversion), on split halves. */
function update(lo: number, hi: number, data: Uint8Array): [number, number] {
  if (TABLES_LO === undefined) buildTables();
  const T_LO = TABLES_LO!;
  const T_HI = TABLES_HI!;
  let i = 0;
  const n = data.length;
  const end8 = n - (n % 8);
  for (; i < end8; i += 8) {
    const l = lo ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
    const h = hi ^ (data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | (data[i + 7] << 24));
    lo =
      T_LO[1792 + (l & 0xff)] ^ T_LO[1536 + ((l >>> 8) & 0xff)] ^ T_LO[1280 + ((l >>> 16) & 0xff)] ^
      T_LO[1024 + (l >>> 24)] ^ T_LO[768 + (h & 0xff)] ^ T_LO[512 + ((h >>> 8) & 0xff)] ^
      T_LO[256 + ((h >>> 16) & 0xff)] ^ T_LO[h >>> 24];
    hi =
      T_HI[1792 + (l & 0xff)] ^ T_HI[1536 + ((l >>> 8) & 0xff)] ^ T_HI[1280 + ((l >>> 16) & 0xff)] ^
      T_HI[1024 + (l >>> 24)] ^ T_HI[768 + (h & 0xff)] ^ T_HI[512 + ((h >>> 8) & 0xff)] ^
      T_HI[256 + ((h >>> 16) & 0xff)] ^ T_HI[h >>> 24];
  }
  for (; i < n; i++) {
    const idx = (lo ^ data[i]) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ T_LO[idx];
    hi = (hi >>> 8) ^ T_HI[idx];
  }
  return [lo >>> 0, hi >>> 0];
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

// GF(2) 64x64 matrices as arrays of 64 column bigints, the zlib crc32_combine method.
function gf2Times(mat: bigint[], vec: bigint): bigint {
  let sum = 0n;
  for (let i = 0; vec !== 0n; i++, vec >>= 1n) if (vec & 1n) sum ^= mat[i];
  return sum;
}

function gf2Square(mat: bigint[]): bigint[] {
  const sq = new Array<bigint>(64);
  for (let n = 0; n < 64; n++) sq[n] = gf2Times(mat, mat[n]);
  return sq;
}

// Operators for 2^k zero bytes (k = 0, 1, …), built lazily: combine is called per part and the
// same powers recur, so squaring once per power instead of per call keeps it cheap.
const zeroByteOps: bigint[][] = [];
function zeroOperator(k: number): bigint[] {
  while (zeroByteOps.length <= k) {
    if (zeroByteOps.length === 0) {
      // Operator for one zero bit, squared three times: one zero byte.
      let odd = new Array<bigint>(64);
      odd[0] = (BigInt(POLY_HI) << 32n) | BigInt(POLY_LO);
      for (let n = 1; n < 64; n++) odd[n] = 1n << BigInt(n - 1);
      odd = gf2Square(odd); // 2 bits
      odd = gf2Square(odd); // 4 bits
      odd = gf2Square(odd); // 8 bits
      zeroByteOps.push(odd);
    } else {
      zeroByteOps.push(gf2Square(zeroByteOps[zeroByteOps.length - 1]));
    }
  }
  return zeroByteOps[k];
}

/** CRC-64 of A‖B from crc(A), crc(B) and the length of B in bytes. */
export function crc64Combine(crcA: bigint, crcB: bigint, lengthB: number | bigint): bigint {
  let len = BigInt(lengthB);
  if (len < 0n) throw new RangeError('lengthB must not be negative');
  if (len === 0n) return crcA;
  let crc = crcA;
  for (let k = 0; len !== 0n; k++, len >>= 1n) {
    if (len & 1n) crc = gf2Times(zeroOperator(k), crc);
  }
  return (crc ^ crcB) & MASK64;
}

/** Parses OSS's unsigned decimal form; undefined for absent or malformed values. */
export function parseCrc64(value: string | null | undefined): bigint | undefined {
  if (value == null || !/^\d{1,20}$/.test(value)) return undefined;
  const v = BigInt(value);
  return v > MASK64 ? undefined : v;
}
