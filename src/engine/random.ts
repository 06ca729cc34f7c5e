/**
 * Seeded randomness. Everything random in a cleanse (masks, shuffling, augmentation, fresh
 * initial values) draws from streams derived from the one user seed, so a seed reproduces a run.
 */

/** mulberry32: small, fast, good enough for masks and shuffles; 32-bit state. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = (seed >>> 0) ^ 0x9e3779b9;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** A 31-bit seed for a tfjs op that takes one (initializers, randomUniform). */
  seed(): number {
    return Math.floor(this.next() * 0x7fffffff);
  }
}

/** A stream derived from a seed and a purpose name, independent of the other streams. */
export function derivedRng(seed: number, purpose: string): Rng {
  let h = 2166136261 ^ (seed >>> 0);
  for (let i = 0; i < purpose.length; i++) {
    h = Math.imul(h ^ purpose.charCodeAt(i), 16777619);
  }
  return new Rng(h >>> 0);
}

/** Fisher-Yates permutation of 0..n-1. */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
