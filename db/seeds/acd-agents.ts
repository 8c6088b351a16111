/**
 * Skills of the demo operators (db/seeds/demo-users.ts): everyone speaks Japanese at a level 2-5; some also
 * take English, Chinese, Korean, event sign-ups or the election queue. A few penalties keep the language
 * operators for their own queues first (a higher penalty is offered later, as in app_queue).
 */
export interface SeedAgent {
  agent: string;
  skills: Record<string, number>;
  penalties: Record<string, number>;
}

const extra = (n: number): Record<string, number> => {
  if (n <= 4) return { en: 5 - (n % 3) };
  if (n <= 6) return { zh: n === 5 ? 4 : 3 };
  if (n <= 8) return { ko: n === 7 ? 4 : 3 };
  if (n <= 12) return { events: 2 + (n % 4) };
  if (n <= 16) return { election: 2 + (n % 4) };
  return {};
};

const PENALTIES: Record<string, Record<string, number>> = {
  op01: { general: 1 },
  op05: { general: 1 },
  op07: { general: 1 },
  op09: { general: 1, events: 0 },
};

export const ACD_AGENTS: SeedAgent[] = [
  ...Array.from({ length: 20 }, (_, i) => {
    const n = i + 1;
    const agent = `op${String(n).padStart(2, '0')}`;
    return { agent, skills: { ja: 2 + (n % 4), ...extra(n) }, penalties: PENALTIES[agent] ?? {} };
  }),
  { agent: 'sv01', skills: { ja: 5, en: 3 }, penalties: { general: 2, english: 1 } },
];
