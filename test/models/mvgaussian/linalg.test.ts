/**
 * The small dense linear algebra of the multivariate Gaussian, against hand-derived matrices,
 * against mpmath at 60 digits (linalg-reference.json, written by linalg-reference.py, which
 * says how to regenerate it), and against its own identities on random SPD matrices.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  backSolve,
  cholesky,
  choleskyInverse,
  choleskyLogDet,
  congruence,
  eigenWorkLength,
  forwardSolve,
  mahalanobis2,
  spectralCompose,
  symmetricEigen,
} from '../../../src/models/mvgaussian/linalg.js';
import { mulberry32 } from '../../helpers/mixture.js';

interface Reference {
  name: string;
  d: number;
  a: number[];
  values: number[];
  vectors: number[];
  cholesky: number[];
  inverse: number[];
  logdet: number;
  condition: number;
}
const reference = JSON.parse(readFileSync(new URL('./linalg-reference.json', import.meta.url), 'utf8')) as { cases: Reference[] };
const byName = (name: string): Reference => reference.cases.find((c) => c.name === name) as Reference;

/** C = A Bᵀ for d × d row-major matrices. */
function timesTransposed(d: number, a: Float64Array, b: Float64Array): Float64Array {
  const c = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let m = 0; m < d; m++) c[i * d + j] += a[i * d + m] * b[j * d + m];
  return c;
}

const frobenius = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
const relativeError = (got: ArrayLike<number>, want: ArrayLike<number>): number =>
  frobenius(Array.from(got, (g, i) => g - want[i])) / frobenius(want);

/** V Λ Vᵀ. */
function fromEigen(d: number, values: Float64Array, vectors: Float64Array): Float64Array {
  const scaled = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) scaled[i * d + j] = vectors[i * d + j] * values[j];
  return timesTransposed(d, scaled, vectors);
}

/** Largest |(VᵀV − I)_ij|. */
function orthogonalityError(d: number, v: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let m = 0; m < d; m++) s += v[m * d + i] * v[m * d + j];
      worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
    }
  }
  return worst;
}

function eigen(d: number, a: Float64Array): { values: Float64Array; vectors: Float64Array; sweeps: number } {
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  const sweeps = symmetricEigen(d, a, values, vectors, new Float64Array(eigenWorkLength(d)));
  return { values, vectors, sweeps };
}

/** A = B Bᵀ + δ I with B uniform on [−1, 1], from a seeded generator. */
function randomSpd(d: number, seed: number, ridge = 0.1): Float64Array {
  const u = mulberry32(seed);
  const b = Float64Array.from({ length: d * d }, () => 2 * u() - 1);
  const a = timesTransposed(d, b, b);
  for (let i = 0; i < d; i++) a[i * d + i] += ridge;
  return a;
}

describe('cholesky and what it gives', () => {
  // By hand: A = [[4, 2], [2, 3]] = L Lᵀ with L = [[2, 0], [1, √2]]; |A| = 8;
  // A⁻¹ = [[3, −2], [−2, 4]] / 8.
  const a = Float64Array.of(4, 2, 2, 3);

  it('factors a 2 × 2 matrix as by hand', () => {
    const l = new Float64Array(4).fill(7);
    expect(cholesky(2, a, l)).toBe(true);
    expect([...l]).toEqual([2, 0, 1, Math.SQRT2]);
    expect(choleskyLogDet(2, l)).toBeCloseTo(Math.log(8), 15);
    const inv = new Float64Array(4);
    choleskyInverse(2, l, inv);
    expect(relativeError(inv, [3 / 8, -2 / 8, -2 / 8, 4 / 8])).toBeLessThan(4e-16);
  });

  it('solves and measures distances through the factor', () => {
    const l = new Float64Array(4);
    cholesky(2, a, l);
    // A x = b for b = (2, 5): x = A⁻¹ b = (3·2 − 2·5, −2·2 + 4·5) / 8 = (−0.5, 2).
    const y = Float64Array.of(2, 5);
    forwardSolve(2, l, y, y);
    backSolve(2, l, y, y);
    expect(y[0]).toBeCloseTo(-0.5, 15);
    expect(y[1]).toBeCloseTo(2, 15);
    // (x − μ)ᵀ A⁻¹ (x − μ) with x − μ = (1, −1): (3 + 2 + 2 + 4) / 8 = 11/8.
    const work = new Float64Array(2);
    expect(mahalanobis2(2, l, Float64Array.of(0, 1, 3.5, 1), Float64Array.of(2.5, 2), work, 0, 2)).toBeCloseTo(11 / 8, 15);
  });

  it('factors in place and at offsets', () => {
    const both = new Float64Array(8);
    both.set([9, 9, 9, 9]);
    both.set(a, 4);
    expect(cholesky(2, both, both, 4, 4)).toBe(true);
    expect([...both]).toEqual([9, 9, 9, 9, 2, 0, 1, Math.SQRT2]);
    expect(choleskyLogDet(2, both, 4)).toBeCloseTo(Math.log(8), 15);
  });

  it('reads only the lower triangle', () => {
    const l = new Float64Array(4);
    expect(cholesky(2, Float64Array.of(4, NaN, 2, 3), l)).toBe(true);
    expect([...l]).toEqual([2, 0, 1, Math.SQRT2]);
  });

  it('signals a matrix that is not positive definite', () => {
    const l = new Float64Array(9);
    expect(cholesky(2, Float64Array.of(1, 2, 2, 1), l)).toBe(false); // eigenvalues 3 and −1
    expect(cholesky(2, Float64Array.of(1, 1, 1, 1), l)).toBe(false); // singular: pivot 0
    expect(cholesky(2, Float64Array.of(0, 0, 0, 1), l)).toBe(false);
    expect(cholesky(2, Float64Array.of(-1, 0, 0, 1), l)).toBe(false);
    expect(cholesky(2, Float64Array.of(NaN, 0, 0, 1), l)).toBe(false);
    expect(cholesky(2, Float64Array.of(1, 0, Infinity, 1), l)).toBe(false);
    expect(cholesky(3, Float64Array.of(2, -1, 0, -1, 2, -1, 0, -1, 2 - 3), l)).toBe(false);
  });

  it('matches mpmath on a well-conditioned 5 × 5 matrix', () => {
    const ref = byName('spd5');
    const { d } = ref;
    const l = new Float64Array(d * d);
    expect(cholesky(d, Float64Array.from(ref.a), l)).toBe(true);
    expect(relativeError(l, ref.cholesky)).toBeLessThan(1e-15);
    expect(choleskyLogDet(d, l)).toBeCloseTo(ref.logdet, 14);
    const inv = new Float64Array(d * d);
    choleskyInverse(d, l, inv);
    // Forward error of the inverse ≤ κ ε ≈ 27 · 1.1e-16.
    expect(relativeError(inv, ref.inverse)).toBeLessThan(27 * 2.2e-16);
  });

  it('is backward stable at condition 1e12 and accurate on a graded matrix', () => {
    for (const name of ['illcond6', 'graded4']) {
      const ref = byName(name);
      const { d } = ref;
      const l = new Float64Array(d * d);
      expect(cholesky(d, Float64Array.from(ref.a), l)).toBe(true);
      // ‖A − L Lᵀ‖ ≤ c d ε ‖A‖ (Higham, Accuracy and Stability, Theorem 10.3).
      expect(relativeError(timesTransposed(d, l, l), ref.a)).toBeLessThan(4 * d * 1.1e-16);
    }
    // Cholesky is invariant under diagonal scaling, so on D H D with H of condition 4 every
    // entry of L and of the inverse is accurate relative to its own scale, and so is log|A|,
    // although the condition number is 6e11.
    const ref = byName('graded4');
    const { d } = ref;
    const l = new Float64Array(d * d);
    cholesky(d, Float64Array.from(ref.a), l);
    const inv = new Float64Array(d * d);
    choleskyInverse(d, l, inv);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        const scaleL = Math.sqrt(ref.a[i * d + i]);
        expect(Math.abs(l[i * d + j] - ref.cholesky[i * d + j])).toBeLessThan(1e-14 * scaleL);
        const scaleInv = Math.sqrt(ref.inverse[i * d + i] * ref.inverse[j * d + j]);
        expect(Math.abs(inv[i * d + j] - ref.inverse[i * d + j])).toBeLessThan(1e-14 * scaleInv);
      }
    }
    expect(choleskyLogDet(d, l)).toBeCloseTo(ref.logdet, 13);
  });

  it('solves A x = b on random SPD matrices up to d = 50', () => {
    for (const [d, seed] of [
      [3, 1],
      [7, 2],
      [20, 3],
      [50, 4],
    ]) {
      const a = randomSpd(d, seed);
      const l = new Float64Array(d * d);
      expect(cholesky(d, a, l)).toBe(true);
      expect(relativeError(timesTransposed(d, l, l), a)).toBeLessThan(1e-14);
      const u = mulberry32(seed + 100);
      const x = Float64Array.from({ length: d }, () => u() - 0.5);
      const b = new Float64Array(d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) b[i] += a[i * d + j] * x[j];
      const y = new Float64Array(d);
      forwardSolve(d, l, b, y);
      backSolve(d, l, y, y);
      const inv = new Float64Array(d * d);
      choleskyInverse(d, l, inv);
      const product = timesTransposed(d, inv, a);
      let worst = 0;
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) worst = Math.max(worst, Math.abs(product[i * d + j] - (i === j ? 1 : 0)));
      // The residual of the solve and of A⁻¹A are bounded by κ ε; κ ≤ 1e5 here.
      const values = eigen(d, a).values;
      const kappa = values[0] / values[d - 1];
      expect(relativeError(y, x)).toBeLessThan(10 * kappa * 1.1e-16);
      expect(worst).toBeLessThan(10 * kappa * 1.1e-16);
      // Mahalanobis distance of b from 0: bᵀ A⁻¹ b = bᵀ x.
      const work = new Float64Array(d);
      const q = mahalanobis2(d, l, b, new Float64Array(d), work);
      expect(q).toBeCloseTo(b.reduce((s, bi, i) => s + bi * x[i], 0), 8);
    }
  });
});

describe('symmetric eigen-decomposition by Jacobi rotations', () => {
  it('decomposes matrices known by hand', () => {
    // [[4, 2], [2, 3]]: λ = (7 ± √17)/2, eigenvector (2, λ − 4).
    const two = eigen(2, Float64Array.of(4, 2, 2, 3));
    const root = Math.sqrt(17);
    expect(two.values[0]).toBeCloseTo((7 + root) / 2, 14);
    expect(two.values[1]).toBeCloseTo((7 - root) / 2, 14);
    const lambda = (7 + root) / 2;
    const norm = Math.hypot(2, lambda - 4);
    const sign = Math.sign(two.vectors[0]);
    expect(sign * two.vectors[0]).toBeCloseTo(2 / norm, 15);
    expect(sign * two.vectors[2]).toBeCloseTo((lambda - 4) / norm, 15);
    // The second difference matrix tridiag(−1, 2, −1) of order 3: λ = 2 + √2, 2, 2 − √2,
    // vectors (1, −√2, 1)/2, (1, 0, −1)/√2, (1, √2, 1)/2.
    const three = eigen(3, Float64Array.of(2, -1, 0, -1, 2, -1, 0, -1, 2));
    expect(three.values[0]).toBeCloseTo(2 + Math.SQRT2, 15);
    expect(three.values[1]).toBeCloseTo(2, 15);
    expect(three.values[2]).toBeCloseTo(2 - Math.SQRT2, 15);
    const want = [
      [0.5, -Math.SQRT1_2, 0.5],
      [Math.SQRT1_2, 0, -Math.SQRT1_2],
      [0.5, Math.SQRT1_2, 0.5],
    ];
    for (let j = 0; j < 3; j++) {
      const s = Math.sign(three.vectors[j]);
      for (let i = 0; i < 3; i++) expect(s * three.vectors[i * 3 + j]).toBeCloseTo(want[j][i], 15);
    }
    // A diagonal matrix needs no rotation; its eigenvalues come back sorted.
    const diagonal = eigen(3, Float64Array.of(1, 0, 0, 0, 3, 0, 0, 0, 2));
    expect(diagonal.sweeps).toBe(0);
    expect([...diagonal.values]).toEqual([3, 2, 1]);
    expect([...diagonal.vectors]).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
  });

  it('matches mpmath to full precision on a well-conditioned matrix', () => {
    const ref = byName('spd5');
    const { d } = ref;
    const { values, vectors } = eigen(d, Float64Array.from(ref.a));
    for (let j = 0; j < d; j++) {
      expect(Math.abs(values[j] - ref.values[j])).toBeLessThan(4 * 1.1e-16 * ref.values[0]);
      // Eigenvectors are accurate to ε ‖A‖ / gap; the smallest gap here is 0.66.
      const s = Math.sign(vectors[j]) * Math.sign(ref.vectors[j]);
      for (let i = 0; i < d; i++) expect(Math.abs(s * vectors[i * d + j] - ref.vectors[i * d + j])).toBeLessThan(1e-14);
    }
  });

  it('keeps reconstruction and orthogonality at condition 1e12 and with near-equal eigenvalues', () => {
    for (const name of ['illcond6', 'clustered4', 'graded4']) {
      const ref = byName(name);
      const { d } = ref;
      const { values, vectors } = eigen(d, Float64Array.from(ref.a));
      expect(relativeError(fromEigen(d, values, vectors), ref.a)).toBeLessThan(1e-15);
      expect(orthogonalityError(d, vectors)).toBeLessThan(1e-15);
      // Every eigenvalue to within a few ε ‖A‖ (Weyl), whatever the condition.
      for (let j = 0; j < d; j++) expect(Math.abs(values[j] - ref.values[j])).toBeLessThan(4 * 1.1e-16 * ref.values[0]);
    }
  });

  it('finds the eigenvalues of a graded matrix to high relative accuracy', () => {
    // D H D with H of condition 4: Demmel and Veselić's bound is a small multiple of κ(H) ε
    // relative on every eigenvalue, down to the smallest, 2.4e-12 (QR would give only ε ‖A‖
    // absolute, i.e. about 1e-4 relative there).
    const ref = byName('graded4');
    const { d } = ref;
    const { values } = eigen(d, Float64Array.from(ref.a));
    for (let j = 0; j < d; j++) expect(Math.abs(values[j] / ref.values[j] - 1)).toBeLessThan(1e-14);
  });

  it('reconstructs random SPD matrices up to d = 50 with orthonormal vectors', () => {
    for (const [d, seed] of [
      [2, 11],
      [4, 12],
      [9, 13],
      [25, 14],
      [50, 15],
    ]) {
      const a = randomSpd(d, seed);
      const { values, vectors, sweeps } = eigen(d, a);
      expect(sweeps).toBeLessThan(15);
      expect(relativeError(fromEigen(d, values, vectors), a)).toBeLessThan(1e-12);
      expect(orthogonalityError(d, vectors)).toBeLessThan(1e-13);
      for (let j = 1; j < d; j++) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
      let trace = 0;
      for (let i = 0; i < d; i++) trace += a[i * d + i];
      expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(trace, 10);
      // The same spectrum as the Cholesky factor's determinant.
      const l = new Float64Array(d * d);
      cholesky(d, a, l);
      expect(values.reduce((s, v) => s + Math.log(v), 0)).toBeCloseTo(choleskyLogDet(d, l), 10);
    }
  });

  it('decomposes indefinite and singular matrices, at an offset, without touching the input', () => {
    const a = Float64Array.of(0, 0, 0, 0, 1, 2, 2, 1);
    const values = new Float64Array(2);
    const vectors = new Float64Array(6);
    symmetricEigen(2, a, values, vectors, new Float64Array(eigenWorkLength(2)), 4, 2);
    expect(values[0]).toBeCloseTo(3, 15);
    expect(values[1]).toBeCloseTo(-1, 15);
    expect([...a]).toEqual([0, 0, 0, 0, 1, 2, 2, 1]);
    expect(Math.abs(vectors[2])).toBeCloseTo(Math.SQRT1_2, 15);
    const singular = eigen(2, Float64Array.of(1, 1, 1, 1));
    expect(singular.values[0]).toBeCloseTo(2, 15);
    expect(Math.abs(singular.values[1])).toBeLessThan(1e-16);
    expect(eigen(2, Float64Array.of(1, NaN, NaN, 1)).sweeps).toBe(-1);
  });
});

describe('changes of basis', () => {
  it('congruence and spectralCompose are inverse through orthonormal eigenvectors', () => {
    // By hand: V the rotation by 45°, A = [[2, 1], [1, 2]] = V diag(3, 1) Vᵀ, so Vᵀ A V = diag(3, 1).
    const h = Math.SQRT1_2;
    const v = Float64Array.of(h, -h, h, h);
    const out = new Float64Array(4);
    congruence(2, Float64Array.of(2, 1, 1, 2), v, out, new Float64Array(4));
    expect(out[0]).toBeCloseTo(3, 15);
    expect(out[3]).toBeCloseTo(1, 15);
    expect(Math.abs(out[1])).toBeLessThan(1e-15);
    expect(out[1]).toBe(out[2]);
    spectralCompose(2, v, Float64Array.of(3, 1), out);
    expect(relativeError(out, [2, 1, 1, 2])).toBeLessThan(4e-16);

    const d = 12;
    const a = randomSpd(d, 21);
    const { values, vectors } = eigen(d, a);
    // A and V at offsets in one buffer, the result at an offset in another.
    const both = new Float64Array(3 * d * d);
    both.set(a, d * d);
    both.set(vectors, 2 * d * d);
    const shifted = new Float64Array(2 * d * d);
    congruence(d, both, both, shifted, new Float64Array(d * d), d * d, 2 * d * d, d * d);
    const diag = shifted.subarray(d * d);
    for (let i = 0; i < d; i++) {
      expect(Math.abs(diag[i * d + i] - values[i])).toBeLessThan(1e-13 * values[0]);
      for (let j = 0; j < i; j++) expect(Math.abs(diag[i * d + j])).toBeLessThan(1e-13 * values[0]);
    }
    const back = new Float64Array(d * d);
    spectralCompose(d, vectors, values, back);
    expect(relativeError(back, a)).toBeLessThan(1e-14);
  });
});
