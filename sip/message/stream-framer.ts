/**
 * Cuts a byte stream (TCP, TLS) into SIP messages by Content-Length (RFC 3261 §18.3). CRLFs between
 * messages are keep-alives (RFC 5626 §3.5.1) and are skipped. A stream whose framing is lost cannot be
 * resynchronised: `push` then throws and the transport closes the connection.
 */
import { headerEnd } from './parser.js';

export class FramingError extends Error {
  override name = 'FramingError';
}

const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*([0-9]+)[ \t]*$/im;

export class StreamFramer {
  private buffer: Buffer = Buffer.alloc(0);
  /** CR/LF octets seen since the last message, so a ping split over two reads still counts. */
  private crlfRun = 0;

  constructor(private readonly maxMessage = 65_535) {}

  /** Adds received bytes and returns the complete messages now available, plus the keep-alive count. */
  push(chunk: Buffer): { messages: Buffer[]; pings: number } {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const messages: Buffer[] = [];
    let pings = 0;
    for (;;) {
      let start = 0;
      while (start < this.buffer.length && (this.buffer[start] === 0x0d || this.buffer[start] === 0x0a)) start++;
      if (start) {
        // "\r\n\r\n" is a ping (answered with "\r\n"); a lone "\r\n" is a pong (RFC 5626 §3.5.1). TCP
        // may deliver a ping's four octets in several reads: the run of CR/LF is counted across them.
        const run = this.crlfRun + start;
        pings += Math.floor(run / 4) - Math.floor(this.crlfRun / 4);
        this.crlfRun = run;
        this.buffer = this.buffer.subarray(start);
      }
      if (!this.buffer.length) break;
      this.crlfRun = 0;
      const end = headerEnd(this.buffer);
      if (!end) {
        if (this.buffer.length > this.maxMessage) throw new FramingError(`no end of headers within ${this.maxMessage} octets`);
        break;
      }
      const m = CONTENT_LENGTH.exec(this.buffer.toString('latin1', 0, end.at));
      if (!m) throw new FramingError('a message on a stream needs Content-Length (§18.3)');
      const total = end.at + end.length + Number(m[1]);
      if (total > this.maxMessage) throw new FramingError(`message of ${total} octets is over the ${this.maxMessage} limit`);
      if (this.buffer.length < total) break;
      messages.push(this.buffer.subarray(0, total));
      this.buffer = this.buffer.subarray(total);
    }
    return { messages, pings };
  }

  get pending(): number {
    return this.buffer.length;
  }
}
