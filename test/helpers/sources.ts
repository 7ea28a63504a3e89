/**
 * exp.ts's statement sources (out = f(v)) compiled as functions of v with its tables bound,
 * for the tests of those sources and of the code that must give their bits.
 */
import { KERNEL_TABLES } from '../../src/models/exp.js';

export function compiled(source: (v: string, out: string) => string): (v: number) => number {
  const make = new Function(...Object.keys(KERNEL_TABLES), `return (v) => { let out = 0; ${source('v', 'out')} return out; };`);
  return make(...Object.values(KERNEL_TABLES)) as (v: number) => number;
}
