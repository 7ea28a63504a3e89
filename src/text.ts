/** Small helpers for numbers and names inside messages, shared by every layer. */

/** A number in at most `digits` significant digits, without trailing zeros: 0.08333, 1.2e-7. */
export function short(v: number, digits = 4): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e-4 && a < 1e6) return String(Number(v.toPrecision(digits)));
  return v.toExponential(digits - 1).replace(/\.?0+e/, 'e');
}

/** Text from the data, quoted so that spaces and empty cells are visible, cut after 40 characters. */
export const quote = (text: string): string => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);

/** "1 row", "2 rows", "2 passes". */
export const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : noun.endsWith('s') ? 'es' : 's'}`;
