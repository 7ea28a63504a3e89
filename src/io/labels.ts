/**
 * Label ordering. Components are ordered by their label: numerically when every label is a
 * number (1, 2, 10), else by UTF-16 code units, which is the same on every machine and
 * locale. Numerically equal labels written differently ("1", "1.0") stay distinct and are
 * ordered by their text.
 */
import { parseDecimal, type ParsedNumber } from './number.js';
import type { Codes } from '../models/family.js';

/**
 * Returns the order of `names`: order[j] is the index into `names` of the j-th component.
 */
export function labelOrder(names: readonly string[]): number[] {
  const scan: ParsedNumber = { value: 0, decimals: 0 };
  const numbers: number[] = [];
  let numeric = true;
  for (const name of names) {
    if (!parseDecimal(name, scan)) {
      numeric = false;
      break;
    }
    numbers.push(scan.value);
  }
  const byText = (a: number, b: number): number => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0);
  const order = names.map((_, i) => i);
  return numeric ? order.sort((a, b) => numbers[a] - numbers[b] || byText(a, b)) : order.sort(byText);
}

/**
 * Renumbers label codes given in first-appearance order so that code j is the j-th label in
 * `labelOrder`. Returns the sorted names; `codes` is rewritten in place.
 */
export function sortLabels(names: readonly string[], codes: Codes): string[] {
  const order = labelOrder(names);
  const rank = new Int32Array(names.length);
  order.forEach((original, position) => {
    rank[original] = position;
  });
  for (let i = 0; i < codes.length; i++) codes[i] = rank[codes[i]];
  return order.map((i) => names[i]);
}
