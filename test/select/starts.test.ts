import { describe, expect, it } from 'vitest';
import { partitionByCuts, startingPartition, wardCuts } from '../../src/select/starts.js';
import { rng } from '../../src/select/rng.js';

describe('partitionByCuts', () => {
  it('puts each value after the cuts at or below it', () => {
    const codes = new Int32Array(6);
    partitionByCuts(Float64Array.of(-1, 0, 0.5, 1, 2, 7), Float64Array.of(0, 2), codes);
    expect([...codes]).toEqual([0, 1, 1, 1, 2, 2]);
  });
});

describe("Ward's clustering", () => {
  it('merges the cheapest neighbours first (hand-checked example)', () => {
    // Values 0, 1, 10, 11, 30: the merges cost ½·1² for (0, 1), ½·1² for (10, 11), then
    // (2·2/4)·10² = 100 for {0,1}+{10,11} against (2·1/3)·19.5² ≈ 253.5 for {10,11}+{30}.
    const cuts = wardCuts(Float64Array.of(0, 1, 10, 11, 30), [1, 2, 3, 4, 5]);
    expect([...(cuts.get(5) ?? [])]).toEqual([1, 10, 11, 30]);
    expect([...(cuts.get(3) ?? [])]).toEqual([10, 30]);
    expect([...(cuts.get(2) ?? [])]).toEqual([30]);
    expect([...(cuts.get(1) ?? [])]).toEqual([]);
  });

  it('starts from the distinct values, so tied data cannot give more clusters than values', () => {
    const cuts = wardCuts(Float64Array.of(1, 1, 1, 2, 2, 5), [2, 3, 4]);
    expect([...(cuts.get(3) ?? [])]).toEqual([2, 5]);
    expect(cuts.has(4)).toBe(false);
  });
});

describe('starting partitions', () => {
  const x = Float64Array.from({ length: 200 }, (_, i) => (i < 100 ? i / 100 : 10 + i / 100));
  const data = { x, w: null };
  const sorted = Float64Array.from(x).sort();

  it.each(['kmeans++', 'quantiles', 'random'] as const)('%s gives K non-empty groups, the same for the same seed', (method) => {
    const a = startingPartition(data, sorted, 3, method, 1, rng(5, 3, 2, 1));
    const b = startingPartition(data, sorted, 3, method, 1, rng(5, 3, 2, 1));
    expect(a).not.toBeNull();
    expect([...(a as Int32Array)]).toEqual([...(b as Int32Array)]);
    expect(new Set(a).size).toBe(3);
  });

  it('kmeans++ separates two well-separated groups', () => {
    const codes = startingPartition(data, sorted, 2, 'kmeans++', 0, rng(1)) as Int32Array;
    expect(new Set(codes.subarray(0, 100)).size).toBe(1);
    expect(new Set(codes.subarray(100)).size).toBe(1);
    expect(codes[0]).not.toBe(codes[150]);
  });

  it('quantiles cut at j/K on the first restart', () => {
    const codes = startingPartition(data, sorted, 4, 'quantiles', 0, rng(1)) as Int32Array;
    expect([0, 1, 2, 3].map((j) => codes.filter((c) => c === j).length)).toEqual([50, 50, 50, 50]);
  });

  it('gives up (null) when ties leave a group empty', () => {
    const tied = { x: Float64Array.of(1, 1, 1, 1, 2), w: null };
    expect(startingPartition(tied, Float64Array.of(1, 1, 1, 1, 2), 3, 'quantiles', 0, rng(1))).toBeNull();
  });
});
