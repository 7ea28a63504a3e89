/**
 * The multivariate starts (src/select/mv-starts.ts): Ward's tree by the nearest-neighbour chain
 * against a brute-force agglomeration written here (every pair's increase in the within-group
 * sum of squares, recomputed from the groups' rows at every step), the whitening, and
 * k-means++ with Lloyd's iterations on separated groups.
 */
import { describe, expect, it } from 'vitest';
import { cutTree, kmeansPlusPlus, wardTree, whiten } from '../../src/select/mv-starts.js';
import { rng } from '../../src/select/rng.js';

/** n points in d dimensions around `centres`, row-major, with the group of each. */
function blobs(centres: number[][], each: number, spread: number, seed: number): { x: Float64Array; groups: number[] } {
  const random = rng(seed);
  const d = centres[0].length;
  const rows: number[] = [];
  const groups: number[] = [];
  centres.forEach((c, g) => {
    for (let i = 0; i < each; i++) {
      for (let p = 0; p < d; p++) rows.push(c[p] + spread * (random() - 0.5));
      groups.push(g);
    }
  });
  return { x: Float64Array.from(rows), groups };
}

/** Brute-force Ward: merge the pair of groups whose union adds least to the sum of squares. */
function bruteWard(x: Float64Array, n: number, d: number, k: number): number[][] {
  let groups = Array.from({ length: n }, (_, i) => [i]);
  const ss = (g: number[]): number => {
    const mean = new Array<number>(d).fill(0);
    for (const i of g) for (let p = 0; p < d; p++) mean[p] += x[i * d + p] / g.length;
    let s = 0;
    for (const i of g) for (let p = 0; p < d; p++) s += (x[i * d + p] - mean[p]) ** 2;
    return s;
  };
  while (groups.length > k) {
    let best = [0, 1];
    let cost = Infinity;
    for (let a = 0; a < groups.length; a++) {
      for (let b = a + 1; b < groups.length; b++) {
        const c = ss([...groups[a], ...groups[b]]) - ss(groups[a]) - ss(groups[b]);
        if (c < cost) {
          cost = c;
          best = [a, b];
        }
      }
    }
    const merged = [...groups[best[0]], ...groups[best[1]]];
    groups = groups.filter((_, i) => i !== best[0] && i !== best[1]);
    groups.push(merged);
  }
  return groups.map((g) => g.sort((a, b) => a - b)).sort((a, b) => a[0] - b[0]);
}

const asGroups = (codes: Int32Array): number[][] => {
  const out = new Map<number, number[]>();
  codes.forEach((c, i) => out.set(c, [...(out.get(c) ?? []), i]));
  return [...out.values()].sort((a, b) => a[0] - b[0]);
};

describe('wardTree and cutTree', () => {
  it('give the brute-force agglomeration’s groups at every K on random points', () => {
    const random = rng(7);
    const n = 40;
    const d = 3;
    const x = Float64Array.from({ length: n * d }, () => random());
    const tree = wardTree(x, n, d);
    expect(tree).toHaveLength(n - 1);
    for (let t = 1; t < tree.length; t++) expect(tree[t].height).toBeGreaterThanOrEqual(tree[t - 1].height);
    for (const k of [1, 2, 3, 5, 9]) expect(asGroups(cutTree(tree, n, k))).toEqual(bruteWard(x, n, d, k));
  });

  it('recover three separated groups', () => {
    const { x, groups } = blobs([[0, 0], [10, 0], [0, 10]], 20, 1, 3);
    const codes = cutTree(wardTree(x, 60, 2), 60, 3);
    expect(Array.from(codes)).toEqual(groups);
  });
});

describe('whiten', () => {
  it('leaves the rows with mean 0 and identity covariance, dropping a direction of no spread', () => {
    const random = rng(11);
    const n = 200;
    const x = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) {
      const a = random();
      const b = random();
      x.set([3 + a, 100 + 2 * a + b, 5 * a - b], i * 3);
    }
    const { z, d } = whiten(x, n, 3);
    expect(d).toBe(2);
    for (let p = 0; p < d; p++) {
      for (let q = 0; q < d; q++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += (z[i * d + p] * z[i * d + q]) / n;
        expect(s).toBeCloseTo(p === q ? 1 : 0, 10);
      }
    }
  });
});

describe('kmeansPlusPlus', () => {
  it('finds separated groups, the same for the same stream', () => {
    const { x, groups } = blobs([[0, 0, 0], [8, 8, 0], [0, 8, 8]], 30, 1, 5);
    const a = kmeansPlusPlus(x, 90, 3, 3, rng(1, 3, 0));
    const b = kmeansPlusPlus(x, 90, 3, 3, rng(1, 3, 0));
    expect(a).not.toBeNull();
    expect(Array.from(a as Int32Array)).toEqual(Array.from(b as Int32Array));
    expect(asGroups(a as Int32Array)).toEqual(asGroups(Int32Array.from(groups)));
  });
});
