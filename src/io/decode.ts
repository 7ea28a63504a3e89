/**
 * Bytes → UTF-8 for the CSV parser, refusing what is not text in the file's encoding.
 *
 * A file is UTF-8 unless it says otherwise: a byte-order mark FF FE or FE FF makes it UTF-16
 * (little- or big-endian), EF BB BF is UTF-8's own mark and is dropped; `--encoding latin1`
 * reads a file without a mark as Latin-1 (decoded as Windows-1252, its superset that
 * spreadsheets write, as browsers do for "latin1"). Bytes that are not valid in the
 * encoding stop the read with the line they are on: replacing them with U+FFFD, as a
 * lenient decoder would, merges labels that differ only there ("café" and "cafè" in
 * Latin-1 both become "caf\uFFFD").
 *
 * UTF-8 is checked a chunk at a time by buffer.isUtf8 (simdutf, several GB/s) and passed on
 * without a copy; only a sequence cut by the chunk's end is carried over to the next chunk.
 */
import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';

export type Encoding = 'utf8' | 'latin1';

/** Invalid bytes: `before` is the valid text of the chunk before them, to count lines in. */
export class DecodeError extends Error {
  constructor(
    readonly before: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Number of bytes at the end of `bytes` that begin a UTF-8 sequence the chunk cuts short
 * (0 to 3); those wait for the next chunk.
 */
function cutSequence(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back];
    if ((b & 0xc0) === 0x80) continue;
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
}

/** Offset of the first byte of `bytes` that does not start or continue a valid UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let min: number;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      length = 2;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      // No overlong forms (E0 80..9F) and no surrogates (ED A0..BF).
      min = b === 0xe0 ? 0xa0 : 0x80;
      if (b === 0xed) max = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      min = b === 0xf0 ? 0x90 : 0x80;
      if (b === 0xf4) max = 0x8f;
    } else {
      return i;
    }
    if (i + 1 >= bytes.length || bytes[i + 1] < min || bytes[i + 1] > max) return i;
    for (let j = 2; j < length; j++) if (i + j >= bytes.length || (bytes[i + j] & 0xc0) !== 0x80) return i;
    i += length;
  }
  return bytes.length;
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`).join(' ');

/** The text before offset `at` on its line, for messages: up to 20 characters. */
function lead(text: string): string {
  const line = text.slice(Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r')) + 1);
  return line.length > 20 ? `…${line.slice(-20)}` : line;
}

/**
 * A decoder of one stream. `atStart` is false for a stretch in the middle of a file (see
 * parallel.ts), which has no byte-order mark and whose encoding the file's start decided.
 */
export class Decoder {
  private state: 'start' | 'utf8' | 'latin1' | 'utf16le' | 'utf16be';
  private carry: Uint8Array = new Uint8Array(0);
  private text: TextDecoder | null = null;

  constructor(
    private readonly encoding: Encoding,
    atStart: boolean,
  ) {
    this.state = atStart ? 'start' : encoding;
    if (this.state === 'latin1') this.text = new TextDecoder('windows-1252');
  }

  /** The UTF-8 bytes of `chunk`. Throws a DecodeError at the first invalid byte. */
  decode(chunk: Uint8Array): Uint8Array {
    let bytes = chunk;
    if (this.carry.length > 0) {
      bytes = Buffer.concat([this.carry, chunk]);
      this.carry = new Uint8Array(0);
    }
    if (this.state === 'start') {
      // A mark needs up to 3 bytes; a shorter stream is decided at its end.
      if (bytes.length < 3) {
        this.carry = bytes;
        return new Uint8Array(0);
      }
      bytes = this.begin(bytes);
    }
    switch (this.state) {
      case 'utf8':
        return this.utf8(bytes, false);
      case 'latin1':
        return Buffer.from((this.text as TextDecoder).decode(bytes, { stream: true }), 'utf8');
      default:
        return this.utf16(bytes, false);
    }
  }

  /** What is left at the end of the stream. Throws a DecodeError for a sequence cut short. */
  end(): Uint8Array {
    let bytes = this.carry;
    this.carry = new Uint8Array(0);
    if (this.state === 'start') bytes = this.begin(bytes);
    else if (this.state === 'utf8' && bytes.length > 0) {
      throw new DecodeError('', `the file ends inside a UTF-8 character (${hex(bytes)}): it was cut short`);
    }
    switch (this.state) {
      case 'utf8':
        return this.utf8(bytes, true);
      case 'latin1':
        return Buffer.from((this.text as TextDecoder).decode(bytes), 'utf8');
      default:
        return this.utf16(bytes, true);
    }
  }

  /** Reads the byte-order mark, if any, and returns the bytes after it. */
  private begin(bytes: Uint8Array): Uint8Array {
    if (bytes[0] === 0xff && bytes[1] === 0xfe) {
      this.state = 'utf16le';
      this.text = new TextDecoder('utf-16le', { fatal: true });
      return bytes.subarray(2);
    }
    if (bytes[0] === 0xfe && bytes[1] === 0xff) {
      this.state = 'utf16be';
      this.text = new TextDecoder('utf-16be', { fatal: true });
      return bytes.subarray(2);
    }
    if (UTF8_BOM.every((b, i) => bytes[i] === b)) {
      this.state = 'utf8';
      return bytes.subarray(3);
    }
    this.state = this.encoding;
    if (this.encoding === 'latin1') this.text = new TextDecoder('windows-1252');
    return bytes;
  }

  private utf8(bytes: Uint8Array, last: boolean): Uint8Array {
    const cut = last ? 0 : cutSequence(bytes);
    const whole = cut === 0 ? bytes : bytes.subarray(0, bytes.length - cut);
    if (!isUtf8(whole)) {
      const at = firstInvalidUtf8(whole);
      const before = Buffer.from(whole.buffer, whole.byteOffset, at).toString('utf8');
      let end = at + 1;
      while (end < whole.length && end < at + 4 && (whole[end] & 0xc0) === 0x80) end++;
      const bad = whole.subarray(at, end);
      const after = before === '' || /[\r\n]$/.test(before) ? 'at the start of the line' : `after ${JSON.stringify(lead(before))}`;
      if (whole.includes(0)) throw new DecodeError(before, `this does not look like a text CSV file: it holds NUL bytes, and bytes that are not UTF-8 (${hex(bad)})`);
      throw new DecodeError(before, `bytes that are not UTF-8 (${hex(bad)}) ${after}; if the file is Latin-1 or Windows-1252 (as older spreadsheets write), add --encoding latin1`);
    }
    if (cut > 0) this.carry = Uint8Array.from(bytes.subarray(bytes.length - cut));
    return whole;
  }

  private utf16(bytes: Uint8Array, last: boolean): Uint8Array {
    const decoder = this.text as TextDecoder;
    try {
      return Buffer.from(decoder.decode(bytes, { stream: !last }), 'utf8');
    } catch {
      // Find the unpaired surrogate (or the odd byte at the end) for the message.
      const little = this.state === 'utf16le';
      const units = Math.floor(bytes.length / 2);
      const unit = (i: number): number => (little ? bytes[2 * i] | (bytes[2 * i + 1] << 8) : (bytes[2 * i] << 8) | bytes[2 * i + 1]);
      let i = 0;
      for (; i < units; i++) {
        const u = unit(i);
        if (u >= 0xd800 && u <= 0xdbff) {
          if (i + 1 < units && unit(i + 1) >= 0xdc00 && unit(i + 1) <= 0xdfff) i++;
          else break;
        } else if (u >= 0xdc00 && u <= 0xdfff) break;
      }
      const before = new TextDecoder(little ? 'utf-16le' : 'utf-16be').decode(bytes.subarray(0, 2 * i));
      const what = i < units ? `an unpaired UTF-16 surrogate (0x${unit(i).toString(16).toUpperCase()})` : 'an odd number of bytes, not UTF-16';
      throw new DecodeError(before, `${what} after ${JSON.stringify(lead(before))}; the byte-order mark says UTF-16, but the rest is not`);
    }
  }
}

/** Line breaks in `text` as the CSV parser counts them: CRLF, CR and LF each end one line. */
export function lineBreaks(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) count++;
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) count++;
  }
  return count;
}
