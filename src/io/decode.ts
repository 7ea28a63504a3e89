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
 *
 * The message about bytes that are not text does not depend on how the input is cut into
 * chunks: it quotes the text before them on their line (kept across chunks), and calls
 * the file binary when a NUL byte comes before them or in the WINDOW bytes after them. So
 * the decoder gives the valid text before the bad bytes first, and throws at its next call
 * (once the window is read, or at the end): the reader has then read the records before
 * them, and a problem in those is reported first, as the file's first problem.
 */
import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';

export type Encoding = 'utf8' | 'latin1';

/** Invalid bytes, which follow the text the decoder has given so far. */
export class DecodeError extends Error {
  constructor(readonly detail: string) {
    super(detail);
  }
}

/** Bytes after invalid ones in which a NUL byte makes the file binary. */
const WINDOW = 1 << 20;

/** Bytes of the text's last line kept for messages. */
const TAIL = 128;

const NONE = new Uint8Array(0);

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

/** The text before invalid bytes on their line, for messages: up to 20 characters. */
function lead(line: string): string {
  return line.length > 20 ? `…${line.slice(-20)}` : line;
}

/** Invalid bytes found, and the window after them read so far. */
interface Failure {
  /** The message, given the invalid bytes (a byte and the continuation bytes after it) and whether the file holds NUL bytes. */
  detail: (bad: string, binary: boolean) => string;
  bad: number[];
  binary: boolean;
  seen: number;
}

/**
 * Adds the bytes of `rest` to `bad` (the invalid byte, then the continuation bytes after
 * it, up to 4 bytes), and −1 at the first byte that is not one.
 */
function badBytes(bad: number[], rest: Uint8Array): void {
  if (bad[bad.length - 1] === -1) return;
  for (let i = 0; i < rest.length && bad.length < 4; i++) {
    if (bad.length > 0 && (rest[i] & 0xc0) !== 0x80) {
      bad.push(-1);
      return;
    }
    bad.push(rest[i]);
  }
}

/**
 * A decoder of one stream. `atStart` is false for a stretch in the middle of a file (see
 * parallel.ts), which has no byte-order mark and whose encoding the file's start decided.
 */
export class Decoder {
  private state: 'start' | 'utf8' | 'latin1' | 'utf16le' | 'utf16be';
  private carry: Uint8Array = new Uint8Array(0);
  private text: TextDecoder | null = null;
  /** The last line of the text given so far (its last TAIL bytes), and whether it held a NUL byte. */
  private tail = '';
  private nul = false;
  private failure: Failure | null = null;

  constructor(
    private readonly encoding: Encoding,
    atStart: boolean,
  ) {
    this.state = atStart ? 'start' : encoding;
    if (this.state === 'latin1') this.text = new TextDecoder('windows-1252');
  }

  /**
   * The UTF-8 bytes of `chunk`: up to the first invalid byte; the next call throws the
   * DecodeError (see the header).
   */
  decode(chunk: Uint8Array): Uint8Array {
    if (this.failure !== null) return this.after(chunk);
    return this.given(this.decoded(chunk));
  }

  private decoded(chunk: Uint8Array): Uint8Array {
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

  /** What is left at the end of the stream. Throws a DecodeError for invalid bytes, or a sequence cut short. */
  end(): Uint8Array {
    if (this.failure !== null) throw this.error(this.failure);
    const rest = this.given(this.ended());
    if (this.failure !== null) throw this.error(this.failure);
    return rest;
  }

  /** Text given to the reader: remembered for messages. */
  private given(bytes: Uint8Array): Uint8Array {
    if (bytes.length === 0) return bytes;
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    this.nul ||= buffer.includes(0);
    const from = Math.max(0, bytes.length - TAIL, buffer.lastIndexOf(10) + 1, buffer.lastIndexOf(13) + 1);
    const end = buffer.toString('utf8', from).replace(/^\uFFFD+/, '');
    this.tail = from === 0 ? `${this.tail}${end}`.slice(-TAIL) : end;
    return bytes;
  }

  /** Reads the window after invalid bytes; throws once it is read. */
  private after(chunk: Uint8Array): Uint8Array {
    const failure = this.failure as Failure;
    const window = chunk.subarray(0, WINDOW - failure.seen);
    badBytes(failure.bad, window);
    failure.binary ||= Buffer.from(window.buffer, window.byteOffset, window.length).includes(0);
    failure.seen += window.length;
    if (failure.seen >= WINDOW) throw this.error(failure);
    return NONE;
  }

  private error(failure: Failure): DecodeError {
    const bad = failure.bad.filter((b) => b >= 0);
    return new DecodeError(failure.detail(hex(Uint8Array.from(bad)), failure.binary || this.nul));
  }

  /**
   * Invalid bytes at the start of `rest`, after the valid bytes `valid`: the failure is
   * kept (see the header), the valid bytes given.
   */
  private fail(valid: Uint8Array, rest: Uint8Array, detail: Failure['detail']): Uint8Array {
    const window = rest.subarray(0, WINDOW);
    const failure: Failure = { detail, bad: [], binary: Buffer.from(window.buffer, window.byteOffset, window.length).includes(0), seen: window.length };
    badBytes(failure.bad, window);
    this.failure = failure;
    return valid;
  }

  private ended(): Uint8Array {
    let bytes = this.carry;
    this.carry = new Uint8Array(0);
    if (this.state === 'start') bytes = this.begin(bytes);
    else if (this.state === 'utf8' && bytes.length > 0) {
      const cut = hex(bytes);
      return this.fail(NONE, NONE, () => `the file ends inside a UTF-8 character (${cut}): it was cut short`);
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
      return this.fail(whole.subarray(0, at), bytes.subarray(at), (bad, binary) => {
        if (binary) return `this does not look like a text CSV file: it holds NUL bytes, and bytes that are not UTF-8 (${bad})`;
        const before = this.tail;
        const after = before === '' ? 'at the start of the line' : `after ${JSON.stringify(lead(before))}`;
        return `bytes that are not UTF-8 (${bad}) ${after}; if the file is Latin-1 or Windows-1252 (as older spreadsheets write), add --encoding latin1`;
      });
    }
    if (cut > 0) this.carry = Uint8Array.from(bytes.subarray(bytes.length - cut));
    return whole;
  }

  /**
   * UTF-16 of `bytes`, but for an odd byte and a high surrogate at the end, kept for the
   * next chunk: each chunk is then decoded whole, and an error is found in it.
   */
  private utf16(bytes: Uint8Array, last: boolean): Uint8Array {
    const little = this.state === 'utf16le';
    const unit = (i: number): number => (little ? bytes[2 * i] | (bytes[2 * i + 1] << 8) : (bytes[2 * i] << 8) | bytes[2 * i + 1]);
    let keep = 0;
    if (!last) {
      keep = bytes.length % 2;
      const units = (bytes.length - keep) / 2;
      if (units > 0 && unit(units - 1) >= 0xd800 && unit(units - 1) <= 0xdbff) keep += 2;
      if (keep > 0) this.carry = Uint8Array.from(bytes.subarray(bytes.length - keep));
    }
    const whole = bytes.subarray(0, bytes.length - keep);
    try {
      return Buffer.from((this.text as TextDecoder).decode(whole), 'utf8');
    } catch {
      // Find the unpaired surrogate (or the odd byte at the end) for the message.
      const units = Math.floor(whole.length / 2);
      let i = 0;
      for (; i < units; i++) {
        const u = unit(i);
        if (u >= 0xd800 && u <= 0xdbff) {
          if (i + 1 < units && unit(i + 1) >= 0xdc00 && unit(i + 1) <= 0xdfff) i++;
          else break;
        } else if (u >= 0xdc00 && u <= 0xdfff) break;
      }
      const valid = Buffer.from(new TextDecoder(little ? 'utf-16le' : 'utf-16be').decode(whole.subarray(0, 2 * i)), 'utf8');
      const what = i < units ? `an unpaired UTF-16 surrogate (0x${unit(i).toString(16).toUpperCase()})` : 'an odd number of bytes, not UTF-16';
      return this.fail(valid, NONE, () => `${what} after ${JSON.stringify(lead(this.tail))}; the byte-order mark says UTF-16, but the rest is not`);
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
