/**
 * Key presses reported by rtpengine (its `dtmf-log-dest`): for every RFC 4733 event it relays, rtpengine
 * 10.5 sends one UDP datagram of JSON when the event ends, e.g.
 * `{"callid":"c1","source_tag":"caller","tags":["caller","agent"],"type":"DTMF","timestamp":1732490000,
 *   "source_ip":"127.0.0.1","event":5,"duration":80,"volume":10}`
 * where source_tag is the tag of the side that sent the event (the pressing party) and duration is in ms.
 * Datagrams that are not such a report are counted and dropped.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once, EventEmitter } from 'node:events';

export type DtmfDigit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

export interface DtmfEvent {
  callId: string;
  /** Tag of the side that pressed the key (its from-tag or to-tag in the dialog). */
  sourceTag: string;
  /** Every tag of the call known to rtpengine. */
  tags: string[];
  digit: DtmfDigit;
  /** The RFC 4733 event code (0-15). */
  event: number;
  durationMs: number;
  /** RFC 4733 volume: 0 to 63, as -dBm0 (larger is quieter). */
  volume: number;
  /** Address the event's RTP came from. */
  sourceIp?: string;
  /** When rtpengine saw it, Unix seconds. */
  timestamp: number;
}

/** RFC 4733 section 3.2: events 0-9, *, #, A-D. */
const DIGITS: readonly DtmfDigit[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D'];

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** One datagram as a key press, or null when it is not a DTMF report of a key rtpengine relayed. */
export function parseDtmfDatagram(datagram: Buffer | string): DtmfEvent | null {
  let j: unknown;
  try {
    j = JSON.parse(typeof datagram === 'string' ? datagram : datagram.toString('utf8'));
  } catch {
    return null;
  }
  if (j === null || typeof j !== 'object' || Array.isArray(j)) return null;
  const o = j as Record<string, unknown>;
  if (o.type !== 'DTMF' || typeof o.callid !== 'string' || o.callid === '' || typeof o.source_tag !== 'string') return null;
  if (!isInt(o.event, 0, DIGITS.length - 1) || !isInt(o.duration, 0, 0xffffff)) return null;
  const tags = Array.isArray(o.tags) ? o.tags.filter((x): x is string => typeof x === 'string') : [];
  const ev: DtmfEvent = {
    callId: o.callid,
    sourceTag: o.source_tag,
    tags,
    digit: DIGITS[o.event]!,
    event: o.event,
    durationMs: o.duration,
    volume: isInt(o.volume, 0, 63) ? o.volume : 0,
    timestamp: typeof o.timestamp === 'number' ? o.timestamp : 0,
  };
  if (typeof o.source_ip === 'string') ev.sourceIp = o.source_ip;
  return ev;
}

export interface DtmfEventsOptions {
  /** rtpengine's dtmf-log-dest port on 127.0.0.1. */
  port: number;
}

/** Emits 'dtmf' once per key press rtpengine reports. */
export class DtmfEvents extends EventEmitter<{ dtmf: [DtmfEvent] }> {
  /** Datagrams that were not a DTMF report (counted for health, otherwise ignored). */
  malformed = 0;

  private constructor(private readonly socket: Socket) {
    super();
    // A bound receive-only UDP socket has nothing left to fail on; an 'error' must not end the process.
    socket.on('error', () => this.malformed++);
    socket.on('message', (msg) => {
      const ev = parseDtmfDatagram(msg);
      if (ev) this.emit('dtmf', ev);
      else this.malformed++;
    });
  }

  /** Binds 127.0.0.1:port; rejects (EADDRINUSE and such) when it cannot. */
  static async listen(o: DtmfEventsOptions): Promise<DtmfEvents> {
    const socket = createSocket('udp4');
    const failed = once(socket, 'error');
    socket.bind(o.port, '127.0.0.1');
    await Promise.race([once(socket, 'listening'), failed.then(([e]) => Promise.reject(e as Error))]);
    return new DtmfEvents(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
