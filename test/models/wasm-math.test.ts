/**
 * wasm-math.ts's vector exp and log against exp.ts's JavaScript (the same method, the same
 * operations in the same order): bit for bit over the arguments each admits, both lanes.
 * exp.test.ts holds the JavaScript to Math.exp and Math.log.
 */
import { describe, expect, it } from 'vitest';
import { expNonPositive, expSource, logPositiveSource } from '../../src/models/exp.js';
import { MATH_TABLE_BYTES, VectorMath, writeMathTables } from '../../src/models/wasm-math.js';
import { Code, I32, kernelMemory, passFunction, V128, wasmSimd } from '../../src/models/wasm.js';
import { mulberry32 } from '../../src/select/rng.js';
import { compiled } from '../helpers/sources.js';

const PAGES = 4;
const IN = 65_536;
const N = 8192;
const OUT = IN + 8 * N;

/** f over n values at IN (n even), results at OUT, by a function built with VectorMath. */
function vectorFunction(emit: (math: VectorMath, c: Code, v: number) => void): (values: Float64Array) => Float64Array {
  const c = new Code([I32]);
  const [i, v] = [c.local(I32), c.local(V128)];
  const math = new VectorMath(c);
  c.i32(0).set(i);
  c.block().loop();
  c.get(i).get(0).i32GeS().brIf(1);
  c.get(i).i32(3).i32Shl().v128Load(IN).set(v);
  c.get(i).i32(3).i32Shl();
  emit(math, c, v);
  c.v128Store(OUT);
  c.get(i).i32(2).i32Add().set(i).br(0);
  c.end().end();
  const memory = kernelMemory(PAGES);
  writeMathTables(memory.f64);
  const run = passFunction(c, memory, PAGES);
  return (values) => {
    memory.f64.set(values, IN / 8);
    run(values.length);
    return memory.f64.slice(OUT / 8, OUT / 8 + values.length);
  };
}

describe('the vector exp and log', () => {
  it('are built on this machine', () => {
    expect(wasmSimd).toBe(true);
    expect(MATH_TABLE_BYTES).toBeLessThan(IN);
  });

  const random = mulberry32(5);
  const values = (draw: () => number): Float64Array => Float64Array.from({ length: N }, draw);

  it("give expNonPositive's bits on [−708, 0] (Horner's polynomial)", () => {
    const v = values(() => -708 * random() ** 3);
    v[0] = 0;
    v[1] = -708;
    v[2] = -1e-300;
    const got = vectorFunction((math, _c, x) => math.exp(x, false))(v);
    for (let k = 0; k < N; k++) expect(got[k], `exp(${v[k]})`).toBe(expNonPositive(v[k]));
  });

  it("give expSource's bits on [−708, 709] (Estrin's polynomial)", () => {
    const reference = compiled(expSource);
    const v = values(() => 1417 * random() - 708);
    v[0] = 709;
    v[1] = -708;
    v[2] = 1e-17;
    const got = vectorFunction((math, _c, x) => math.exp(x, true))(v);
    for (let k = 0; k < N; k++) expect(got[k], `exp(${v[k]})`).toBe(reference(v[k]));
  });

  it("give logPositiveSource's bits for normal positive numbers, next to 1 and √2 too", () => {
    const reference = compiled(logPositiveSource);
    const v = values(() => 10 ** (600 * random() - 300));
    const near = [1, 1 - 2 ** -53, 1 + 2 ** -52, Math.SQRT2, Math.SQRT2 * (1 + 2 ** -52), 2, 2 ** -1022, Number.MAX_VALUE, 1.00390625, 1.998];
    near.forEach((x, k) => (v[k] = x));
    for (let k = near.length; k < 2000; k++) v[k] = 1 + (random() - 0.5) * 0.01;
    const got = vectorFunction((math, _c, x) => math.log(x))(v);
    for (let k = 0; k < N; k++) expect(got[k], `log(${v[k]})`).toBe(reference(v[k]));
  });
});
