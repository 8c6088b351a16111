/**
 * Call recordings in the console (T8): list with filters, a player and the WAV download, for supervisors
 * and the manager only (apps/recordings/access.ts); everyone else gets 403. Each playback start (a request
 * for the audio from its first byte: the player's first request, or a replay) and each download is written
 * to the audit log; the player's seeks (HTTP Range requests further in) are not.
 */
import { resolve, sep } from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { mayListen } from '../recordings/access.js';
import { fromJst, jstParts, parseDate } from '../time/jst.js';
import { RecordingsRepository, type RecordingFilter, type RecordingRow } from '../../db/repositories/recordings.js';
import type { ConsoleContext } from './context.js';
import type { FormErrors } from './forms.js';
import { actorOf, forbidden, mustSession, requireLogin, sessionOf } from './guards.js';
import { html } from './html.js';
import { sendPage } from './http.js';
import { layout, notFoundPage } from './layout.js';
import { goneMessage, recordingListPage, recordingPage, type RecordingQuery } from './recording-views.js';

const PAGE_SIZE = 50;

function requireListener(req: Request, res: Response, next: NextFunction): void {
  const s = sessionOf(res);
  if (s && mayListen(s.user.roles)) next();
  else forbidden(req, res, s, '通話録音はスーパーバイザーと管理責任者だけが利用できます (recordings are for supervisors and the manager)');
}

const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/** The filter from the query string, or the errors to show next to its fields. */
function parseQuery(req: Request): { query: RecordingQuery; filter: RecordingFilter; errors: FormErrors } {
  const query: RecordingQuery = {
    from: text(req.query.from),
    to: text(req.query.to),
    dnis: text(req.query.dnis),
    caller: text(req.query.caller),
    agent: text(req.query.agent),
    complete: text(req.query.complete),
  };
  const errors: FormErrors = {};
  const filter: RecordingFilter = {};
  const from = query.from ? parseDate(query.from) : null;
  const to = query.to ? parseDate(query.to) : null;
  if (query.from && !from) errors.from = '開始日は YYYY-MM-DD で入力してください (from: YYYY-MM-DD)';
  if (query.to && !to) errors.to = '終了日は YYYY-MM-DD で入力してください (to: YYYY-MM-DD)';
  if (from) filter.from = fromJst(from.year, from.month, from.day);
  if (to) filter.to = fromJst(to.year, to.month, to.day + 1);
  if (filter.from && filter.to && filter.from >= filter.to) errors.to = '終了日は開始日以降の日付にしてください (to is before from)';
  if (query.dnis && !/^\d{1,20}$/.test(query.dnis)) errors.dnis = '着信番号は数字だけで入力してください (digits only)';
  else if (query.dnis) filter.dnis = query.dnis;
  if (query.caller && !/^\+?\d{1,20}$/.test(query.caller)) errors.caller = '発信者番号は数字で入力してください (digits only)';
  else if (query.caller) filter.caller = query.caller;
  if (query.agent && !/^[A-Za-z0-9._-]{1,64}$/.test(query.agent)) errors.agent = '応対オペレーターはユーザー名で入力してください (a user name)';
  else if (query.agent) filter.agent = query.agent;
  if (query.complete === 'yes' || query.complete === 'no') filter.complete = query.complete === 'yes';
  else if (query.complete) errors.complete = '録音の状態を一覧から選んでください (choose a state)';
  return { query, filter, errors };
}

export function recordingRoutes(app: Express, ctx: ConsoleContext, dataDir: string): void {
  const repo = new RecordingsRepository(ctx.db);
  const recordingsRoot = resolve(dataDir, 'recordings') + sep;
  const router = express.Router();

  router.get('/', async (req, res) => {
    const { query, filter, errors } = parseQuery(req);
    const pageParam = text(req.query.page);
    const page = /^\d{1,6}$/.test(pageParam) && Number(pageParam) > 0 ? Number(pageParam) : 1;
    const failed = Object.keys(errors).length > 0;
    const { rows, total } = failed ? { rows: [], total: 0 } : await repo.list(filter, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    sendPage(res, failed ? 400 : 200, recordingListPage(mustSession(res), { query, errors, rows, total, page, pages, path: req.originalUrl }));
  });

  /** The recording named in the URL, or a 404/410 page sent and undefined. */
  async function found(req: Request, res: Response, needAudio: boolean): Promise<{ row: RecordingRow; file: string } | undefined> {
    const id = String(req.params.id);
    const row = /^\d{1,12}$/.test(id) ? await repo.get(Number(id)) : undefined;
    if (!row) {
      sendPage(res, 404, notFoundPage(sessionOf(res)));
      return undefined;
    }
    const file = row.path ? resolve(dataDir, row.path) : '';
    if (needAudio && (!row.path || !file.startsWith(recordingsRoot))) {
      const main = html`<h1>録音を再生できません</h1><p>${goneMessage(row)}</p><p><a href="/recordings">録音一覧へ戻る</a></p>`;
      sendPage(res, row.deletedAt ? 410 : 404, layout({ title: '録音を再生できません', session: sessionOf(res), main }));
      return undefined;
    }
    return { row, file };
  }

  router.get('/:id', async (req, res) => {
    const r = await found(req, res, false);
    if (r) sendPage(res, 200, recordingPage(mustSession(res), r.row, req.originalUrl));
  });

  /** The WAV with Range support (express's sendFile), after the audit entry; a vanished file is 404. */
  async function sendAudio(req: Request, res: Response, next: NextFunction, download: boolean): Promise<void> {
    const r = await found(req, res, true);
    if (!r) return;
    const playbackStart = !/^bytes=\s*[1-9]/.test(req.headers.range ?? '');
    if (download || playbackStart) {
      const s = mustSession(res);
      const actor = actorOf(req, s);
      await ctx.audit.append(
        { actorId: actor.id, actor: actor.name, ip: actor.ip, action: download ? 'recording.download' : 'recording.play', entity: 'recording', entityId: r.row.id, detail: { callId: r.row.callId, startedAt: r.row.startedAt.toISOString() } },
        ctx.clock.now(),
      );
    }
    if (download) {
      const p = jstParts(r.row.startedAt);
      const stamp = `${p.year}${String(p.month).padStart(2, '0')}${String(p.day).padStart(2, '0')}-${String(p.hour).padStart(2, '0')}${String(p.minute).padStart(2, '0')}`;
      res.attachment(`recording-${r.row.id}-${stamp}.wav`);
    }
    res.sendFile(r.file, { headers: { 'Content-Type': 'audio/wav' }, cacheControl: false, dotfiles: 'deny' }, (err?: Error & { status?: number }) => {
      if (!err || res.headersSent) return;
      if (err.status === 404) sendPage(res, 404, notFoundPage(sessionOf(res)));
      else next(err);
    });
  }

  router.get('/:id/audio', (req, res, next) => sendAudio(req, res, next, false));
  router.get('/:id/download', (req, res, next) => sendAudio(req, res, next, true));

  app.use('/recordings', requireLogin, requireListener, router);
}
