/**
 * A conference mixer for a few parties (the three-way interpreter call, T10): each party hears the sum of
 * the others, never itself. It runs in the frame clock's 'mix' phase, between the parties taking their
 * received frame ('receive') and sending ('send'), so audio crosses the mixer within the same tick.
 * Parties can join and leave while it runs.
 */
import { FrameClock } from './frame-clock.js';

const SAMPLES = 160;

/** What the mixer needs of a party: an RtpEndpoint is one. */
export interface MixerParty {
  on(event: 'frame', listener: (samples: Int16Array) => void): unknown;
  off(event: 'frame', listener: (samples: Int16Array) => void): unknown;
  feed(samples: Int16Array): void;
}

/**
 * For each input, the sum of all the others, saturated to 16 bits (a sum of loud talkers must clip, not
 * wrap round to the opposite sign). A missing input (nothing received this tick) counts as silence.
 */
export function mixMinusOne(inputs: ReadonlyArray<Int16Array | undefined>, samples = SAMPLES): Int16Array[] {
  const total = new Int32Array(samples);
  for (const input of inputs) if (input) for (let i = 0; i < samples; i++) total[i]! += input[i]!;
  return inputs.map((input) => {
    const out = new Int16Array(samples);
    for (let i = 0; i < samples; i++) {
      const v = total[i]! - (input ? input[i]! : 0);
      out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    return out;
  });
}

interface Slot {
  frame: Int16Array | undefined;
  listener: (samples: Int16Array) => void;
}

export class Mixer {
  private readonly parties = new Map<MixerParty, Slot>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(opts: { clock?: FrameClock } = {}) {
    this.unsubscribe = (opts.clock ?? FrameClock.shared()).subscribe(() => this.mix(), 'mix');
  }

  get size(): number {
    return this.parties.size;
  }

  add(party: MixerParty): void {
    if (this.closed) throw new Error('mixer is closed');
    if (this.parties.has(party)) return;
    const slot: Slot = { frame: undefined, listener: (samples) => (slot.frame = samples) };
    party.on('frame', slot.listener);
    this.parties.set(party, slot);
  }

  remove(party: MixerParty): void {
    const slot = this.parties.get(party);
    if (!slot) return;
    party.off('frame', slot.listener);
    this.parties.delete(party);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const party of [...this.parties.keys()]) this.remove(party);
  }

  private mix(): void {
    const parties = [...this.parties];
    if (parties.length < 2) {
      for (const [, slot] of parties) slot.frame = undefined; // alone, a party hears nothing
      return;
    }
    const outputs = mixMinusOne(parties.map(([, slot]) => slot.frame));
    parties.forEach(([party, slot], i) => {
      slot.frame = undefined;
      party.feed(outputs[i]!);
    });
  }
}
