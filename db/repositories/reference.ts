/** The ward's reference data: published numbers (T1), transfer departments (T7), its own calendar days. */
import type { Db } from '../connection.js';

export interface WardNumber {
  id: number;
  name: string;
  number: string;
  display: string;
}

export interface Department {
  id: string;
  name: string;
  nameEn: string;
  phone: string;
  saturdayTransfer: boolean;
  sort: number;
  active: boolean;
}

export type CalendarDayKind = 'ward_closed' | 'election';

export interface CalendarDay {
  date: string;
  kind: CalendarDayKind;
  name: string;
}

interface DepartmentRow {
  id: string;
  name: string;
  name_en: string;
  phone: string;
  saturday_transfer: number | boolean;
  sort: number;
  active: number | boolean;
}

const toDepartment = (r: DepartmentRow): Department => ({
  id: r.id,
  name: r.name,
  nameEn: r.name_en,
  phone: r.phone,
  saturdayTransfer: Boolean(r.saturday_transfer),
  sort: r.sort,
  active: Boolean(r.active),
});

export class ReferenceRepository {
  constructor(private readonly db: Db) {}

  async wardNumbers(): Promise<WardNumber[]> {
    return this.db('ward_numbers').select('id', 'name', 'number', 'display').orderBy('id');
  }

  async upsertWardNumbers(rows: WardNumber[]): Promise<void> {
    if (rows.length) await this.db('ward_numbers').insert(rows).onConflict('id').merge();
  }

  async departments(options: { includeInactive?: boolean } = {}): Promise<Department[]> {
    const q = this.db<DepartmentRow>('departments').select('*').orderBy([{ column: 'sort' }, { column: 'id' }]);
    if (!options.includeInactive) q.where({ active: true });
    return (await q).map(toDepartment);
  }

  async department(id: string): Promise<Department | undefined> {
    const row = await this.db<DepartmentRow>('departments').where({ id }).first();
    return row ? toDepartment(row) : undefined;
  }

  async upsertDepartments(rows: Department[]): Promise<void> {
    if (!rows.length) return;
    await this.db('departments')
      .insert(rows.map((d) => ({ id: d.id, name: d.name, name_en: d.nameEn, phone: d.phone, saturday_transfer: d.saturdayTransfer, sort: d.sort, active: d.active })))
      .onConflict('id')
      .merge();
  }

  async calendarDays(from?: string, to?: string): Promise<CalendarDay[]> {
    const q = this.db('calendar_days').select('date', 'kind', 'name').orderBy(['date', 'kind']);
    if (from) q.where('date', '>=', from);
    if (to) q.where('date', '<=', to);
    return q;
  }

  /** Adds the day, or renames it when it is already there; returns true when it was new. */
  async putCalendarDay(day: CalendarDay, now: Date, trx: Db = this.db): Promise<boolean> {
    const existing = await trx('calendar_days').where({ date: day.date, kind: day.kind }).first('date');
    await trx('calendar_days')
      .insert({ ...day, created_at: now.toISOString() })
      .onConflict(['date', 'kind'])
      .merge(['name']);
    return !existing;
  }

  async removeCalendarDay(date: string, kind: CalendarDayKind, trx: Db = this.db): Promise<boolean> {
    return (await trx('calendar_days').where({ date, kind }).delete()) > 0;
  }
}
