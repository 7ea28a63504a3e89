/**
 * Numbers in JSON and CSV output, as JavaScript writes them (Number.prototype.toString: the
 * shortest decimal that reads back as the same double; exponent notation below 1e-7 and
 * from 1e21): the output of one run is the same bytes as any other's.
 */

/**
 * `value` as String(value) writes it. Responsibilities of 0 and 1 exactly (a component's
 * density underflowing beside another's) are common and skip the conversion, which costs
 * about 0.15 µs a value (V8's shortest-digits search and a new string).
 */
export function numberText(value: number): string {
  return value === 0 ? '0' : value === 1 ? '1' : String(value);
}
