/**
 * 通話録音 (T8): one row per recorded call, with the call's numbers and agent copied in so the list needs no
 * join and stays as it was when the call ended. The audio's path is relative to the data folder; the
 * retention job sets it (and the transcript) to null and stamps deleted_at, keeping the row as the record
 * that the call existed. The calls this module reads are written by call control (calls.ts).
 */
import type { Db } from '../connection.js';

export interface RecordingRow {
  id: number;
  callId: number;
  path: string | null;
  startedAt: Date;
  endedAt: Date;
  durationMs: number;
  bytes: number;
  caller: string;
  dnis: string;
  agent: string | null;
  complete: boolean;
  incompleteReason: string | null;
  transcript: string | null;
  createdAt: Date;
  deletedAt: Date | null;
}

/** What a conversion produced; a missing or unreadable capture is a row too, with no path. */
export interface RecordingAudio {
  path: string | null;
  startedAt: Date;
  endedAt: Date;
  durationMs: number;
  bytes: number;
  complete: boolean;
  incompleteReason: string | null;
}

export interface NewRecording extends RecordingAudio {
  callId: number;
  caller: string;
  dnis: string;
  agent: string | null;
}

export interface RecordingFilter {
  /** Started at or after. */
  from?: Date;
  /** Started before. */
  to?: Date;
  dnis?: string;
  /** Part of the calling number. */
  caller?: string;
  agent?: string;
  complete?: boolean;
}

/** The parts of a call (calls table) a recording needs. */
export interface CallForRecording {
  id: number;
  sipCallId: string;
  caller: string;
  dnis: string;
  agent: string | null;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
}

interface Row {
  id: number;
  call_id: number;
  path: string | null;
  started_at: string;
  ended_at: string;
  duration_ms: number;
  bytes: number;
  caller: string;
  dnis: string;
  agent: string | null;
  complete: number;
  incomplete_reason: string | null;
  transcript: string | null;
  created_at: string;
  deleted_at: string | null;
}

const toRecording = (r: Row): RecordingRow => ({
  id: r.id,
  callId: r.call_id,
  path: r.path,
  startedAt: new Date(r.started_at),
  endedAt: new Date(r.ended_at),
  durationMs: r.duration_ms,
  bytes: r.bytes,
  caller: r.caller,
  dnis: r.dnis,
  agent: r.agent,
  complete: Boolean(r.complete),
  incompleteReason: r.incomplete_reason,
  transcript: r.transcript,
  createdAt: new Date(r.created_at),
  deletedAt: r.deleted_at ? new Date(r.deleted_at) : null,
});

const audioColumns = (a: RecordingAudio) => ({
  path: a.path,
  started_at: a.startedAt.toISOString(),
  ended_at: a.endedAt.toISOString(),
  duration_ms: a.durationMs,
  bytes: a.bytes,
  complete: a.complete,
  incomplete_reason: a.incompleteReason,
});

/** LIKE with the user's % and _ taken literally. */
const likeContaining = (s: string) => `%${s.replace(/[\\%_]/g, (c) => '\\' + c)}%`;

export class RecordingsRepository {
  constructor(private readonly db: Db) {}

  async insert(r: NewRecording, now: Date): Promise<number> {
    const [id] = await this.db('recordings').insert({
      call_id: r.callId,
      caller: r.caller,
      dnis: r.dnis,
      agent: r.agent,
      ...audioColumns(r),
      created_at: now.toISOString(),
    });
    return id as number;
  }

  /** A later, better conversion of the same call's capture (a leftover closed after the call ended). */
  async replaceAudio(id: number, a: RecordingAudio): Promise<void> {
    await this.db('recordings').where({ id }).whereNull('deleted_at').update(audioColumns(a));
  }

  async get(id: number): Promise<RecordingRow | undefined> {
    const r = await this.db<Row>('recordings').where({ id }).first();
    return r && toRecording(r);
  }

  async byCall(callId: number): Promise<RecordingRow | undefined> {
    const r = await this.db<Row>('recordings').where({ call_id: callId }).orderBy('id', 'desc').first();
    return r && toRecording(r);
  }

  /** Newest first, one page, and how many match in all. */
  async list(filter: RecordingFilter, page: { limit: number; offset: number }): Promise<{ rows: RecordingRow[]; total: number }> {
    const q = this.db('recordings');
    if (filter.from) q.where('started_at', '>=', filter.from.toISOString());
    if (filter.to) q.where('started_at', '<', filter.to.toISOString());
    if (filter.dnis) q.where({ dnis: filter.dnis });
    if (filter.caller) q.whereRaw("caller LIKE ? ESCAPE '\\'", [likeContaining(filter.caller)]);
    if (filter.agent) q.where({ agent: filter.agent });
    if (filter.complete !== undefined) q.where({ complete: filter.complete ? 1 : 0 });
    const total = Number((await q.clone().count('* as n').first())?.n ?? 0);
    const rows = await q.select('*').orderBy('started_at', 'desc').orderBy('id', 'desc').limit(page.limit).offset(page.offset);
    return { rows: (rows as Row[]).map(toRecording), total };
  }

  /** Recordings started before `cutoff` whose audio or transcript is still kept, by id after `afterId`. */
  async olderThan(cutoff: Date, afterId = 0, limit = 500): Promise<RecordingRow[]> {
    const rows = await this.db<Row>('recordings')
      .whereNull('deleted_at')
      .where('started_at', '<', cutoff.toISOString())
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit);
    return rows.map(toRecording);
  }

  /** Forget the audio and the transcript; false when already done. */
  async markDeleted(id: number, at: Date, trx: Db = this.db): Promise<boolean> {
    const n = await trx('recordings').where({ id }).whereNull('deleted_at').update({ path: null, transcript: null, deleted_at: at.toISOString() });
    return n > 0;
  }

  async callBySipCallId(sipCallId: string): Promise<CallForRecording | undefined> {
    const r = await this.db('calls').where({ sip_call_id: sipCallId }).first();
    return (
      r && {
        id: r.id as number,
        sipCallId: r.sip_call_id as string,
        caller: r.caller as string,
        dnis: r.dnis as string,
        agent: (r.agent as string | null) ?? null,
        startedAt: new Date(r.started_at as string),
        answeredAt: r.answered_at ? new Date(r.answered_at as string) : null,
        endedAt: r.ended_at ? new Date(r.ended_at as string) : null,
      }
    );
  }
}
