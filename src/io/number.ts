/**
 * Numbers as written in a CSV cell.
 *
 * Accepted: optional spaces, an optional sign, digits with an optional decimal point, an
 * optional exponent: `3`, `-0`, `+2.5`, `.5`, `5.`, `1e-3`, ` 2.50 `. Everything else
 * (`NaN`, `Infinity`, `0x10`, `1,5`, `1_000`, an empty cell) is not a number here, so a
 * typo never passes silently as a value the way Number('') === 0 would.
 */

export interface ParsedNumber {
  value: number;
  /**
   * Decimal places as written: the value is a whole multiple of 10^-decimals. Fraction
   * digits minus the exponent, so `2.50` gives 2, `1e-3` gives 3, `4` gives 0 and `1.2e3`
   * gives −2. Used for the data's recording resolution (the variance floor).
   */
  decimals: number;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

const SPACE = 32;
const TAB = 9;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const LOWER_E = 101;
const UPPER_E = 69;

/**
 * Parses `text` into `out`; returns false (leaving `out` unspecified) if it is not a finite
 * decimal number. The text goes through parseDecimalBytes: a character outside ASCII is
 * never part of a number, and ASCII characters are their own bytes, so both readers (the
 * byte-level fast path and csv-parse's strings) convert a cell by the same code.
 */
export function parseDecimal(text: string, out: ParsedNumber): boolean {
  const n = text.length;
  if (n > scratch.length) scratch = new Uint8Array(Math.max(n, 2 * scratch.length));
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return false;
    scratch[i] = c;
  }
  return parseDecimalBytes(scratch, 0, n, out);
}

let scratch = new Uint8Array(64);

/**
 * Parses the ASCII bytes [start, end) of `bytes` into `out`, as parseDecimal parses text.
 * One scan validates, counts decimals and, for up to 15 significant digits and a power of
 * ten within ±22, computes the value exactly: both the digits and 10^p are exact doubles,
 * so one multiplication or division is correctly rounded (Clinger's fast path). Other
 * numbers go to Number() on the same characters, which is correctly rounded too.
 */
export function parseDecimalBytes(bytes: Uint8Array, start: number, end: number, out: ParsedNumber): boolean {
  let i = start;
  while (i < end && isSpace(bytes[i])) i++;
  while (end > i && isSpace(bytes[end - 1])) end--;
  if (i === end) return false;
  const first = i;
  let negative = false;
  let ch = bytes[i];
  if (ch === PLUS || ch === MINUS) {
    negative = ch === MINUS;
    i++;
  }
  let mantissa = 0;
  let significant = 0;
  let digits = 0;
  let fraction = 0;
  let seenDot = false;
  for (; i < end; i++) {
    ch = bytes[i];
    if (ch >= ZERO && ch <= NINE) {
      digits++;
      if (seenDot) fraction++;
      if (significant > 0 || ch !== ZERO) {
        significant++;
        if (significant <= 15) mantissa = mantissa * 10 + (ch - ZERO);
      }
    } else if (ch === DOT && !seenDot) {
      seenDot = true;
    } else {
      break;
    }
  }
  if (digits === 0) return false;
  let exponent = 0;
  if (i < end && (ch === LOWER_E || ch === UPPER_E)) {
    i++;
    let expNegative = false;
    if (i < end) {
      const sign = bytes[i];
      if (sign === PLUS || sign === MINUS) {
        expNegative = sign === MINUS;
        i++;
      }
    }
    const expStart = i;
    for (; i < end; i++) {
      ch = bytes[i];
      if (ch < ZERO || ch > NINE) break;
      if (exponent < 100000) exponent = exponent * 10 + (ch - ZERO);
    }
    if (i === expStart) return false;
    if (expNegative) exponent = -exponent;
  }
  if (i !== end) return false;

  out.decimals = fraction - exponent;
  const power = exponent - fraction;
  let value: number;
  if (significant <= 15 && power >= -22 && power <= 22) {
    value = power >= 0 ? mantissa * POW10[power] : mantissa / POW10[-power];
    if (negative) value = -value;
  } else {
    value = Number(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1', first, end));
  }
  if (!Number.isFinite(value)) return false;
  out.value = value;
  return true;
}

function isSpace(ch: number): boolean {
  return ch === SPACE || ch === TAB;
}
