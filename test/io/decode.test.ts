/**
 * The decoder: the same text however the bytes are cut into chunks, byte-order marks read
 * and dropped, and the first invalid byte found, after the valid text before it (for the
 * line), with a message that does not depend on the chunks.
 */
import { describe, expect, it } from 'vitest';
import { DecodeError, Decoder, firstInvalidUtf8, lineBreaks } from '../../src/io/decode.js';

/** Decodes `bytes` cut at the given offsets; the text, or the DecodeError thrown. */
function decode(bytes: Buffer, cuts: number[], encoding: 'utf8' | 'latin1' = 'utf8'): string | DecodeError {
  const decoder = new Decoder(encoding, true);
  const parts: Uint8Array[] = [];
  let at = 0;
  try {
    for (const cut of [...cuts, bytes.length]) {
      parts.push(decoder.decode(bytes.subarray(at, cut)));
      at = cut;
    }
    parts.push(decoder.end());
  } catch (error) {
    if (error instanceof DecodeError) return error;
    throw error;
  }
  return Buffer.concat(parts).toString('utf8');
}

const TEXT = 'x,g\n1,café\n2,日本\n3,😀\r\n4,Grüppe α\n';

describe('Decoder', () => {
  it('gives the same UTF-8 text for every cut into two or three chunks, with or without a BOM', () => {
    for (const bom of [Buffer.alloc(0), Buffer.from([0xef, 0xbb, 0xbf])]) {
      const bytes = Buffer.concat([bom, Buffer.from(TEXT)]);
      for (let i = 0; i <= bytes.length; i++) {
        expect(decode(bytes, [i])).toBe(TEXT);
        expect(decode(bytes, [i, Math.min(bytes.length, i + 3)])).toBe(TEXT);
      }
    }
  });

  it('decodes UTF-16 by its byte-order mark, little- and big-endian, for every cut', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, 'utf16le')]);
    const be = Buffer.from(le);
    be.subarray(2).swap16();
    be[0] = 0xfe;
    be[1] = 0xff;
    for (const bytes of [le, be]) for (let i = 0; i <= bytes.length; i++) expect(decode(bytes, [i])).toBe(TEXT);
  });

  it('reads Latin-1 as Windows-1252 with --encoding latin1, and a UTF-8 BOM still as UTF-8', () => {
    expect(decode(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2c, 0x80]), [2], 'latin1')).toBe('café,€');
    expect(decode(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('café')]), [1], 'latin1')).toBe('café');
  });

  it('stops at the first byte that is not UTF-8, after the valid text before it, with the same message wherever the chunks are cut', () => {
    const bytes = Buffer.from('x,g\n1,caf\xe9\n', 'latin1');
    for (let i = 0; i <= bytes.length; i++) {
      const decoder = new Decoder('utf8', true);
      const given: Uint8Array[] = [];
      let error: unknown = null;
      try {
        for (const chunk of [bytes.subarray(0, i), bytes.subarray(i)]) given.push(decoder.decode(chunk));
        given.push(decoder.end());
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DecodeError);
      // The valid text before the byte is given first, so the reader counts its lines.
      expect(Buffer.concat(given).toString()).toBe('x,g\n1,caf');
      expect((error as DecodeError).detail).toBe('bytes that are not UTF-8 (0xE9) after "1,caf"; if the file is Latin-1 or Windows-1252 (as older spreadsheets write), add --encoding latin1');
    }
  });

  it('calls a file binary when a NUL byte comes before a byte that is not UTF-8 or in the MiB after it, whatever the chunks', () => {
    const later = Buffer.concat([Buffer.from('x,g\n\xff', 'latin1'), Buffer.alloc(5000, 0x61), Buffer.from([0])]);
    const far = Buffer.concat([Buffer.from('x,g\n\xff', 'latin1'), Buffer.alloc(1 << 20, 0x61), Buffer.from([0])]);
    for (const cut of [0, 3, 5, 100, 5004]) {
      expect((decode(later, [cut]) as DecodeError).detail).toMatch(/^this does not look like a text CSV file: it holds NUL bytes, and bytes that are not UTF-8 \(0xFF\)/);
      expect((decode(far, [cut]) as DecodeError).detail).toMatch(/^bytes that are not UTF-8 \(0xFF\) at the start of the line/);
    }
  });

  it('refuses a stream cut inside a character, overlong forms and encoded surrogates', () => {
    expect((decode(Buffer.from([0x61, 0xe6, 0x97]), []) as DecodeError).detail).toBe('the file ends inside a UTF-8 character (0xE6 0x97): it was cut short');
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80]))).toBe(2);
    expect(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0);
    expect(firstInvalidUtf8(Buffer.from('ok 😀 ok'))).toBe(Buffer.byteLength('ok 😀 ok'));
  });

  it('refuses an unpaired surrogate or an odd byte in UTF-16', () => {
    const unpaired = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,', 'utf16le'), Buffer.from([0x00, 0xd8]), Buffer.from('b', 'utf16le')]);
    expect((decode(unpaired, []) as DecodeError).detail).toMatch(/^an unpaired UTF-16 surrogate \(0xD800\) after "a,"/);
    const odd = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ab', 'utf16le'), Buffer.from([0x61])]);
    expect((decode(odd, []) as DecodeError).detail).toMatch(/^an odd number of bytes/);
  });
});

describe('lineBreaks', () => {
  it('counts CRLF, CR and LF as one line break each, as the CSV parser does', () => {
    expect(lineBreaks('a\r\nb\rc\nd')).toBe(3);
    expect(lineBreaks('')).toBe(0);
  });
});
