/** Small helpers for numbers and names inside messages, shared by every layer. */

/** A number in at most `digits` significant digits, without trailing zeros: 0.08333, 1.2e-7. */
export function short(v: number, digits = 4): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e-4 && a < 1e6) return String(Number(v.toPrecision(digits)));
  return v.toExponential(digits - 1).replace(/\.?0+e/, 'e');
}

/**
 * Characters a terminal acts on or does not show: C0 and C1 controls but tab (a label could
 * clear the screen or set the window title), DEL, line and paragraph separators, and the
 * invisible ones (zero-width spaces and joiners, bidirectional controls, which reorder what
 * follows, the byte-order mark, soft hyphen, fillers, tag characters): two labels that
 * differ only by one of them would print the same.
 */
const INVISIBLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb]|\udb40[\udc00-\udc7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const escape = (ch: string): string => {
  const code = ch.codePointAt(0) as number;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/**
 * Text from the data or a file name as it may be shown on a terminal: control and invisible
 * characters written as escapes (ESC as \u001b, a zero-width space as \u200b). For text
 * output and messages only; JSON and CSV keep the data exactly.
 */
export const shown = (text: string): string => text.replace(INVISIBLE, escape);

/** Text from the data, quoted so that spaces and empty cells are visible, cut after 40 characters, escaped as by shown. */
export const quote = (text: string): string => shown(JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text));

/** "1 row", "2 rows", "2 passes". */
export const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : noun.endsWith('s') ? 'es' : 's'}`;
