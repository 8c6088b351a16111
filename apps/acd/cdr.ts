/**
 * Call detail records: one record per call with its legs, its ACD events and its transfers (the CDR API's
 * body), and the same as CSV for Excel (UTF-8 with BOM, Japanese headers with English, JST times).
 */
import type { Db } from '../../db/connection.js';
import { CallEventsRepository, type StoredCallEvent } from '../../db/repositories/call-events.js';
import { CallLegsRepository, type CallLeg } from '../../db/repositories/call-legs.js';
import { CallsRepository, type Call } from '../../db/repositories/calls.js';
import { TransfersRepository, type Transfer } from '../../db/repositories/transfers.js';
import { formatJst } from '../time/jst.js';

export interface CdrRecord extends Call {
  legs: CallLeg[];
  events: StoredCallEvent[];
  transfers: Transfer[];
}

function groupByCall<T extends { callId: number }>(rows: T[]): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const r of rows) {
    const list = m.get(r.callId);
    if (list) list.push(r);
    else m.set(r.callId, [r]);
  }
  return m;
}

/** The CDRs of the calls that started in [from, to), in call order. */
export async function cdrsBetween(db: Db, from: Date, to: Date): Promise<CdrRecord[]> {
  const calls = await new CallsRepository(db).between(from, to);
  const ids = calls.map((c) => c.id);
  const legs = groupByCall(await new CallLegsRepository(db).forCalls(ids));
  const events = groupByCall(await new CallEventsRepository(db).forCalls(ids));
  const transfers = groupByCall(await new TransfersRepository(db).forCalls(ids));
  return calls.map((c) => ({ ...c, legs: legs.get(c.id) ?? [], events: events.get(c.id) ?? [], transfers: transfers.get(c.id) ?? [] }));
}

const jst = (iso: string | null) => (iso === null ? '' : formatJst(new Date(iso), true));
const seconds = (from: string | null, to: string | null) => (from === null || to === null ? '' : String(Math.round((new Date(to).getTime() - new Date(from).getTime()) / 1000)));

const COLUMNS: [header: string, value: (r: CdrRecord) => string | number | null][] = [
  ['通話ID (call id)', (r) => r.id],
  ['着信日時 (arrived JST)', (r) => jst(r.startedAt)],
  ['着信番号 (dialled number)', (r) => r.dnis],
  ['発信者番号 (caller)', (r) => r.caller],
  ['言語 (language)', (r) => r.language],
  ['待ち行列 (queue)', (r) => r.queue],
  ['待ち開始 (queued JST)', (r) => jst(r.queuedAt)],
  ['オペレーター (agent)', (r) => r.agent],
  ['オペレーター応答 (agent answered JST)', (r) => jst(r.agentAnsweredAt)],
  ['待ち時間秒 (wait s)', (r) => seconds(r.queuedAt, r.agentAnsweredAt ?? r.endedAt)],
  ['通話時間秒 (talk s)', (r) => seconds(r.agentAnsweredAt, r.talkEndedAt)],
  ['後処理秒 (wrap-up s)', (r) => (r.wrapUpMs === null ? '' : Math.round(r.wrapUpMs / 1000))],
  ['呼出回数 (offers)', (r) => r.offers],
  ['転送 (transfers)', (r) => r.transfers.map((t) => `${t.departmentId}/${t.mode}/${t.outcome}`).join('; ')],
  ['終話日時 (ended JST)', (r) => jst(r.endedAt)],
  ['結果 (outcome)', (r) => r.outcome],
  ['切断者 (hung up by)', (r) => r.hungUpBy],
  ['区間数 (legs)', (r) => r.legs.length],
];

/**
 * A field for Excel: a number with a leading 0 (a phone number) kept as text; text that Excel would run as a
 * formula (a caller id is whatever the network sent) starts with ' (IPA「安全なウェブサイトの作り方」, O6).
 */
function field(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (/^0\d+$/.test(s)) return `="${s}"`;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function cdrCsv(records: CdrRecord[]): string {
  const lines = [COLUMNS.map(([h]) => field(h)).join(',')];
  for (const r of records) lines.push(COLUMNS.map(([, f]) => field(f(r))).join(','));
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}
