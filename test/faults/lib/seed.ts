/**
 * The campaign's randomness: one seed per run, printed, and `FAULT_SEED=<n>` to replay it.
 * `Rng` is a small deterministic generator (mulberry32), so a plan drawn from a seed is the same
 * on every machine; fast-check gets the same seed through its own `seed` parameter.
 */

/** FAULT_SEED when set (a 32-bit integer), else a fresh random one. */
export function campaignSeed(): number {
  const raw = process.env.FAULT_SEED;
  if (raw !== undefined && raw.trim() !== '') {
    const n = Number(raw.trim());
    if (!Number.isInteger(n)) throw new Error(`FAULT_SEED must be an integer (got "${raw}")`);
    return n | 0;
  }
  return (Math.random() * 2 ** 32) | 0;
}

export class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** `n` distinct items, in random order. */
  sample<T>(items: readonly T[], n: number): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy.slice(0, n);
  }

  /** Deterministic bytes (xorshift over the generator; fast enough for a few MiB). */
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let x = (this.next() * 2 ** 32) >>> 0 || 1;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out.writeUInt32LE(x >>> 0, i);
    }
    for (; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  }
}

/** The line every campaign file prints first, so a failing run can be replayed. */
export function seedBanner(name: string, seed: number): string {
  return `${name}: seed ${seed} (replay with FAULT_SEED=${seed})`;
}
