/**
 * MD5 (RFC 1321), for the client's Content-MD5 option, as ONE self-contained function for the same
 * reason as shared/oss/crc64-kernel.ts: client/lib/hasher.ts stringifies it into the Worker.
 */

export function md5Kernel(): (data: Uint8Array) => Uint8Array {
  const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

  /**
   * One 64-byte block at word `o` of `w` (32-bit little-endian words) into the state `h`. The 64
   * steps are written out (constants: floor(|sin(i + 1)| * 2^32)): V8 runs a loop, or calls to
   * per-round helpers (too many to inline), at ~80 MB/s; written out, at ~500 MB/s (Node 20).
   */
  function compress(h: Int32Array, w: Int32Array, o: number): void {
    let a = h[0];
    let b = h[1];
    let c = h[2];
    let d = h[3];
    let t: number;
    t = (a + ((b & c) | (~b & d)) + w[o + 0] + -680876936) | 0;
    a = (((t << 7) | (t >>> 25)) + b) | 0;
    t = (d + ((a & b) | (~a & c)) + w[o + 1] + -389564586) | 0;
    d = (((t << 12) | (t >>> 20)) + a) | 0;
    t = (c + ((d & a) | (~d & b)) + w[o + 2] + 606105819) | 0;
    c = (((t << 17) | (t >>> 15)) + d) | 0;
    t = (b + ((c & d) | (~c & a)) + w[o + 3] + -1044525330) | 0;
    b = (((t << 22) | (t >>> 10)) + c) | 0;
    t = (a + ((b & c) | (~b & d)) + w[o + 4] + -176418897) | 0;
    a = (((t << 7) | (t >>> 25)) + b) | 0;
    t = (d + ((a & b) | (~a & c)) + w[o + 5] + 1200080426) | 0;
    d = (((t << 12) | (t >>> 20)) + a) | 0;
    t = (c + ((d & a) | (~d & b)) + w[o + 6] + -1473231341) | 0;
    c = (((t << 17) | (t >>> 15)) + d) | 0;
    t = (b + ((c & d) | (~c & a)) + w[o + 7] + -45705983) | 0;
    b = (((t << 22) | (t >>> 10)) + c) | 0;
    t = (a + ((b & c) | (~b & d)) + w[o + 8] + 1770035416) | 0;
    a = (((t << 7) | (t >>> 25)) + b) | 0;
    t = (d + ((a & b) | (~a & c)) + w[o + 9] + -1958414417) | 0;
    d = (((t << 12) | (t >>> 20)) + a) | 0;
    t = (c + ((d & a) | (~d & b)) + w[o + 10] + -42063) | 0;
    c = (((t << 17) | (t >>> 15)) + d) | 0;
    t = (b + ((c & d) | (~c & a)) + w[o + 11] + -1990404162) | 0;
    b = (((t << 22) | (t >>> 10)) + c) | 0;
    t = (a + ((b & c) | (~b & d)) + w[o + 12] + 1804603682) | 0;
    a = (((t << 7) | (t >>> 25)) + b) | 0;
    t = (d + ((a & b) | (~a & c)) + w[o + 13] + -40341101) | 0;
    d = (((t << 12) | (t >>> 20)) + a) | 0;
    t = (c + ((d & a) | (~d & b)) + w[o + 14] + -1502002290) | 0;
    c = (((t << 17) | (t >>> 15)) + d) | 0;
    t = (b + ((c & d) | (~c & a)) + w[o + 15] + 1236535329) | 0;
    b = (((t << 22) | (t >>> 10)) + c) | 0;
    t = (a + ((b & d) | (c & ~d)) + w[o + 1] + -165796510) | 0;
    a = (((t << 5) | (t >>> 27)) + b) | 0;
    t = (d + ((a & c) | (b & ~c)) + w[o + 6] + -1069501632) | 0;
    d = (((t << 9) | (t >>> 23)) + a) | 0;
    t = (c + ((d & b) | (a & ~b)) + w[o + 11] + 643717713) | 0;
    c = (((t << 14) | (t >>> 18)) + d) | 0;
    t = (b + ((c & a) | (d & ~a)) + w[o + 0] + -373897302) | 0;
    b = (((t << 20) | (t >>> 12)) + c) | 0;
    t = (a + ((b & d) | (c & ~d)) + w[o + 5] + -701558691) | 0;
    a = (((t << 5) | (t >>> 27)) + b) | 0;
    t = (d + ((a & c) | (b & ~c)) + w[o + 10] + 38016083) | 0;
    d = (((t << 9) | (t >>> 23)) + a) | 0;
    t = (c + ((d & b) | (a & ~b)) + w[o + 15] + -660478335) | 0;
    c = (((t << 14) | (t >>> 18)) + d) | 0;
    t = (b + ((c & a) | (d & ~a)) + w[o + 4] + -405537848) | 0;
    b = (((t << 20) | (t >>> 12)) + c) | 0;
    t = (a + ((b & d) | (c & ~d)) + w[o + 9] + 568446438) | 0;
    a = (((t << 5) | (t >>> 27)) + b) | 0;
    t = (d + ((a & c) | (b & ~c)) + w[o + 14] + -1019803690) | 0;
    d = (((t << 9) | (t >>> 23)) + a) | 0;
    t = (c + ((d & b) | (a & ~b)) + w[o + 3] + -187363961) | 0;
    c = (((t << 14) | (t >>> 18)) + d) | 0;
    t = (b + ((c & a) | (d & ~a)) + w[o + 8] + 1163531501) | 0;
    b = (((t << 20) | (t >>> 12)) + c) | 0;
    t = (a + ((b & d) | (c & ~d)) + w[o + 13] + -1444681467) | 0;
    a = (((t << 5) | (t >>> 27)) + b) | 0;
    t = (d + ((a & c) | (b & ~c)) + w[o + 2] + -51403784) | 0;
    d = (((t << 9) | (t >>> 23)) + a) | 0;
    t = (c + ((d & b) | (a & ~b)) + w[o + 7] + 1735328473) | 0;
    c = (((t << 14) | (t >>> 18)) + d) | 0;
    t = (b + ((c & a) | (d & ~a)) + w[o + 12] + -1926607734) | 0;
    b = (((t << 20) | (t >>> 12)) + c) | 0;
    t = (a + (b ^ c ^ d) + w[o + 5] + -378558) | 0;
    a = (((t << 4) | (t >>> 28)) + b) | 0;
    t = (d + (a ^ b ^ c) + w[o + 8] + -2022574463) | 0;
    d = (((t << 11) | (t >>> 21)) + a) | 0;
    t = (c + (d ^ a ^ b) + w[o + 11] + 1839030562) | 0;
    c = (((t << 16) | (t >>> 16)) + d) | 0;
    t = (b + (c ^ d ^ a) + w[o + 14] + -35309556) | 0;
    b = (((t << 23) | (t >>> 9)) + c) | 0;
    t = (a + (b ^ c ^ d) + w[o + 1] + -1530992060) | 0;
    a = (((t << 4) | (t >>> 28)) + b) | 0;
    t = (d + (a ^ b ^ c) + w[o + 4] + 1272893353) | 0;
    d = (((t << 11) | (t >>> 21)) + a) | 0;
    t = (c + (d ^ a ^ b) + w[o + 7] + -155497632) | 0;
    c = (((t << 16) | (t >>> 16)) + d) | 0;
    t = (b + (c ^ d ^ a) + w[o + 10] + -1094730640) | 0;
    b = (((t << 23) | (t >>> 9)) + c) | 0;
    t = (a + (b ^ c ^ d) + w[o + 13] + 681279174) | 0;
    a = (((t << 4) | (t >>> 28)) + b) | 0;
    t = (d + (a ^ b ^ c) + w[o + 0] + -358537222) | 0;
    d = (((t << 11) | (t >>> 21)) + a) | 0;
    t = (c + (d ^ a ^ b) + w[o + 3] + -722521979) | 0;
    c = (((t << 16) | (t >>> 16)) + d) | 0;
    t = (b + (c ^ d ^ a) + w[o + 6] + 76029189) | 0;
    b = (((t << 23) | (t >>> 9)) + c) | 0;
    t = (a + (b ^ c ^ d) + w[o + 9] + -640364487) | 0;
    a = (((t << 4) | (t >>> 28)) + b) | 0;
    t = (d + (a ^ b ^ c) + w[o + 12] + -421815835) | 0;
    d = (((t << 11) | (t >>> 21)) + a) | 0;
    t = (c + (d ^ a ^ b) + w[o + 15] + 530742520) | 0;
    c = (((t << 16) | (t >>> 16)) + d) | 0;
    t = (b + (c ^ d ^ a) + w[o + 2] + -995338651) | 0;
    b = (((t << 23) | (t >>> 9)) + c) | 0;
    t = (a + (c ^ (b | ~d)) + w[o + 0] + -198630844) | 0;
    a = (((t << 6) | (t >>> 26)) + b) | 0;
    t = (d + (b ^ (a | ~c)) + w[o + 7] + 1126891415) | 0;
    d = (((t << 10) | (t >>> 22)) + a) | 0;
    t = (c + (a ^ (d | ~b)) + w[o + 14] + -1416354905) | 0;
    c = (((t << 15) | (t >>> 17)) + d) | 0;
    t = (b + (d ^ (c | ~a)) + w[o + 5] + -57434055) | 0;
    b = (((t << 21) | (t >>> 11)) + c) | 0;
    t = (a + (c ^ (b | ~d)) + w[o + 12] + 1700485571) | 0;
    a = (((t << 6) | (t >>> 26)) + b) | 0;
    t = (d + (b ^ (a | ~c)) + w[o + 3] + -1894986606) | 0;
    d = (((t << 10) | (t >>> 22)) + a) | 0;
    t = (c + (a ^ (d | ~b)) + w[o + 10] + -1051523) | 0;
    c = (((t << 15) | (t >>> 17)) + d) | 0;
    t = (b + (d ^ (c | ~a)) + w[o + 1] + -2054922799) | 0;
    b = (((t << 21) | (t >>> 11)) + c) | 0;
    t = (a + (c ^ (b | ~d)) + w[o + 8] + 1873313359) | 0;
    a = (((t << 6) | (t >>> 26)) + b) | 0;
    t = (d + (b ^ (a | ~c)) + w[o + 15] + -30611744) | 0;
    d = (((t << 10) | (t >>> 22)) + a) | 0;
    t = (c + (a ^ (d | ~b)) + w[o + 6] + -1560198380) | 0;
    c = (((t << 15) | (t >>> 17)) + d) | 0;
    t = (b + (d ^ (c | ~a)) + w[o + 13] + 1309151649) | 0;
    b = (((t << 21) | (t >>> 11)) + c) | 0;
    t = (a + (c ^ (b | ~d)) + w[o + 4] + -145523070) | 0;
    a = (((t << 6) | (t >>> 26)) + b) | 0;
    t = (d + (b ^ (a | ~c)) + w[o + 11] + -1120210379) | 0;
    d = (((t << 10) | (t >>> 22)) + a) | 0;
    t = (c + (a ^ (d | ~b)) + w[o + 2] + 718787259) | 0;
    c = (((t << 15) | (t >>> 17)) + d) | 0;
    t = (b + (d ^ (c | ~a)) + w[o + 9] + -343485551) | 0;
    b = (((t << 21) | (t >>> 11)) + c) | 0;
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
  }

  function md5(data: Uint8Array): Uint8Array {
    const h = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476]);
    const block = new Int32Array(16);
    const blockBytes = new Uint8Array(block.buffer);
    const n = data.length;
    const whole = n - (n % 64);
    const aligned = littleEndian && (data.byteOffset & 3) === 0;
    const words = aligned ? new Int32Array(data.buffer, data.byteOffset, whole >>> 2) : undefined;

    for (let off = 0; off < whole; off += 64) {
      if (words) compress(h, words, off >>> 2);
      else {
        blockBytes.set(data.subarray(off, off + 64));
        if (!littleEndian) for (let j = 0; j < 16; j++) block[j] = readLe(blockBytes, j * 4);
        compress(h, block, 0);
      }
    }
    // Padding: 0x80, zeros, then the bit length as a 64-bit little-endian number.
    const tail = new Uint8Array(n % 64 < 56 ? 64 : 128);
    tail.set(data.subarray(whole));
    tail[n % 64] = 0x80;
    const bits = n * 8;
    const end = tail.length - 8;
    for (let j = 0; j < 8; j++) tail[end + j] = Math.floor(bits / 2 ** (8 * j)) & 0xff;
    for (let off = 0; off < tail.length; off += 64) {
      for (let j = 0; j < 16; j++) block[j] = readLe(tail, off + j * 4);
      compress(h, block, 0);
    }
    const out = new Uint8Array(16);
    for (let j = 0; j < 16; j++) out[j] = (h[j >> 2] >>> (8 * (j & 3))) & 0xff;
    return out;
  }

  function readLe(b: Uint8Array, i: number): number {
    return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
  }

  return md5;
}
