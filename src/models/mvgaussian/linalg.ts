/**
 * Dense linear algebra for the small symmetric matrices of a d-dimensional Gaussian mixture
 * (d × d, d up to about 50): Cholesky factorisation and what it gives (log-determinant,
 * triangular solves, Mahalanobis distances, the inverse), and the symmetric eigen-decomposition
 * by cyclic Jacobi rotations.
 *
 * Storage: a d × d matrix is d² consecutive doubles in row-major order, a_ij at
 * a[off + i·d + j], so that the K covariance matrices of a mixture sit in one Float64Array
 * (component k at offset k·d²). Every function takes such an offset instead of a subarray,
 * and none allocates: the E-step calls `mahalanobis2` n·K times per pass, and a general
 * package that allocates per call costs more there than the arithmetic.
 *
 * Symmetric inputs are read from their lower triangle (a_ij with i ≥ j) only.
 */

/**
 * Cholesky factorisation A = L Lᵀ of a symmetric positive-definite A (Golub and Van Loan,
 * Matrix Computations, 4th ed., Algorithm 4.2.1, the row-oriented "gaxpy" form):
 *   l_jj = √(a_jj − Σ_{m<j} l_jm²),   l_ij = (a_ij − Σ_{m<j} l_im l_jm) / l_jj  (i > j).
 * Writes the lower-triangular L into `l` (its upper triangle set to 0); `l` may be `a` itself
 * (same array and offset), which then holds L.
 *
 * Returns false, leaving `l` partly written, when A is not positive definite in floating
 * point: a pivot a_jj − Σ l_jm² that is ≤ 0 or not finite (NaN or ±∞ input included).
 */
export function cholesky(d: number, a: Float64Array, l: Float64Array, aOff = 0, lOff = 0): boolean {
  for (let j = 0; j < d; j++) {
    const rj = lOff + j * d;
    let s = a[aOff + j * d + j];
    for (let m = 0; m < j; m++) s -= l[rj + m] * l[rj + m];
    if (!(s > 0 && s < Infinity)) return false;
    const ljj = Math.sqrt(s);
    l[rj + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      const ri = lOff + i * d;
      let t = a[aOff + i * d + j];
      for (let m = 0; m < j; m++) t -= l[ri + m] * l[rj + m];
      l[ri + j] = t / ljj;
    }
    for (let m = j + 1; m < d; m++) l[rj + m] = 0;
  }
  return true;
}

/** log |A| = 2 Σ_j log l_jj from the Cholesky factor L of A; never forms the determinant. */
export function choleskyLogDet(d: number, l: Float64Array, lOff = 0): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += Math.log(l[lOff + j * d + j]);
  return 2 * s;
}

/**
 * Solves L y = b by forward substitution, y_i = (b_i − Σ_{m<i} l_im y_m) / l_ii.
 * `y` may be `b` (same array and offset): each b_i is read before y_i is written.
 */
export function forwardSolve(d: number, l: Float64Array, b: Float64Array, y: Float64Array, lOff = 0, bOff = 0, yOff = 0): void {
  for (let i = 0; i < d; i++) {
    const ri = lOff + i * d;
    let s = b[bOff + i];
    for (let m = 0; m < i; m++) s -= l[ri + m] * y[yOff + m];
    y[yOff + i] = s / l[ri + i];
  }
}

/**
 * Solves Lᵀ y = b by back substitution, y_i = (b_i − Σ_{m>i} l_mi y_m) / l_ii.
 * `y` may be `b` (same array and offset).
 */
export function backSolve(d: number, l: Float64Array, b: Float64Array, y: Float64Array, lOff = 0, bOff = 0, yOff = 0): void {
  for (let i = d - 1; i >= 0; i--) {
    let s = b[bOff + i];
    for (let m = i + 1; m < d; m++) s -= l[lOff + m * d + i] * y[yOff + m];
    y[yOff + i] = s / l[lOff + i * d + i];
  }
}

/**
 * Squared Mahalanobis distance (x − μ)ᵀ Σ⁻¹ (x − μ) = ‖L⁻¹(x − μ)‖² through the Cholesky
 * factor L of Σ: one forward solve into `work` (length ≥ d), no inverse formed. x and μ are
 * read at their offsets (a row of an n × d data matrix, a component's mean).
 */
export function mahalanobis2(
  d: number,
  l: Float64Array,
  x: Float64Array,
  mu: Float64Array,
  work: Float64Array,
  lOff = 0,
  xOff = 0,
  muOff = 0,
): number {
  let q = 0;
  for (let i = 0; i < d; i++) {
    const ri = lOff + i * d;
    let s = x[xOff + i] - mu[muOff + i];
    for (let m = 0; m < i; m++) s -= l[ri + m] * work[m];
    const y = s / l[ri + i];
    work[i] = y;
    q += y * y;
  }
  return q;
}

/**
 * A⁻¹ = L⁻ᵀ L⁻¹ from the Cholesky factor L of A (as LAPACK's dpotri: the triangular inverse
 * M = L⁻¹, then the product), written in full (both triangles) into `out`, which must not
 * overlap `l`. M is built in the lower triangle of `out` column by column,
 *   m_jj = 1/l_jj,  m_ij = −(Σ_{j≤p<i} l_ip m_pj) / l_ii,
 * and the product (A⁻¹)_ij = Σ_{p≥i} m_pi m_pj (i ≥ j) overwrites it row by row from the top:
 * row i needs only rows p ≥ i of M, and (i, i) is written last in its row.
 */
export function choleskyInverse(d: number, l: Float64Array, out: Float64Array, lOff = 0, outOff = 0): void {
  for (let j = 0; j < d; j++) {
    out[outOff + j * d + j] = 1 / l[lOff + j * d + j];
    for (let i = j + 1; i < d; i++) {
      let s = 0;
      for (let p = j; p < i; p++) s += l[lOff + i * d + p] * out[outOff + p * d + j];
      out[outOff + i * d + j] = -s / l[lOff + i * d + i];
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = i; p < d; p++) s += out[outOff + p * d + i] * out[outOff + p * d + j];
      if (j < i) out[outOff + i * d + j] = s;
      else out[outOff + i * d + i] = s;
    }
  }
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) out[outOff + i * d + j] = out[outOff + j * d + i];
}

/**
 * Vᵀ A V for a symmetric A (lower triangle read) and any V, written in full into `out`:
 * the matrix of A in the basis of V's columns, e.g. the scatter along the axes of an
 * orientation. `work` (length ≥ d²) holds A V; `out` must overlap neither `a` nor `v`.
 */
export function congruence(d: number, a: Float64Array, v: Float64Array, out: Float64Array, work: Float64Array, aOff = 0, vOff = 0, outOff = 0): void {
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let m = 0; m < d; m++) s += a[aOff + (i >= m ? i * d + m : m * d + i)] * v[vOff + m * d + j];
      work[i * d + j] = s;
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let m = 0; m < d; m++) s += v[vOff + m * d + i] * work[m * d + j];
      out[outOff + i * d + j] = s;
      out[outOff + j * d + i] = s;
    }
  }
}

/**
 * V diag(c) Vᵀ = Σ_j c_j v_j v_jᵀ, written in full into `out` (which must not overlap `v`):
 * a covariance from its axes V and the variances c along them.
 */
export function spectralCompose(d: number, v: Float64Array, c: Float64Array, out: Float64Array, vOff = 0, cOff = 0, outOff = 0): void {
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let m = 0; m < d; m++) s += v[vOff + i * d + m] * c[cOff + m] * v[vOff + j * d + m];
      out[outOff + i * d + j] = s;
      out[outOff + j * d + i] = s;
    }
  }
}

/** Length of the `work` array that `symmetricEigen` needs for a d × d matrix. */
export const eigenWorkLength = (d: number): number => d * d + 2 * d;

/** Sweeps after which `symmetricEigen` gives up; quadratic convergence needs fewer than 15. */
const MAX_SWEEPS = 100;

/**
 * Symmetric eigen-decomposition A = V Λ Vᵀ by the cyclic Jacobi method (Jacobi 1846; in the
 * form of Rutishauser, Numer. Math. 9, 1966, as in Press et al., Numerical Recipes, 3rd ed.,
 * §11.1): each rotation in the plane (p, q) zeroes a_pq with
 *   θ = (a_qq − a_pp) / (2 a_pq),  t = sgn θ / (|θ| + √(θ² + 1)),  c = 1/√(t² + 1),  s = t c,
 * and updates the diagonal by ∓t a_pq, accumulated apart from it (as Rutishauser does) so
 * that rounding does not build up on the eigenvalues. An off-diagonal a_pq is set to zero
 * once 100·|a_pq| is below the last place of both |a_pp| and |a_qq|; this is stricter than
 * |a_pq| ≤ ε √|a_pp a_qq|, the test under which Jacobi finds the eigenvalues of a graded
 * matrix A = D H D to high relative accuracy (Demmel and Veselić, SIAM J. Matrix Anal.
 * Appl. 13, 1992), which the QR algorithm does not. The rotations are applied to an identity
 * to give V, orthonormal to rounding.
 *
 * Writes the eigenvalues into `values` (length d) in decreasing order and the eigenvectors
 * as the columns of `vectors` (d × d row-major: v_ij is the i-th entry of the j-th vector).
 * `work` has length ≥ eigenWorkLength(d); `a` is not modified (its lower triangle is read).
 * Returns the number of sweeps, or −1 when the input is not finite (then `values` is NaN).
 */
export function symmetricEigen(d: number, a: Float64Array, values: Float64Array, vectors: Float64Array, work: Float64Array, aOff = 0, vOff = 0): number {
  const w = work;
  const bOff = d * d;
  const zOff = d * d + d;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) w[i * d + j] = w[j * d + i] = a[aOff + i * d + j];
    for (let j = 0; j < d; j++) vectors[vOff + i * d + j] = i === j ? 1 : 0;
    values[i] = w[bOff + i] = w[i * d + i];
    w[zOff + i] = 0;
  }
  let sweeps = 0;
  for (; sweeps < MAX_SWEEPS; sweeps++) {
    let off = 0;
    for (let p = 0; p < d - 1; p++) for (let q = p + 1; q < d; q++) off += Math.abs(w[p * d + q]);
    if (off === 0) break;
    if (!Number.isFinite(off)) {
      values.fill(NaN, 0, d);
      return -1;
    }
    // Rutishauser's threshold: in the first sweeps rotate only the large elements.
    const threshold = sweeps < 3 ? (0.2 * off) / (d * d) : 0;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = w[p * d + q];
        const g = 100 * Math.abs(apq);
        if (sweeps > 3 && Math.abs(values[p]) + g === Math.abs(values[p]) && Math.abs(values[q]) + g === Math.abs(values[q])) {
          w[p * d + q] = 0;
          continue;
        }
        if (!(Math.abs(apq) > threshold)) continue;
        const h = values[q] - values[p];
        let t: number;
        if (Math.abs(h) + g === Math.abs(h)) {
          t = apq / h;
        } else {
          const theta = (0.5 * h) / apq;
          t = 1 / (Math.abs(theta) + Math.sqrt(1 + theta * theta));
          if (theta < 0) t = -t;
        }
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        const tau = s / (1 + c);
        const dh = t * apq;
        w[zOff + p] -= dh;
        w[zOff + q] += dh;
        values[p] -= dh;
        values[q] += dh;
        w[p * d + q] = 0;
        // Rotate the upper triangle: (j, p) and (j, q) for j < p, (p, j) and (j, q) for
        // p < j < q, (p, j) and (q, j) for j > q.
        for (let j = 0; j < p; j++) rotate(w, s, tau, j * d + p, j * d + q);
        for (let j = p + 1; j < q; j++) rotate(w, s, tau, p * d + j, j * d + q);
        for (let j = q + 1; j < d; j++) rotate(w, s, tau, p * d + j, q * d + j);
        for (let j = 0; j < d; j++) rotate(vectors, s, tau, vOff + j * d + p, vOff + j * d + q);
      }
    }
    for (let p = 0; p < d; p++) {
      w[bOff + p] += w[zOff + p];
      values[p] = w[bOff + p];
      w[zOff + p] = 0;
    }
  }
  // Selection sort into decreasing order, moving the columns of V along.
  for (let i = 0; i < d - 1; i++) {
    let top = i;
    for (let j = i + 1; j < d; j++) if (values[j] > values[top]) top = j;
    if (top === i) continue;
    const tv = values[i];
    values[i] = values[top];
    values[top] = tv;
    for (let r = 0; r < d; r++) {
      const e = vOff + r * d;
      const tx = vectors[e + i];
      vectors[e + i] = vectors[e + top];
      vectors[e + top] = tx;
    }
  }
  return sweeps;
}

/** The Jacobi rotation of two entries, g' = g − s(h + gτ), h' = h + s(g − hτ), τ = s/(1 + c). */
function rotate(m: Float64Array, s: number, tau: number, i: number, j: number): void {
  const g = m[i];
  const h = m[j];
  m[i] = g - s * (h + g * tau);
  m[j] = h + s * (g - h * tau);
}
