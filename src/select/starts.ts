/**
 * Starting partitions for EM when the user gives none. In one dimension every sensible
 * hard partition is a set of cut points t_1 < … < t_{K−1}: row i goes to the number of
 * cuts at or below x_i. The methods differ in where they put the cuts:
 *
 * - kmeans++: k-means++ seeding (Arthur and Vassilvitskii 2007: each next centre drawn with
 *   probability ∝ w_i · D(x_i)², D the distance to the nearest centre so far), then Lloyd
 *   iterations; cuts at the midpoints of the sorted centres.
 * - quantiles: cuts at the quantiles j/K on the first restart, at random quantile levels
 *   after that.
 * - random: K distinct data values drawn at random as centres; cuts at the midpoints.
 */
import type { Data } from '../models/family.js';

export type InitMethod = 'kmeans++' | 'quantiles' | 'random';

/** Lloyd iterations after the k-means++ seeding, at most: a start for EM, which refines it. */
const LLOYD_ITERATIONS = 10;

/** Component of each row for the sorted cuts: the number of cuts ≤ x_i (binary search). */
export function partitionByCuts(x: Float64Array, cuts: Float64Array, codes: Int32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    let lo = 0;
    let hi = cuts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cuts[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    codes[i] = lo;
  }
}

/** Cuts halfway between consecutive sorted centres. */
function midpoints(centres: Float64Array): Float64Array {
  const sorted = Float64Array.from(centres).sort();
  const cuts = new Float64Array(sorted.length - 1);
  for (let j = 0; j < cuts.length; j++) cuts[j] = sorted[j] + (sorted[j + 1] - sorted[j]) / 2;
  return cuts;
}

/** Weighted mean of each group, or NaN for an empty group. Returns false if a group is empty. */
function groupMeans(data: Data, codes: Int32Array, centres: Float64Array): boolean {
  const k = centres.length;
  const sum = new Float64Array(k);
  const mass = new Float64Array(k);
  for (let i = 0; i < codes.length; i++) {
    const w = data.w === null ? 1 : data.w[i];
    sum[codes[i]] += w * data.x[i];
    mass[codes[i]] += w;
  }
  let full = true;
  for (let j = 0; j < k; j++) {
    centres[j] = sum[j] / mass[j];
    if (!(mass[j] > 0)) full = false;
  }
  return full;
}

/** k-means++ seeding: K centres from the data, each next one drawn ∝ w·D². Null if fewer than K distinct values can be drawn. */
function seedKmeansPlusPlus(data: Data, k: number, random: () => number): Float64Array | null {
  const { x, w } = data;
  const n = x.length;
  const d2 = new Float64Array(n).fill(Infinity);
  const centres = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    // Total of w·D² (or of w for the first centre), then a draw against it.
    let total = 0;
    for (let i = 0; i < n; i++) total += (w === null ? 1 : w[i]) * (j === 0 ? 1 : d2[i]);
    if (!(total > 0)) return null;
    let target = random() * total;
    let chosen = n - 1;
    for (let i = 0; i < n; i++) {
      target -= (w === null ? 1 : w[i]) * (j === 0 ? 1 : d2[i]);
      if (target < 0) {
        chosen = i;
        break;
      }
    }
    centres[j] = x[chosen];
    for (let i = 0; i < n; i++) {
      const d = x[i] - centres[j];
      if (d * d < d2[i]) d2[i] = d * d;
    }
  }
  return centres;
}

/** Prefix sums of the sorted values less the smallest (so that an offset costs no precision), computed once per array. */
const prefixSums = new WeakMap<Float64Array, Float64Array>();

function prefixOf(sorted: Float64Array): Float64Array {
  let prefix = prefixSums.get(sorted);
  if (prefix === undefined) {
    prefix = new Float64Array(sorted.length + 1);
    for (let i = 0; i < sorted.length; i++) prefix[i + 1] = prefix[i] + (sorted[i] - sorted[0]);
    prefixSums.set(sorted, prefix);
  }
  return prefix;
}

/** The first index of the sorted values at or above v. */
function lowerBound(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The group means of the partition by `cuts` (a value on a cut goes above it), from the
 * sorted values and their prefix sums: K binary searches rather than a pass over the rows.
 * False when a group is empty.
 */
function sortedGroupMeans(sorted: Float64Array, cuts: Float64Array, centres: Float64Array): boolean {
  const prefix = prefixOf(sorted);
  let from = 0;
  for (let j = 0; j < centres.length; j++) {
    const to = j < cuts.length ? lowerBound(sorted, cuts[j]) : sorted.length;
    if (!(to > from)) return false;
    centres[j] = sorted[0] + (prefix[to] - prefix[from]) / (to - from);
    from = to;
  }
  return true;
}

/**
 * Lloyd's k-means from the given centres, into the partition `codes`; false if a group
 * empties. Without weights the iterations run on the sorted values (`sorted`) by prefix
 * sums, and only the final partition visits the rows.
 */
function lloyd(data: Data, sorted: Float64Array, centres: Float64Array, codes: Int32Array): boolean {
  for (let iteration = 0; iteration < LLOYD_ITERATIONS; iteration++) {
    const before = Float64Array.from(centres).sort();
    if (data.w === null) {
      if (!sortedGroupMeans(sorted, midpoints(centres), centres)) return false;
    } else {
      partitionByCuts(data.x, midpoints(centres), codes);
      if (!groupMeans(data, codes, centres)) return false;
    }
    const after = Float64Array.from(centres).sort();
    if (after.every((c, j) => c === before[j])) break;
  }
  partitionByCuts(data.x, midpoints(centres), codes);
  return true;
}

/** The value at quantile level p of the sorted data (nearest rank). */
const quantile = (sorted: Float64Array, p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

/** True when every one of the k groups has at least one row of positive weight. */
function everyGroupUsed(data: Data, codes: Int32Array, k: number): boolean {
  const used = new Uint8Array(k);
  for (let i = 0; i < codes.length; i++) if (data.w === null || data.w[i] > 0) used[codes[i]] = 1;
  return used.every((u) => u === 1);
}

/**
 * A starting partition into k non-empty groups (codes 0..k−1) for restart `restart`, or null
 * when this draw cannot give k non-empty groups (ties, or too few distinct values).
 * `sorted` is the data sorted ascending, shared between calls.
 */
export function startingPartition(data: Data, sorted: Float64Array, k: number, method: InitMethod, restart: number, random: () => number): Int32Array | null {
  const codes = new Int32Array(data.x.length);
  if (k === 1) return codes;
  if (method === 'kmeans++') {
    const centres = seedKmeansPlusPlus(data, k, random);
    if (centres === null || !lloyd(data, sorted, centres, codes)) return null;
  } else if (method === 'quantiles') {
    const levels = Array.from({ length: k - 1 }, (_, j) => (restart === 0 ? (j + 1) / k : random())).sort((a, b) => a - b);
    partitionByCuts(data.x, Float64Array.from(levels, (p) => quantile(sorted, p)), codes);
  } else {
    const centres = new Float64Array(k);
    const picked = new Set<number>();
    for (let attempt = 0; picked.size < k && attempt < 100 * k; attempt++) picked.add(sorted[Math.floor(random() * sorted.length)]);
    if (picked.size < k) return null;
    centres.set([...picked]);
    partitionByCuts(data.x, midpoints(centres), codes);
  }
  return everyGroupUsed(data, codes, k) ? codes : null;
}

/**
 * Ward's hierarchical clustering of the sorted values, cut at each K in `ks`: the start
 * mclust uses (its hierarchical agglomeration, for the equal-variance model, is Ward's).
 * In one dimension Ward merges only neighbours, so the clusters stay intervals: start with
 * one cluster per distinct value and repeatedly merge the adjacent pair of least cost
 * n_a n_b/(n_a + n_b)·(m_a − m_b)², the rise in the within sum of squares. A heap of the
 * adjacent pairs makes it O(n log n). Returns the cuts (the first value of every cluster but
 * the first) for each K that is reached.
 */
export function wardCuts(sorted: Float64Array, ks: readonly number[]): Map<number, Float64Array> {
  // Clusters of equal values, as a doubly linked list.
  const first: number[] = [];
  const count: number[] = [];
  const mean: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) {
      count[count.length - 1]++;
      continue;
    }
    first.push(sorted[i]);
    count.push(1);
    mean.push(sorted[i]);
  }
  const m = first.length;
  const prev = Array.from({ length: m }, (_, j) => j - 1);
  const next = Array.from({ length: m }, (_, j) => (j + 1 < m ? j + 1 : -1));
  const version = new Array<number>(m).fill(0);
  const alive = new Array<boolean>(m).fill(true);
  const heap = new MinHeap();
  const cost = (a: number, b: number): number => ((count[a] * count[b]) / (count[a] + count[b])) * (mean[a] - mean[b]) ** 2;
  const push = (a: number): void => {
    if (next[a] >= 0) heap.push(cost(a, next[a]), a, version[a]);
  };
  for (let j = 0; j < m; j++) push(j);

  const wanted = new Set(ks);
  const result = new Map<number, Float64Array>();
  const record = (clusters: number): void => {
    if (!wanted.has(clusters)) return;
    const cuts: number[] = [];
    for (let j = next[0]; j >= 0; j = next[j]) cuts.push(first[j]);
    result.set(clusters, Float64Array.from(cuts));
  };
  let clusters = m;
  record(clusters);
  const smallest = Math.min(...ks);
  while (clusters > smallest && heap.size > 0) {
    const [a, stamp] = heap.pop();
    if (!alive[a] || stamp !== version[a] || next[a] < 0) continue;
    const b = next[a];
    // Merge b into a.
    mean[a] = (count[a] * mean[a] + count[b] * mean[b]) / (count[a] + count[b]);
    count[a] += count[b];
    alive[b] = false;
    next[a] = next[b];
    if (next[b] >= 0) prev[next[b]] = a;
    version[a]++;
    push(a);
    if (prev[a] >= 0) {
      version[prev[a]]++;
      push(prev[a]);
    }
    clusters--;
    record(clusters);
  }
  return result;
}

/** A binary min-heap of (cost, cluster, version) entries. */
class MinHeap {
  private readonly costs: number[] = [];
  private readonly items: number[] = [];
  private readonly stamps: number[] = [];

  get size(): number {
    return this.costs.length;
  }

  push(cost: number, item: number, stamp: number): void {
    let i = this.costs.length;
    this.costs.push(cost);
    this.items.push(item);
    this.stamps.push(stamp);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.costs[parent] <= this.costs[i]) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): [number, number] {
    const top: [number, number] = [this.items[0], this.stamps[0]];
    const last = this.costs.length - 1;
    this.swap(0, last);
    this.costs.pop();
    this.items.pop();
    this.stamps.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < this.costs.length && this.costs[l] < this.costs[smallest]) smallest = l;
      if (r < this.costs.length && this.costs[r] < this.costs[smallest]) smallest = r;
      if (smallest === i) break;
      this.swap(i, smallest);
      i = smallest;
    }
    return top;
  }

  // With temporaries: destructured swaps made arrays here (an eighth of a small search's garbage).
  private swap(i: number, j: number): void {
    const cost = this.costs[i];
    this.costs[i] = this.costs[j];
    this.costs[j] = cost;
    const item = this.items[i];
    this.items[i] = this.items[j];
    this.items[j] = item;
    const stamp = this.stamps[i];
    this.stamps[i] = this.stamps[j];
    this.stamps[j] = stamp;
  }
}
