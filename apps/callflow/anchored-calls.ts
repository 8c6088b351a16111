/**
 * Softphone calls through rtpengine (T8, T13): each call is anchored by the B2BUA's SDP rewriting, has its row
 * in `calls` (the dialled user as the number), is recorded from answer to hang-up, and is ended with a BYE on
 * both legs when rtpengine goes away.
 */
import type { Logger } from '../logger.js';
import type { Clock } from '../time/clock.js';
import type { CallsRepository } from '../../db/repositories/calls.js';
import { anchorB2bua } from '../../media/b2bua-anchor.js';
import { RtpengineError, RtpengineUnavailable, type NgClient } from '../../media/rtpengine/ng-client.js';
import type { SdpTransform } from '../../sip/core/b2bua.js';
import { SipError } from '../../sip/dialog/dialog.js';
import type { CallMedia, SoftphoneMedia } from './softphone-calls.js';
import type { RecordingSink } from './trunk-calls.js';

export interface AnchoredCallDeps {
  ng: NgClient;
  isUp(): boolean;
  calls: CallsRepository;
  recordings: RecordingSink;
  clock: Clock;
  log: Logger;
  /** The softphone users on an answered call, and when they are off it again: the ACD offers them nothing meanwhile. */
  onCall(users: string[], on: boolean): void;
}

export class AnchoredCalls implements SoftphoneMedia {
  private readonly active = new Map<string, () => Promise<void>>();

  constructor(private readonly d: AnchoredCallDeps) {}

  get size(): number {
    return this.active.size;
  }

  isUp(): boolean {
    return this.d.isUp();
  }

  /** rtpengine went away: the calls it carried have no media any more. */
  async tearDownAll(): Promise<void> {
    await Promise.all([...this.active.values()].map((end) => end()));
  }

  async begin(req: Parameters<SoftphoneMedia['begin']>[0], call: { caller: string; callee: string; calleeSource: string }): Promise<CallMedia> {
    const { d } = this;
    const callId = req.msg.callId;
    const aTag = req.msg.fromTag ?? '';
    const rowId = await d.calls.start({ sipCallId: callId, dnis: call.callee, caller: call.caller, startedAt: d.clock.now() });
    const anchor = anchorB2bua(d.ng, { callId, aTag, bTag: `${aTag}-b`, record: true, sipSource: { a: req.source.address, b: call.calleeSource } });
    const transform: SdpTransform = async (sdp, toLeg, kind) => {
      try {
        return await anchor.transform(sdp, toLeg, kind);
      } catch (e) {
        if (e instanceof RtpengineUnavailable) throw new SipError(503, 'Media Unavailable');
        if (e instanceof RtpengineError) throw new SipError(488, 'Not Acceptable Here');
        throw e;
      }
    };
    let answeredAt: Date | undefined;
    const release = () => d.ng.delete({ callId }).catch(() => undefined);
    return {
      transform,
      answered: async (hangUp) => {
        answeredAt = d.clock.now();
        d.onCall([call.caller, call.callee], true);
        await d.calls.answered(rowId, answeredAt);
        this.active.set(callId, hangUp);
      },
      failed: async (reason) => {
        await release();
        await d.calls.end(rowId, d.clock.now(), 'rejected', reason);
      },
      ended: async (reason) => {
        this.active.delete(callId);
        if (answeredAt) d.onCall([call.caller, call.callee], false);
        await release();
        const endedAt = d.clock.now();
        await d.calls.end(rowId, endedAt, 'completed', reason);
        if (answeredAt && anchor.callerPort !== undefined) {
          await d.recordings.finish({ callRowId: rowId, sipCallId: callId, callerPort: anchor.callerPort, startedAt: answeredAt, endedAt, caller: call.caller, dnis: call.callee, agent: call.callee });
        }
      },
    };
  }
}
