/**
 * A callback request (折り返し依頼, T7) as an operator types it: checked field by field so the console can show
 * each message next to its field (Japanese, English in parentheses). Stored by db/repositories/callbacks.ts.
 */
import type { NewCallback } from '../../db/repositories/callbacks.js';

/** What the operator enters; who entered it and when are added when it is stored. */
export type CallbackRequest = Omit<NewCallback, 'createdBy' | 'at'>;

export interface FieldError {
  field: keyof CallbackRequest;
  message: string;
}

export type CallbackRequestResult = { ok: true; value: CallbackRequest } | { ok: false; errors: FieldError[] };

/** Text as typed: NFKC turns full-width digits and hyphens from a Japanese IME into ASCII. */
function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return undefined;
  return v.normalize('NFKC').trim();
}

export function parseCallbackRequest(input: Record<string, unknown>): CallbackRequestResult {
  const errors: FieldError[] = [];
  const bad = (field: FieldError['field'], message: string) => errors.push({ field, message });
  const notText = (key: string) => input[key] !== undefined && input[key] !== null && typeof input[key] !== 'string';

  let callId: number | null = null;
  if (input.callId !== undefined && input.callId !== null) {
    if (typeof input.callId === 'number' && Number.isSafeInteger(input.callId) && input.callId > 0) callId = input.callId;
    else bad('callId', '通話IDが正しくありません (callId must be a positive integer)');
  }

  const dept = text(input.departmentId);
  if (notText('departmentId') || (dept !== undefined && dept !== '' && !/^[a-z0-9-]{1,60}$/.test(dept))) {
    bad('departmentId', '部署の指定が正しくありません (departmentId: a department id, or empty for the centre)');
  }

  const callerName = text(input.callerName);
  if (notText('callerName') || (callerName !== undefined && [...callerName].length > 60)) bad('callerName', 'お名前は60文字以内で入力してください (name: up to 60 characters)');

  const number = text(input.number)?.replace(/[-\s]/g, '');
  if (!number || !/^[0-9]{6,15}$/.test(number)) bad('number', '電話番号は数字6〜15桁で入力してください (number: 6-15 digits; hyphens and spaces are allowed)');

  const topic = text(input.topic);
  if (!topic || [...topic].length > 500) bad('topic', '用件を1〜500文字で入力してください (topic: 1-500 characters)');

  const language = text(input.language);
  if (notText('language') || (language !== undefined && language !== '' && !/^[a-z]{2,5}$/.test(language))) {
    bad('language', '言語の指定が正しくありません (language: a code such as ja, en, zh, ko)');
  }

  const preferredTime = text(input.preferredTime);
  if (notText('preferredTime') || (preferredTime !== undefined && [...preferredTime].length > 100)) {
    bad('preferredTime', '希望時間帯は100文字以内で入力してください (preferred time: up to 100 characters)');
  }

  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      callId,
      departmentId: dept || null,
      callerName: callerName || null,
      number: number!,
      topic: topic!,
      language: language || null,
      preferredTime: preferredTime || null,
    },
  };
}
