/**
 * RFC 4733 telephone events for the DTMF digits 0-9 * # A-D: the packets a sender emits for one key press
 * and a receiver that turns the packets of each event back into one (digit, duration), whatever was
 * retransmitted or lost.
 */

export class TelephoneEventError extends Error {
  override name = 'TelephoneEventError';
}

/** RFC 4733 §3.2: events 0-9, 10 = *, 11 = #, 12-15 = A-D. */
const DIGITS = '0123456789*#ABCD';
const RATE = 8000;
/** -10 dBm0, the level telephones use (RFC 4733 §2.5.2.3: the "volume" field is the power below 0 dBm0). */
const VOLUME = 10;
/** RFC 4733 §2.5.1.4: the final packet is sent three times. */
const END_REPEATS = 3;

export function digitToEvent(digit: string): number {
  const event = digit.length === 1 ? DIGITS.indexOf(digit.toUpperCase()) : -1;
  if (event < 0) throw new TelephoneEventError(`'${digit}' is not a DTMF digit (0-9 * # A-D)`);
  return event;
}

export function eventToDigit(event: number): string | undefined {
  return DIGITS[event];
}

export interface TelephoneEventPayload {
  event: number;
  end: boolean;
  volume: number;
  /** In timestamp units (1/8000 s). */
  duration: number;
}

export function encodeTelephoneEvent(p: TelephoneEventPayload): Buffer {
  const buf = Buffer.alloc(4);
  buf[0] = p.event;
  buf[1] = (p.end ? 0x80 : 0) | (p.volume & 0x3f);
  buf.writeUInt16BE(Math.min(p.duration, 0xffff), 2);
  return buf;
}

export function decodeTelephoneEvent(payload: Buffer): TelephoneEventPayload {
  if (payload.length < 4) throw new TelephoneEventError(`telephone-event payload of ${payload.length} octets, expected 4`);
  return { event: payload[0]!, end: (payload[1]! & 0x80) !== 0, volume: payload[1]! & 0x3f, duration: payload.readUInt16BE(2) };
}

/** One packet of an event: all carry the timestamp of the event's start (RFC 4733 §2.5.1.2). */
export interface EventPacket {
  marker: boolean;
  payload: Buffer;
}

/**
 * The packets of one key press, one per `ptimeMs`: the first with the marker bit, updates with the duration
 * so far, then the final duration three times with the E bit.
 */
export function telephoneEventPackets(digit: string, durationMs: number, ptimeMs = 20): EventPacket[] {
  const event = digitToEvent(digit);
  if (!Number.isFinite(durationMs) || durationMs < ptimeMs || durationMs > 8000) {
    throw new TelephoneEventError(`DTMF duration ${durationMs} ms is not between ${ptimeMs} and 8000`);
  }
  const step = (ptimeMs * RATE) / 1000;
  const total = Math.round((durationMs * RATE) / 1000);
  const packets: EventPacket[] = [];
  for (let d = step; d < total; d += step) {
    packets.push({ marker: packets.length === 0, payload: encodeTelephoneEvent({ event, end: false, volume: VOLUME, duration: d }) });
  }
  for (let i = 0; i < END_REPEATS; i++) {
    packets.push({ marker: packets.length === 0, payload: encodeTelephoneEvent({ event, end: true, volume: VOLUME, duration: total }) });
  }
  return packets;
}

export interface DtmfEvent {
  digit: string;
  durationMs: number;
}

/**
 * Turns received event packets into key presses. An event is known by its RTP timestamp: retransmitted end
 * packets of an event already reported are ignored; an event whose end packets were all lost is reported
 * when the next event starts or, by `expire`, when no packet came for `timeoutMs`.
 */
export class TelephoneEventReceiver {
  private current: { timestamp: number; event: number; duration: number; lastAtMs: number } | undefined;
  /** Timestamps of the events already reported, the last few: end packets come three times, and late. */
  private readonly done: number[] = [];

  constructor(private readonly timeoutMs = 250) {}

  receive(timestamp: number, payload: Buffer, atMs: number): DtmfEvent[] {
    const p = decodeTelephoneEvent(payload);
    const out: DtmfEvent[] = [];
    if (this.done.includes(timestamp)) return out;
    if (eventToDigit(p.event) === undefined) return out; // flash, tones (RFC 4733 §3.2 others): not digits
    if (this.current && this.current.timestamp !== timestamp) out.push(...this.finish());
    if (!this.current) this.current = { timestamp, event: p.event, duration: 0, lastAtMs: atMs };
    this.current.duration = Math.max(this.current.duration, p.duration);
    this.current.lastAtMs = atMs;
    if (p.end) out.push(...this.finish());
    return out;
  }

  /** Reports an event that has gone quiet without an end packet. */
  expire(atMs: number): DtmfEvent[] {
    return this.current && atMs - this.current.lastAtMs >= this.timeoutMs ? this.finish() : [];
  }

  private finish(): DtmfEvent[] {
    const c = this.current;
    if (!c) return [];
    this.current = undefined;
    this.done.push(c.timestamp);
    if (this.done.length > 8) this.done.shift();
    return [{ digit: eventToDigit(c.event)!, durationMs: Math.round((c.duration * 1000) / RATE) }];
  }
}
