/**
 * Every answered call ends as a row in `recordings` (T8): the capture rtpengine left is turned into
 * `<dataDir>/recordings/YYYY/MM/DD/<call row id>.wav` (the JST date of the answer) and the row says how
 * complete it is. No capture, an unreadable one or a failed write is still a row, incomplete with its
 * reason; the pcap is only deleted after a whole capture was written out, so a later sweep can try again.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../logger.js';
import type { Clock } from '../time/clock.js';
import { jstParts } from '../time/jst.js';
import type { Db } from '../../db/connection.js';
import { RecordingsRepository, type RecordingAudio } from '../../db/repositories/recordings.js';
import { callerPortFromMetadata, listCaptures, removeCapture, waitForCapture, type Capture } from '../../media/recording/capture-files.js';
import { captureToWav } from '../../media/recording/capture-to-wav.js';
import { PcapError } from '../../media/recording/pcap-reader.js';

export interface RecordingServiceDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  dataDir: string;
  /** rtpengine's `recording-dir`. */
  recordingDir: string;
  /** How long to wait after the call for rtpengine to close the capture (default 10 s). */
  closeTimeoutMs?: number;
}

export interface FinishRecording {
  /** The call's row in `calls`. */
  callRowId: number;
  sipCallId: string;
  /** rtpengine's RTP port facing the caller (the port in the SDP rtpengine gave for the caller's leg). */
  callerPort: number | undefined;
  /** Answer and hang-up. */
  startedAt: Date;
  endedAt: Date;
  caller: string;
  dnis: string;
  agent: string | null;
}

export interface FinishedRecording {
  id: number;
  /** Relative to the data folder; null when no audio could be written. */
  path: string | null;
  complete: boolean;
  incompleteReason: string | null;
  durationMs: number;
}

export interface SweepResult {
  /** Captures with no recording row, converted and stored as incomplete. */
  converted: number;
  /** Incomplete recordings converted again from a capture rtpengine has since closed. */
  updated: number;
  /** Captures already converted, deleted. */
  removed: number;
  /** Captures of Call-IDs that call control never wrote to `calls`: kept, for a person to look at. */
  orphans: string[];
}

/** Unclosed captures untouched this long are a crash's leftovers, not calls in progress (media writes every ~0.2 s). */
const STALE_MS = 120_000;

/** The recording's file, relative to the data folder. */
export function recordingPath(callRowId: number, startedAt: Date): string {
  const p = jstParts(startedAt);
  const pad = (n: number) => String(n).padStart(2, '0');
  return join('recordings', String(p.year), pad(p.month), pad(p.day), `${callRowId}.wav`);
}

const join2 = (...reasons: (string | undefined)[]) => reasons.filter(Boolean).join('; ') || null;

export class RecordingService {
  private readonly repo: RecordingsRepository;

  constructor(private readonly deps: RecordingServiceDeps) {
    this.repo = new RecordingsRepository(deps.db);
  }

  async finishRecording(f: FinishRecording): Promise<FinishedRecording> {
    const { recordingDir, closeTimeoutMs = 10_000, log } = this.deps;
    const capture = await waitForCapture(recordingDir, f.sipCallId, closeTimeoutMs);
    const audio = capture
      ? await this.convert(capture, f.callRowId, f, f.callerPort ?? (await callerPortFromMetadata(capture)))
      : {
          path: null,
          startedAt: f.startedAt,
          endedAt: f.endedAt,
          durationMs: 0,
          bytes: 0,
          complete: false,
          incompleteReason: `capture-missing: rtpengine left no capture of this call in ${join(recordingDir, 'pcaps')}`,
        };
    const id = await this.repo.insert({ ...audio, callId: f.callRowId, caller: f.caller, dnis: f.dnis, agent: f.agent }, this.deps.clock.now());
    if (audio.complete || !capture) {
      log.info('call recorded', { recording: id, call: f.callRowId, path: audio.path, durationMs: audio.durationMs });
    } else {
      log.warn('call recording incomplete', { recording: id, call: f.callRowId, path: audio.path, reason: audio.incompleteReason });
    }
    if (!capture) log.error('no capture for an answered call', { recording: id, call: f.callRowId, sipCallId: f.sipCallId });
    if (capture && this.finalWrite(capture, audio)) await removeCapture(capture);
    return { id, path: audio.path, complete: audio.complete, incompleteReason: audio.incompleteReason, durationMs: audio.durationMs };
  }

  /**
   * For start-up (and any quiet moment): captures a crash left behind. A capture whose call has no
   * recording is converted and stored as incomplete; one whose recording is incomplete and that rtpengine
   * has closed since is converted again; one already converted is deleted. `isActive` names calls still in
   * progress, which are left alone, as are unclosed captures written to in the last two minutes.
   */
  async sweepLeftovers(o: { isActive?: (sipCallId: string) => boolean; staleMs?: number } = {}): Promise<SweepResult> {
    const { log } = this.deps;
    const result: SweepResult = { converted: 0, updated: 0, removed: 0, orphans: [] };
    for (const capture of await listCaptures(this.deps.recordingDir)) {
      if (o.isActive?.(capture.callId)) continue;
      if (!capture.closed && Date.now() - capture.modifiedAt.getTime() < (o.staleMs ?? STALE_MS)) continue;
      const call = await this.repo.callBySipCallId(capture.callId);
      if (!call) {
        log.error('capture of an unknown call kept', { sipCallId: capture.callId, pcap: capture.pcapPath });
        result.orphans.push(capture.callId);
        continue;
      }
      const existing = await this.repo.byCall(call.id);
      if (existing && (existing.deletedAt || (existing.complete && existing.path))) {
        await removeCapture(capture);
        result.removed++;
        continue;
      }
      // Converted once already: wait for rtpengine to close it; an unreadable file waits for a person.
      if (existing && (!capture.closed || existing.incompleteReason?.startsWith('capture-unreadable'))) continue;
      const startedAt = call.answeredAt ?? call.startedAt;
      const converted = await this.convert(capture, call.id, { startedAt, endedAt: call.endedAt ?? startedAt }, await callerPortFromMetadata(capture));
      if (existing) {
        await this.repo.replaceAudio(existing.id, converted);
        result.updated++;
        log.info('recording converted again from its closed capture', { recording: existing.id, complete: converted.complete, reason: converted.incompleteReason });
      } else {
        const audio = { ...converted, complete: false, incompleteReason: join2('leftover: call control stopped before the call ended', converted.incompleteReason ?? undefined) };
        const id = await this.repo.insert({ ...audio, callId: call.id, caller: call.caller, dnis: call.dnis, agent: call.agent }, this.deps.clock.now());
        result.converted++;
        log.warn('leftover capture converted', { recording: id, call: call.id, reason: audio.incompleteReason });
      }
      if (this.finalWrite(capture, converted)) await removeCapture(capture);
    }
    return result;
  }

  /** The capture may go once its closed, whole content is in a WAV (complete or cut by a crash: nothing more will come). */
  private finalWrite(capture: Capture, audio: RecordingAudio): boolean {
    return capture.closed && audio.path !== null;
  }

  /** `call`: the times stored when the capture holds no audio to take them from. */
  private async convert(capture: Capture, callRowId: number, call: { startedAt: Date; endedAt: Date }, callerPort: number | undefined): Promise<RecordingAudio> {
    const path = recordingPath(callRowId, call.startedAt);
    const outPath = join(this.deps.dataDir, path);
    try {
      await mkdir(dirname(outPath), { recursive: true });
      const c = await captureToWav({ pcapPath: capture.pcapPath, outPath, callerPort });
      const reason = join2(
        c.incompleteReason,
        capture.closed ? undefined : 'capture-not-closed: rtpengine had not closed the capture (still running, or it stopped)',
        c.callerGuessed ? 'caller-side-guessed: channels may be swapped' : undefined,
      );
      return {
        path,
        startedAt: c.startedAt ?? call.startedAt,
        endedAt: c.endedAt ?? call.endedAt,
        durationMs: c.durationMs,
        bytes: c.bytes,
        complete: reason === null,
        incompleteReason: reason,
      };
    } catch (e) {
      const kind = e instanceof PcapError ? 'capture-unreadable' : 'write-failed';
      this.deps.log.error('recording conversion failed', { pcap: capture.pcapPath, out: outPath, error: e instanceof Error ? e.message : String(e) });
      return { path: null, startedAt: call.startedAt, endedAt: call.endedAt, durationMs: 0, bytes: 0, complete: false, incompleteReason: `${kind}: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
}
