/** A callback request as typed by an operator (T7): normalised when good, every bad field named when not. */
import t from 'tap';
import { parseCallbackRequest } from '../../apps/acd/callback-request.js';

const good = { callId: 12, departmentId: 'kokuho-nenkin', callerName: '世田谷 花子', number: '03-5432-1234', topic: '国民年金の免除申請について', language: 'ja', preferredTime: '平日 10時〜12時' };

t.test('a good request is normalised', async (t) => {
  t.same(parseCallbackRequest(good), { ok: true, value: { ...good, number: '0354321234' } });
  const r = parseCallbackRequest({ number: '０９０ １２３４ ５６７８', topic: '  粗大ごみの収集日  ', departmentId: '', callerName: '', preferredTime: '' });
  t.same(r, { ok: true, value: { callId: null, departmentId: null, callerName: null, number: '09012345678', topic: '粗大ごみの収集日', language: null, preferredTime: null } }, 'full-width digits and spaces from an IME; empty optional fields are null (the centre calls back)');
});

t.test('every bad field is named with a Japanese message and English', async (t) => {
  const r = parseCallbackRequest({ callId: -1, departmentId: 'Kokuho Nenkin', callerName: 'あ'.repeat(61), number: '03-12', topic: '', language: 'Japanese', preferredTime: 'x'.repeat(101) });
  t.equal(r.ok, false);
  if (r.ok) return;
  t.same(r.errors.map((e) => e.field), ['callId', 'departmentId', 'callerName', 'number', 'topic', 'language', 'preferredTime']);
  for (const e of r.errors) t.match(e.message, /[ぁ-んァ-ン一-龥].*\([a-zA-Z].*\)$/, `${e.field}: Japanese, English in parentheses`);
  t.match(r.errors.find((e) => e.field === 'number')!.message, /6〜15桁/);
});

t.test('limits are inclusive and counted in characters', async (t) => {
  t.equal(parseCallbackRequest({ ...good, callerName: '世'.repeat(60), topic: '用'.repeat(500), preferredTime: '時'.repeat(100), number: '123456' }).ok, true);
  t.equal(parseCallbackRequest({ ...good, number: '1234567890123456' }).ok, false, '16 digits');
  t.equal(parseCallbackRequest({ ...good, number: '03(5432)1234' }).ok, false, 'only hyphens and spaces are removed');
  t.equal(parseCallbackRequest({ ...good, topic: '用'.repeat(501) }).ok, false);
  const missing = parseCallbackRequest({});
  t.same(missing.ok ? [] : missing.errors.map((e) => e.field), ['number', 'topic'], 'number and topic are required');
  const wrongType = parseCallbackRequest({ ...good, callerName: 5, number: 312345678 });
  t.same(wrongType.ok ? [] : wrongType.errors.map((e) => e.field), ['callerName', 'number'], 'text fields must be text');
});
