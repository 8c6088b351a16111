/**
 * Changing the ward's own days (閉庁日 and 選挙執行日; T2, T7): validated, and written with its audit entry
 * in one transaction. The console's calendar page and `sc calendar add-day|remove-day` both use it.
 */
import type { Db } from '../../db/connection.js';
import { AuditRepository } from '../../db/repositories/audit.js';
import { ReferenceRepository, type CalendarDay, type CalendarDayKind } from '../../db/repositories/reference.js';
import type { Clock } from '../time/clock.js';
import { parseDate } from '../time/jst.js';
import { ValidationError, type Actor } from '../validation.js';

export const DAY_KIND_LABELS: Record<CalendarDayKind, string> = {
  election: '選挙日 (election day)',
  ward_closed: '閉庁日 (ward offices closed)',
};

const isKind = (s: string): s is CalendarDayKind => s in DAY_KIND_LABELS;

export class WardDays {
  private readonly reference: ReferenceRepository;
  private readonly audit: AuditRepository;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.reference = new ReferenceRepository(db);
    this.audit = new AuditRepository(db);
  }

  list(from?: string, to?: string): Promise<CalendarDay[]> {
    return this.reference.calendarDays(from, to);
  }

  private check(date: string, kind: string): CalendarDayKind {
    if (!parseDate(date)) throw new ValidationError('date', `日付は YYYY-MM-DD で入力してください: "${date}" (not a date)`);
    if (!isKind(kind)) throw new ValidationError('kind', `種類は選挙日か閉庁日です: "${kind}" (election or closed)`);
    return kind;
  }

  /** Adds the day, or renames it when it is already there; returns true when it was new. */
  async put(input: { date: string; kind: string; name: string }, actor: Actor): Promise<boolean> {
    const kind = this.check(input.date, input.kind);
    const name = input.name.trim();
    if (!name || name.length > 64) throw new ValidationError('name', '名称を1〜64文字で入力してください。例: 世田谷区長選挙 (1-64 characters)');
    const now = this.clock.now();
    return this.db.transaction(async (trx) => {
      const isNew = await this.reference.putCalendarDay({ date: input.date, kind, name }, now, trx);
      await this.audit.append({ actorId: actor.id, actor: actor.name, ip: actor.ip, action: 'calendar.put_day', entity: 'calendar_day', entityId: `${input.date}/${kind}`, detail: { name, isNew } }, now, trx);
      return isNew;
    });
  }

  async remove(date: string, kindInput: string, actor: Actor): Promise<void> {
    const kind = this.check(date, kindInput);
    const now = this.clock.now();
    await this.db.transaction(async (trx) => {
      if (!(await this.reference.removeCalendarDay(date, kind, trx))) {
        throw new ValidationError('date', `${date} に${DAY_KIND_LABELS[kind]}はありません (no such day)`);
      }
      await this.audit.append({ actorId: actor.id, actor: actor.name, ip: actor.ip, action: 'calendar.remove_day', entity: 'calendar_day', entityId: `${date}/${kind}` }, now, trx);
    });
  }
}
