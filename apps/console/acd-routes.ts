/**
 * The ACD in the console (T5-T7, C4, C10, §16): the wallboard, an operator's own panel with state changes,
 * hold, transfers and consultations, callback requests, and the call detail records. Commands go to call
 * control through the AcdClient with the agent name of the signed-in person (their SIP user): an operator
 * acts only as themself; a supervisor may also change another operator's state. Every state change,
 * transfer command and callback action is audited, without the caller's personal data (the audit log is
 * append-only, and callback data must be erasable: C10).
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { ActiveSession } from '../accounts/session-service.js';
import { isNotReadyReason, type AgentContact, type AgentStatus } from '../acd/agent-state.js';
import { parseCallbackRequest } from '../acd/callback-request.js';
import { cdrCsv, cdrsBetween } from '../acd/cdr.js';
import { WardCalendar } from '../calendar/ward-calendar.js';
import { formatJst, fromJst, parseDate } from '../time/jst.js';
import { AcdQueuesRepository } from '../../db/repositories/acd-queues.js';
import { CallbacksRepository } from '../../db/repositories/callbacks.js';
import { CallsRepository } from '../../db/repositories/calls.js';
import { UsersRepository } from '../../db/repositories/users.js';
import type { Role } from '../../db/roles.js';
import {
  AGENT_MANAGER_ROLES,
  AGENT_PANEL_ROLES,
  CALLBACK_LIST_ROLES,
  CALLBACK_WRITER_ROLES,
  CDR_ROLES,
  hasAny,
  WALLBOARD_ROLES,
} from './acd-access.js';
import { AcdRefusedError, AcdUnavailableError, type AcdClient, type ConsultAction, type StateChange } from './acd-client.js';
import {
  agentPanelPage,
  callbackFormPage,
  callbackListPage,
  CALLBACK_LANGUAGES,
  unavailablePage,
  wallboardPage,
  type AgentPanelData,
  type CallbackValues,
  type DepartmentVerdict,
} from './acd-views.js';
import type { ConsoleContext } from './context.js';
import type { FormErrors } from './forms.js';
import { actorOf, forbidden, mustSession, requireLogin, sessionOf } from './guards.js';
import { field, sendPage, wantsJson } from './http.js';
import { notFoundPage } from './layout.js';

const NOTICES: Record<string, string> = {
  state: '状態を変更しました (state changed)',
  'wrap-up': '後処理を終了しました (wrap-up ended)',
  hold: '保留しました (on hold)',
  unhold: '保留を解除しました (off hold)',
  transferred: '転送しました (transferred)',
  consulting: '所管課を呼び出しています。お客様は保留中です (consulting)',
  complete: '転送を完了しました (transfer completed)',
  conference: '三者通話にしました (conference)',
  cancel: '相談を取り消し、お客様との通話に戻りました (consultation cancelled)',
  created: '折り返し依頼を登録しました (callback request saved)',
  done: '完了にしました。個人情報は消去されました (done; personal data erased)',
};

const AGENT_NAME = /^[A-Za-z0-9._-]{1,64}$/;
/** Longest CDR period in one request: a year, what the SLA reports look back over. */
const MAX_CDR_DAYS = 366;

const noticeOf = (req: Request): string | undefined => (typeof req.query.done === 'string' ? NOTICES[req.query.done] : undefined);
const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

function allow(roles: readonly Role[], what: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const s = sessionOf(res);
    if (s && hasAny(s.user.roles, roles)) next();
    else forbidden(req, res, s, `${what}はこのアカウントでは使えません (not allowed for this account)`);
  };
}

/** The phone an operator logs in with: their softphone, or an outside number (digits 6-15 after - and spaces). */
function parseContact(req: Request): { contact?: AgentContact; number: string; errors: FormErrors } {
  const number = field(req, 'number').normalize('NFKC').trim();
  if (field(req, 'contact') !== 'external') return { contact: { kind: 'softphone' }, number: '', errors: {} };
  const digits = number.replace(/[-\s]/g, '');
  if (!/^[0-9]{6,15}$/.test(digits)) return { number, errors: { number: '外線番号は数字6〜15桁で入力してください (external number: 6-15 digits)' } };
  return { contact: { kind: 'external', number: digits }, number, errors: {} };
}

/** `ready`, `logged_out` or `not_ready:<reason>` from the forms' `choice`. */
function parseChoice(choice: string): StateChange | undefined {
  if (choice === 'ready' || choice === 'logged_out') return { state: choice };
  const [state, reason] = choice.split(':');
  if (state === 'not_ready' && reason && isNotReadyReason(reason) && reason !== 'missed') return { state: 'not_ready', reason };
  return undefined;
}

export function acdRoutes(app: Express, ctx: ConsoleContext, acd: AcdClient): void {
  const users = new UsersRepository(ctx.db);
  const queues = new AcdQueuesRepository(ctx.db);
  const callbacks = new CallbacksRepository(ctx.db);
  const calls = new CallsRepository(ctx.db);
  const router = express.Router();

  /** The signed-in person's agent name: their SIP user, or null without a SIP account. */
  const ownAgent = async (s: ActiveSession): Promise<string | null> => (await users.sipAccountOf(s.user.id))?.sipUser ?? null;

  const audit = (req: Request, s: ActiveSession, action: string, entity: string, entityId: string | number, detail: Record<string, unknown>) => {
    const a = actorOf(req, s);
    return ctx.audit.append({ actorId: a.id, actor: a.name, ip: a.ip, action, entity, entityId, detail }, ctx.clock.now());
  };

  const queueNames = async (): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const q of await queues.current()) {
      const name = (q.definition as { name?: unknown }).name;
      out[q.queue] = typeof name === 'string' ? name : q.queue;
    }
    return out;
  };

  const renderWallboard = async (res: Response, status: number, extra: { notice?: string; error?: string } = {}) => {
    const s = mustSession(res);
    const [figures, agents, names] = await Promise.all([acd.figures(), acd.agents(), queueNames()]);
    sendPage(res, status, wallboardPage(s, { figures, agents, queueNames: names, manage: hasAny(s.user.roles, AGENT_MANAGER_ROLES), ...extra }));
  };

  /** Each active department with the calendar's verdict now (T7): open until when, or closed, why and when next. */
  const verdicts = async (): Promise<DepartmentVerdict[]> => {
    const now = ctx.clock.now();
    const calendar = new WardCalendar(await ctx.reference.calendarDays());
    return (await ctx.reference.departments()).map((d) => {
      const v = calendar.canTransfer(d, now);
      const text = v.ok ? `転送可（${formatJst(v.until).slice(11)} まで）` : `転送不可: ${v.reason}${v.next ? `（次の受付 ${formatJst(v.next)}）` : ''}`;
      return { id: d.id, name: d.name, phone: d.phone, open: v.ok, text };
    });
  };

  const renderPanel = async (res: Response, status: number, extra: Partial<AgentPanelData> = {}) => {
    const s = mustSession(res);
    const agent = await ownAgent(s);
    if (!agent) return sendPage(res, status, agentPanelPage(s, { agent: null, departments: [] }));
    const [statuses, call, departments] = await Promise.all([acd.agents(), acd.currentCall(agent), verdicts()]);
    const logged: AgentStatus = { agent, state: 'logged_out', reason: null, since: ctx.clock.now().toISOString(), callId: null, contact: null };
    const status_ = statuses.find((a) => a.agent === agent) ?? logged;
    sendPage(res, status, agentPanelPage(s, { agent, status: status_, call, departments, ...extra }));
  };

  router.get('/wallboard', allow(WALLBOARD_ROLES, 'ウォールボード'), async (req, res) => {
    await renderWallboard(res, 200, { notice: noticeOf(req) });
  });

  router.get('/me', allow(AGENT_PANEL_ROLES, 'オペレーターの画面'), async (req, res) => {
    await renderPanel(res, 200, { notice: noticeOf(req) });
  });

  /**
   * The agent a command is for: the URL's, when it is the person's own or they are a supervisor; otherwise
   * a 403 is sent and undefined returned.
   */
  const agentFor = async (req: Request, res: Response): Promise<string | undefined> => {
    const s = mustSession(res);
    const agent = String(req.params.agent);
    const own = await ownAgent(s);
    if (AGENT_NAME.test(agent) && (agent === own || hasAny(s.user.roles, AGENT_MANAGER_ROLES))) return agent;
    forbidden(req, res, s, '他のオペレーターの状態は変更できません (you can change only your own state)');
    return undefined;
  };

  const toWallboard = (req: Request) => field(req, 'back') === 'wallboard';

  /** Shows a refusal by call control (unknown agent, a change not possible now) where the command came from. */
  const refused = async (req: Request, res: Response, e: AcdRefusedError) => {
    const error = `操作できませんでした: ${e.message} (${e.code})`;
    const status = e.status === 404 ? 404 : 409;
    if (wantsJson(req)) res.status(status).json({ error: e.message, code: e.code });
    else if (toWallboard(req)) await renderWallboard(res, status, { error });
    else await renderPanel(res, status, { error });
  };

  router.post('/agents/:agent/state', allow(AGENT_PANEL_ROLES, 'オペレーターの状態変更'), async (req, res) => {
    const s = mustSession(res);
    const agent = await agentFor(req, res);
    if (!agent) return;
    const change = parseChoice(field(req, 'choice'));
    if (!change) {
      const error = '変更後の状態を一覧から選んでください (choose a state)';
      if (wantsJson(req)) return void res.status(400).json({ error });
      return toWallboard(req) ? renderWallboard(res, 400, { error }) : renderPanel(res, 400, { error });
    }
    if (change.state === 'ready' && field(req, 'contact')) {
      const c = parseContact(req);
      if (!c.contact) return renderPanel(res, 400, { errors: c.errors, number: c.number });
      change.contact = c.contact;
    }
    const detail = { state: change.state, reason: change.reason ?? null, contact: change.contact?.kind ?? null };
    try {
      const after = await acd.setState(agent, change);
      await audit(req, s, 'acd.agent.state', 'agent', agent, { ...detail, result: after.state });
    } catch (e) {
      if (!(e instanceof AcdRefusedError)) throw e;
      await audit(req, s, 'acd.agent.state', 'agent', agent, { ...detail, refused: e.code });
      return refused(req, res, e);
    }
    if (wantsJson(req)) return void res.json({ ok: true });
    res.redirect(303, toWallboard(req) ? '/acd/wallboard?done=state' : '/acd/me?done=state');
  });

  router.post('/agents/:agent/wrap-up-end', allow(AGENT_PANEL_ROLES, 'オペレーターの状態変更'), async (req, res) => {
    const s = mustSession(res);
    const agent = await agentFor(req, res);
    if (!agent) return;
    try {
      await acd.endWrapUp(agent);
      await audit(req, s, 'acd.agent.wrap-up-end', 'agent', agent, {});
    } catch (e) {
      if (!(e instanceof AcdRefusedError)) throw e;
      await audit(req, s, 'acd.agent.wrap-up-end', 'agent', agent, { refused: e.code });
      return refused(req, res, e);
    }
    res.redirect(303, toWallboard(req) ? '/acd/wallboard?done=wrap-up' : '/acd/me?done=wrap-up');
  });

  /**
   * The own agent's current call for a call command, taken from call control rather than from the form, so
   * nobody acts on a call that is not theirs; undefined (and the panel sent) when there is none.
   */
  const ownCall = async (res: Response): Promise<{ agent: string; callId: number; caller: string } | undefined> => {
    const agent = await ownAgent(mustSession(res));
    const call = agent ? await acd.currentCall(agent) : null;
    if (agent && call) return { agent, callId: call.callId, caller: call.caller };
    await renderPanel(res, 409, { error: '現在の通話がありません (no call in progress)' });
    return undefined;
  };

  const callCommand = (path: string, what: 'hold' | 'unhold') =>
    router.post(path, allow(AGENT_PANEL_ROLES, '通話の操作'), async (req, res) => {
      const c = await ownCall(res);
      if (!c) return;
      try {
        await acd.hold(c.callId, c.agent, what === 'hold');
        await audit(req, mustSession(res), `acd.call.${what}`, 'call', c.callId, { agent: c.agent });
      } catch (e) {
        if (e instanceof AcdRefusedError) return refused(req, res, e);
        throw e;
      }
      res.redirect(303, `/acd/me?done=${what}`);
    });
  callCommand('/me/hold', 'hold');
  callCommand('/me/unhold', 'unhold');

  router.post('/me/consult/:action', allow(AGENT_PANEL_ROLES, '通話の操作'), async (req, res) => {
    const action = String(req.params.action);
    if (action !== 'complete' && action !== 'conference' && action !== 'cancel') return sendPage(res, 404, notFoundPage(sessionOf(res)));
    const c = await ownCall(res);
    if (!c) return;
    try {
      await acd.consult(c.callId, action as ConsultAction, c.agent);
      await audit(req, mustSession(res), 'acd.consult', 'call', c.callId, { agent: c.agent, action });
    } catch (e) {
      if (e instanceof AcdRefusedError) return refused(req, res, e);
      throw e;
    }
    res.redirect(303, `/acd/me?done=${action}`);
  });

  router.post('/me/transfer', allow(AGENT_PANEL_ROLES, '転送'), async (req, res) => {
    const s = mustSession(res);
    const mode = field(req, 'mode');
    const department = await ctx.reference.department(field(req, 'department'));
    if ((mode !== 'blind' && mode !== 'attended') || !department?.active) {
      return renderPanel(res, 400, { error: '転送先の所管課と転送の方法を選んでください (choose a department and blind or attended)' });
    }
    const c = await ownCall(res);
    if (!c) return;
    const result = await acd.transfer(c.callId, { agent: c.agent, department: department.id, mode });
    await audit(req, s, 'acd.transfer', 'call', c.callId, { agent: c.agent, department: department.id, mode, outcome: result.outcome });
    if (result.outcome === 'failed') return renderPanel(res, 502, { transfer: { kind: 'failed', reason: result.reason } });
    if (result.outcome === 'outside-window') {
      const prefill = new URLSearchParams({ call: String(c.callId), departmentId: result.department.id });
      const callbackHref = `/acd/callbacks/new?${prefill}`;
      return renderPanel(res, 409, { transfer: { kind: 'outside-window', reason: result.reason, department: result.department, next: result.next, callbackHref } });
    }
    res.redirect(303, result.outcome === 'connected' ? '/acd/me?done=transferred' : '/acd/me?done=consulting');
  });

  // 折り返し依頼 (T7, C10)
  const emptyValues = (): CallbackValues => ({ callerName: '', number: '', topic: '', departmentId: '', preferredTime: '', language: 'ja', callId: '' });
  const renderCallbackForm = async (res: Response, status: number, values: CallbackValues, errors: FormErrors, notice?: string) => {
    const s = mustSession(res);
    const departments = await ctx.reference.departments();
    sendPage(res, status, callbackFormPage(s, { values, errors, departments, notice, canList: hasAny(s.user.roles, CALLBACK_LIST_ROLES) }));
  };

  router.get('/callbacks/new', allow(CALLBACK_WRITER_ROLES, '折り返し依頼の登録'), async (req, res) => {
    const s = mustSession(res);
    const values = emptyValues();
    const dept = text(req.query.departmentId);
    if (dept && (await ctx.reference.department(dept))) values.departmentId = dept;
    // From a refused transfer: the caller's number and language come from the call, only for its own operator.
    const callId = text(req.query.call);
    const call = /^\d{1,12}$/.test(callId) ? await calls.get(Number(callId)) : undefined;
    if (call && (call.agent === (await ownAgent(s)) || hasAny(s.user.roles, AGENT_MANAGER_ROLES))) {
      Object.assign(values, { callId: String(call.id), number: call.caller, language: call.language && CALLBACK_LANGUAGES.includes(call.language) ? call.language : 'ja' });
    }
    await renderCallbackForm(res, 200, values, {}, noticeOf(req));
  });

  router.post('/callbacks', allow(CALLBACK_WRITER_ROLES, '折り返し依頼の登録'), async (req, res) => {
    const s = mustSession(res);
    const values: CallbackValues = {
      callerName: field(req, 'callerName'),
      number: field(req, 'number'),
      topic: field(req, 'topic'),
      departmentId: field(req, 'departmentId'),
      preferredTime: field(req, 'preferredTime'),
      language: field(req, 'language'),
      callId: field(req, 'callId'),
    };
    const parsed = parseCallbackRequest({ ...values, callId: values.callId ? (/^\d{1,12}$/.test(values.callId) ? Number(values.callId) : values.callId) : undefined });
    const errors: FormErrors = {};
    if (!parsed.ok) for (const e of parsed.errors) errors[e.field] ??= e.message;
    if (values.departmentId && !(await ctx.reference.department(values.departmentId))) errors.departmentId ??= '所管課を一覧から選んでください (choose a department)';
    if (values.language && !CALLBACK_LANGUAGES.includes(values.language)) errors.language ??= '言語を一覧から選んでください (choose a language)';
    if (!parsed.ok || Object.keys(errors).length) return renderCallbackForm(res, 400, values, errors);
    const r = parsed.value;
    const id = await callbacks.create({ ...r, createdBy: s.user.username, at: ctx.clock.now() });
    await audit(req, s, 'callback.create', 'callback', id, { department: r.departmentId, callId: r.callId });
    res.redirect(303, hasAny(s.user.roles, CALLBACK_LIST_ROLES) ? '/acd/callbacks?done=created' : '/acd/callbacks/new?done=created');
  });

  /** Whose requests a person works: all for supervisors and the manager, else their own department's only. */
  const callbackScope = (s: ActiveSession): { all: true } | { all: false; departmentId: string | null } =>
    hasAny(s.user.roles, ['supervisor', 'manager']) ? { all: true } : { all: false, departmentId: s.user.departmentId };

  router.get('/callbacks', allow(CALLBACK_LIST_ROLES, '折り返し依頼の一覧'), async (req, res) => {
    const s = mustSession(res);
    const scope = callbackScope(s);
    const departments = new Map((await ctx.reference.departments({ includeInactive: true })).map((d) => [d.id, d.name]));
    // A ward_staff account without a department sees nothing rather than the centre's own list.
    const rows = scope.all ? await callbacks.list({ status: 'open' }) : scope.departmentId ? await callbacks.list({ status: 'open', departmentId: scope.departmentId }) : [];
    const label = scope.all ? 'すべての所管課とセンター' : scope.departmentId ? (departments.get(scope.departmentId) ?? scope.departmentId) : '（所属部署なし）';
    sendPage(
      res,
      200,
      callbackListPage(s, {
        rows: rows.map((r) => ({ ...r, department: r.departmentId ? (departments.get(r.departmentId) ?? r.departmentId) : 'センター' })),
        scope: label,
        notice: noticeOf(req),
        canWrite: hasAny(s.user.roles, CALLBACK_WRITER_ROLES),
      }),
    );
  });

  router.post('/callbacks/:id/done', allow(CALLBACK_LIST_ROLES, '折り返し依頼の完了'), async (req, res) => {
    const s = mustSession(res);
    const id = String(req.params.id);
    const cb = /^\d{1,12}$/.test(id) ? await callbacks.get(Number(id)) : undefined;
    const scope = callbackScope(s);
    // Another department's request is answered as missing: its existence is not theirs to know either.
    if (!cb || cb.status !== 'open' || (!scope.all && cb.departmentId !== scope.departmentId)) return sendPage(res, 404, notFoundPage(s));
    if (!(await callbacks.done(cb.id, s.user.username, ctx.clock.now()))) return sendPage(res, 404, notFoundPage(s));
    await audit(req, s, 'callback.done', 'callback', cb.id, { department: cb.departmentId });
    res.redirect(303, '/acd/callbacks?done=done');
  });

  // 通話明細 (CDR, §16): the calls that started on the JST days from..to, as JSON or as CSV for Excel.
  router.get('/cdr', allow(CDR_ROLES, '通話明細'), async (req, res) => {
    const s = mustSession(res);
    const bad = (error: string) => void res.status(400).json({ error });
    const fromText = text(req.query.from);
    const toText = text(req.query.to);
    const format = text(req.query.format) || 'json';
    const from = parseDate(fromText);
    const to = parseDate(toText);
    if (!from) return bad('from は YYYY-MM-DD の実在する日付で指定してください (from: YYYY-MM-DD)');
    if (!to) return bad('to は YYYY-MM-DD の実在する日付で指定してください (to: YYYY-MM-DD)');
    if (format !== 'json' && format !== 'csv') return bad('format は json か csv です (format: json or csv)');
    const start = fromJst(from.year, from.month, from.day);
    const end = fromJst(to.year, to.month, to.day + 1);
    if (end <= start) return bad('to は from 以降の日付にしてください (to is before from)');
    if (end.getTime() - start.getTime() > MAX_CDR_DAYS * 86_400_000) return bad(`期間は${MAX_CDR_DAYS}日以内にしてください (at most ${MAX_CDR_DAYS} days)`);
    const records = await cdrsBetween(ctx.db, start, end);
    await audit(req, s, 'cdr.export', 'cdr', `${fromText}..${toText}`, { format, calls: records.length });
    if (format === 'json') return void res.json({ from: fromText, to: toText, calls: records });
    res.attachment(`cdr-${fromText.replaceAll('-', '')}-${toText.replaceAll('-', '')}.csv`);
    res.type('text/csv; charset=utf-8').send(cdrCsv(records));
  });

  // Call control down, slow or not prepared: a 503 page (or JSON), never a crash.
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!(err instanceof AcdUnavailableError) || res.headersSent) return next(err);
    ctx.log.warn('ACD unavailable', { path: req.path, detail: err.detail });
    if (wantsJson(req)) res.status(503).json({ error: err.message, code: 'acd-unavailable' });
    else sendPage(res, 503, unavailablePage(sessionOf(res), req.method === 'GET' ? req.originalUrl : toWallboard(req) ? '/acd/wallboard' : '/acd/me'));
  });

  app.use('/acd', requireLogin, router);
}
