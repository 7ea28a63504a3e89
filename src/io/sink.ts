/**
 * A buffered writer for output of any size. Text is gathered into chunks of about 64 KiB
 * and handed to the stream one chunk at a time, waiting for 'drain' when the stream asks
 * for it, so that a document with ten million rows is never one string in memory (V8
 * caps a string at 2^29 − 24 characters) and never outruns a slow pipe.
 *
 * `push` returns true when the buffer is full: the caller then awaits `flush()`. Checking
 * the return value instead of awaiting every push keeps a per-row microtask out of loops.
 *
 * A file or a terminal takes every write at once (Node writes them synchronously), so
 * 'drain' is never awaited there; `flush` then gives the event loop a turn every YIELD_MS,
 * so that Ctrl-C stops a long write instead of waiting for its end.
 */
import type { Writable } from 'node:stream';

const CHUNK = 1 << 16;
const YIELD_MS = 50;

export class Sink {
  private parts: string[] = [];
  private size = 0;
  private turned = performance.now();

  constructor(private readonly stream: Writable) {}

  push(text: string): boolean {
    this.parts.push(text);
    this.size += text.length;
    return this.size >= CHUNK;
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = (): void => {
          this.stream.off('error', onError);
          resolve();
        };
        const onError = (error: Error): void => {
          this.stream.off('drain', onDrain);
          reject(error);
        };
        this.stream.once('drain', onDrain);
        this.stream.once('error', onError);
      });
      this.turned = performance.now();
    } else if (performance.now() - this.turned >= YIELD_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.turned = performance.now();
    }
  }
}
