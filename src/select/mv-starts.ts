/**
 * Starting partitions for d-dimensional data (rows × d, row-major), for the multivariate model
 * search (mv-search.ts).
 *
 * - `wardTree` / `cutTree`: model-based hierarchical agglomeration for the spherical model EII,
 *   which is Ward's method (Fraley 1998, "Algorithms for model-based Gaussian hierarchical
 *   clustering", SIAM J. Sci. Comput. 20, 270–281: merging the pair that least increases the
 *   within-group sum of squares maximises the EII classification likelihood), on the data
 *   whitened by their singular value decomposition, as mclust's default `hcUse = "SVD"` does
 *   before its hc. Whitened, the spherical criterion sees the data's correlations.
 * - `kmeansPlusPlus`: D² seeding (Arthur and Vassilvitskii 2007) and Lloyd's iterations.
 */
import { symmetricEigen, eigenWorkLength } from '../models/mvgaussian/linalg.js';

/** Lloyd iterations after k-means++ seeding. */
const LLOYD_ITERATIONS = 10;

/**
 * The data centred and whitened: z_i = Λ^{-1/2} Vᵀ (x_i − x̄) with S = V Λ Vᵀ the covariance of
 * the rows; directions of no spread (λ ≤ 1e-12 λ_max) are left out, so d' ≤ d columns.
 */
export function whiten(x: Float64Array, n: number, d: number): { z: Float64Array; d: number } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let p = 0; p < d; p++) mean[p] += x[i * d + p] / n;
  const s = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < d; p++) {
      const a = x[i * d + p] - mean[p];
      for (let q = 0; q <= p; q++) s[p * d + q] += (a * (x[i * d + q] - mean[q])) / n;
    }
  }
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  symmetricEigen(d, s, values, vectors, new Float64Array(eigenWorkLength(d)));
  const top = Math.max(...values);
  const kept = Array.from(values.keys()).filter((j) => values[j] > 1e-12 * top);
  const e = kept.length;
  const z = new Float64Array(n * e);
  for (let i = 0; i < n; i++) {
    kept.forEach((j, c) => {
      let t = 0;
      for (let p = 0; p < d; p++) t += vectors[p * d + j] * (x[i * d + p] - mean[p]);
      z[i * e + c] = t / Math.sqrt(values[j]);
    });
  }
  return { z, d: e };
}

/** One merge of the tree: clusters a and b (by their first row) at Ward's cost `height`. */
export interface Merge {
  a: number;
  b: number;
  height: number;
}

/**
 * Ward's hierarchical clustering of n rows × d (row-major) by the nearest-neighbour chain
 * (Murtagh 1983; exact for Ward's criterion, which is reducible), with the Lance–Williams update
 *   D(i∪j, k) = ((n_i + n_k) D(i, k) + (n_j + n_k) D(j, k) − n_k D(i, j)) / (n_i + n_j + n_k)
 * on squared Euclidean distances. O(n²) time and memory: for the few thousand rows of a sample.
 * Returns the n − 1 merges in increasing height (ties by the order found).
 */
export function wardTree(x: Float64Array, n: number, d: number): Merge[] {
  const dist = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let p = 0; p < d; p++) {
        const t = x[i * d + p] - x[j * d + p];
        s += t * t;
      }
      dist[i * n + j] = s;
      dist[j * n + i] = s;
    }
  }
  const size = new Float64Array(n).fill(1);
  const active = new Uint8Array(n).fill(1);
  const merges: Merge[] = [];
  const chain: number[] = [];
  let left = n;
  let next = 0;
  while (left > 1) {
    if (chain.length === 0) {
      while (!active[next]) next++;
      chain.push(next);
    }
    const a = chain[chain.length - 1];
    const previous = chain.length > 1 ? chain[chain.length - 2] : -1;
    let b = previous;
    let best = previous >= 0 ? dist[a * n + previous] : Infinity;
    for (let j = 0; j < n; j++) {
      if (!active[j] || j === a) continue;
      if (dist[a * n + j] < best) {
        best = dist[a * n + j];
        b = j;
      }
    }
    if (b !== previous) {
      chain.push(b);
      continue;
    }
    chain.pop();
    chain.pop();
    const [keep, drop] = a < b ? [a, b] : [b, a];
    merges.push({ a: keep, b: drop, height: best });
    const na = size[keep];
    const nb = size[drop];
    for (let k = 0; k < n; k++) {
      if (!active[k] || k === keep || k === drop) continue;
      const nk = size[k];
      const v = ((na + nk) * dist[keep * n + k] + (nb + nk) * dist[drop * n + k] - nk * best) / (na + nb + nk);
      dist[keep * n + k] = v;
      dist[k * n + keep] = v;
    }
    size[keep] = na + nb;
    active[drop] = 0;
    left--;
  }
  return merges.map((m, i) => ({ m, i })).sort((p, q) => p.m.height - q.m.height || p.i - q.i).map((p) => p.m);
}

/** The partition of the n rows into k groups by the first n − k merges; groups numbered by first row. */
export function cutTree(merges: readonly Merge[], n: number, k: number): Int32Array {
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (let m = 0; m < n - k; m++) {
    const ra = root(merges[m].a);
    const rb = root(merges[m].b);
    if (ra < rb) parent[rb] = ra;
    else parent[ra] = rb;
  }
  const codes = new Int32Array(n);
  const number = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = root(i);
    let c = number.get(r);
    if (c === undefined) number.set(r, (c = number.size));
    codes[i] = c;
  }
  return codes;
}

/**
 * k-means++ seeding (each centre drawn with probability proportional to the squared distance
 * to the nearest centre so far) and LLOYD_ITERATIONS Lloyd iterations, on n rows × d. Returns
 * the partition, or null when a group ends empty.
 */
export function kmeansPlusPlus(x: Float64Array, n: number, d: number, k: number, random: () => number): Int32Array | null {
  const centres = new Float64Array(k * d);
  const nearest = new Float64Array(n).fill(Infinity);
  const squared = (i: number, c: number): number => {
    let s = 0;
    for (let p = 0; p < d; p++) {
      const t = x[i * d + p] - centres[c * d + p];
      s += t * t;
    }
    return s;
  };
  for (let c = 0; c < k; c++) {
    let row = Math.min(n - 1, Math.floor(random() * n));
    if (c > 0) {
      let total = 0;
      for (let i = 0; i < n; i++) total += nearest[i];
      if (!(total > 0)) return null;
      let u = random() * total;
      for (row = 0; row < n - 1; row++) {
        u -= nearest[row];
        if (u < 0) break;
      }
    }
    for (let p = 0; p < d; p++) centres[c * d + p] = x[row * d + p];
    for (let i = 0; i < n; i++) nearest[i] = Math.min(nearest[i], squared(i, c));
  }
  const codes = new Int32Array(n);
  const counts = new Float64Array(k);
  for (let t = 0; t <= LLOYD_ITERATIONS; t++) {
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestDistance = Infinity;
      for (let c = 0; c < k; c++) {
        const s = squared(i, c);
        if (s < bestDistance) {
          bestDistance = s;
          best = c;
        }
      }
      codes[i] = best;
    }
    if (t === LLOYD_ITERATIONS) break;
    centres.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      counts[codes[i]]++;
      for (let p = 0; p < d; p++) centres[codes[i] * d + p] += x[i * d + p];
    }
    if (counts.some((c) => c === 0)) return null;
    for (let c = 0; c < k; c++) for (let p = 0; p < d; p++) centres[c * d + p] /= counts[c];
  }
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[codes[i]]++;
  return counts.every((c) => c > 0) ? codes : null;
}
